{# Three-letter English month abbreviation for a month number 1-12 (engine-neutral, no locale). #}
{% macro month_abbreviation(month_number_expr) -%}
    (case {{ month_number_expr }}
        {%- for name in ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] %}
        when {{ loop.index }} then '{{ name }}'
        {%- endfor %}
    end)
{%- endmacro %}

{# 'Apr 2019' for a date. #}
{% macro month_label(date_expr) -%}
    ({{ month_abbreviation('extract(month from ' ~ date_expr ~ ')') }} || ' '
        || {{ dbt.cast('extract(year from ' ~ date_expr ~ ')', dbt.type_string()) }})
{%- endmacro %}
