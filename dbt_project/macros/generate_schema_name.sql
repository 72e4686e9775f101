{#-
    Schemas are named exactly as configured (staging, intermediate, marts, reference, snapshots),
    not prefixed with the target schema as dbt does by default. Models without a custom schema
    land in the target schema.
    On PostgreSQL a night builds beside the published schemas, into `<name>$OPCC_SCHEMA_SUFFIX`
    (e.g. marts__build), which publishing renames to `<name>`; on DuckDB the suffix is empty.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set suffix = env_var('OPCC_SCHEMA_SUFFIX', '') -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}{{ suffix }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ suffix }}
    {%- endif -%}
{%- endmacro %}
