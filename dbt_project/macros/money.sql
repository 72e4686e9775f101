{#-
    Exact money arithmetic. Money is DECIMAL(18,2) end to end; some engines (DuckDB among them)
    turn DECIMAL / DECIMAL into DOUBLE, so every division of money is done in whole pence
    (integers) and converted back, rounding half away from zero.
-#}

{% macro money_type() -%}
    decimal(18,2)
{%- endmacro %}

{% macro share_type() -%}
    decimal(9,6)
{%- endmacro %}

{# Cast any expression to the money type. #}
{% macro to_money(expr) -%}
    {{ dbt.cast(expr, money_type()) }}
{%- endmacro %}

{# Money -> whole pence (integer). #}
{% macro money_to_pence(expr) -%}
    {{ dbt.cast('(' ~ expr ~ ') * 100', dbt.type_bigint()) }}
{%- endmacro %}

{# Whole pence (integer) -> money, exactly (decimal multiplication, no floating point). #}
{% macro pence_to_money(expr) -%}
    {{ dbt.cast(dbt.cast(expr, 'decimal(18,0)') ~ ' * ' ~ dbt.cast('0.01', 'decimal(3,2)'), money_type()) }}
{%- endmacro %}

{# Integer division truncating toward zero for non-negative operands. #}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'opcc')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{# PostgreSQL's sum() of bigints is numeric, whose `/` keeps the fraction: div() truncates for either type. #}
{% macro postgres__integer_divide(numerator, denominator) -%}
    div({{ numerator }}, {{ denominator }})
{%- endmacro %}

{#
    round(numerator / denominator) for integers, half away from zero; denominator must be positive.
#}
{% macro integer_divide_round(numerator, denominator) -%}
    (case
        when ({{ numerator }}) >= 0
            then {{ integer_divide('2 * (' ~ numerator ~ ') + (' ~ denominator ~ ')', '2 * (' ~ denominator ~ ')') }}
        else - {{ integer_divide('-2 * (' ~ numerator ~ ') + (' ~ denominator ~ ')', '2 * (' ~ denominator ~ ')') }}
    end)
{%- endmacro %}

{#
    money * multiplier / divisor, rounded to the penny (multiplier and divisor are integers,
    divisor positive). E.g. annual_value * months / 12.
#}
{% macro prorate_money(money_expr, multiplier, divisor) -%}
    {{ pence_to_money(integer_divide_round(money_to_pence(money_expr) ~ ' * (' ~ multiplier ~ ')', divisor)) }}
{%- endmacro %}
