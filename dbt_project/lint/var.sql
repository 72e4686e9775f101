{#- dbt's var(), for sqlfluff: the value dbt_project.yml gives (sqlfluff's own stand-in returns 'item'). -#}
{% macro var(name, default=none) -%}
    {{- dbt.var(name, default) -}}
{%- endmacro %}
