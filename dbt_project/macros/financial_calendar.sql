{#-
    UK public-sector financial years run 1 April - 31 March and are written '2019/20'.
-#}

{# Calendar year in which the financial year containing date_expr starts (integer). #}
{% macro financial_year_start_year(date_expr) -%}
    (extract(year from {{ date_expr }}) - case when extract(month from {{ date_expr }}) < 4 then 1 else 0 end)
{%- endmacro %}

{# Text label of a financial year given its starting calendar year: 2019 -> '2019/20'. #}
{% macro financial_year_label(start_year_expr) -%}
    ({{ dbt.cast(start_year_expr, dbt.type_string()) }} || '/'
        || right('0' || {{ dbt.cast('(' ~ start_year_expr ~ ' + 1) % 100', dbt.type_string()) }}, 2))
{%- endmacro %}

{# Financial year ('2019/20') of a date. #}
{% macro financial_year(date_expr) -%}
    {{ financial_year_label(dbt.cast(financial_year_start_year(date_expr), dbt.type_int())) }}
{%- endmacro %}

{# First day (1 April) of a financial year given as text '2019/20'. #}
{% macro financial_year_start_date(fy_expr) -%}
    {{ dbt.cast("left(" ~ fy_expr ~ ", 4) || '-04-01'", 'date') }}
{%- endmacro %}

{# Last day (31 March) of a financial year given as text '2019/20'. #}
{% macro financial_year_end_date(fy_expr) -%}
    {{ dbt.cast(dbt.dateadd('day', -1, dbt.dateadd('year', 1, financial_year_start_date(fy_expr))), 'date') }}
{%- endmacro %}

{# First day of the month containing a date, as a date. #}
{% macro month_start(date_expr) -%}
    {{ dbt.cast(dbt.date_trunc('month', date_expr), 'date') }}
{%- endmacro %}

{# Whole calendar months from the month of first_date to the month of second_date (boundaries crossed). #}
{% macro months_between(first_date, second_date) -%}
    {{ dbt.cast(dbt.datediff(first_date, second_date, 'month'), dbt.type_int()) }}
{%- endmacro %}

{#
    Normalised label used to match free-text codes and names against reference data:
    lower case, letters and digits only (so curly/straight apostrophes, en/em dashes and hyphens,
    spacing and case do not matter): "Commissioner’s Safety Fund" -> 'commissionerssafetyfund'.
#}
{% macro match_key(expr) -%}
    {{ return(adapter.dispatch('match_key', 'opcc')(expr)) }}
{%- endmacro %}

{% macro default__match_key(expr) -%}
    nullif(regexp_replace(lower(trim({{ expr }})), '[^a-z0-9]', '', 'g'), '')
{%- endmacro %}

{#
    A sequence of integers 0 .. n-1 (n <= 10000) as a subquery with column `n`,
    built without engine-specific generators.
#}
{% macro integer_sequence(upper_bound) -%}
    (
        select d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d as n
        from (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d0
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d1
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d2
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9) as d3
        where d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d < {{ upper_bound }}
    )
{%- endmacro %}
