{#- Financial calendar, one row per month: financial year '2019/20' (April-March), quarter Q1 = Apr-Jun. -#}
with months as (

    select * from {{ ref('int_financial_months') }}

)

select
    month_start,
    month_end,
    {{ month_label('month_start') }} as month_label,
    financial_year,
    {{ financial_year_start_date('financial_year') }} as financial_year_start,
    {{ financial_year_end_date('financial_year') }} as financial_year_end,
    financial_month_number,
    'Q' || {{ dbt.cast(integer_divide('financial_month_number - 1', 3) ~ ' + 1', dbt.type_string()) }}
        as financial_quarter,
    {{ dbt.cast('extract(year from month_start)', dbt.type_int()) }} as calendar_year,
    {{ dbt.cast('extract(month from month_start)', dbt.type_int()) }} as calendar_month
from months
