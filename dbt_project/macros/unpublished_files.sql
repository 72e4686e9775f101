{#-
    Tests over the views on raw can be limited to the files that are not yet in the published
    warehouse, with `where: __unpublished_files__`. Raw is append-only, so lines tested on an
    earlier night cannot have changed; the night's cost then follows its new files.

    The pipeline sets OPCC_FIRST_UNPUBLISHED_FILE_ID to the first file id the published warehouse
    has not seen; unset (a first build, or dbt run by hand) every file is tested. The placeholder is
    replaced here, at run time, so the value never reaches dbt's parse cache (dbt's documented way to
    template `where` with logic: override get_where_subquery).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- if '__unpublished_files__' in where -%}
            {%- set first_file_id = env_var('OPCC_FIRST_UNPUBLISHED_FILE_ID', '0') | int -%}
            {%- set where = where | replace('__unpublished_files__', 'file_id >= ' ~ first_file_id) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
