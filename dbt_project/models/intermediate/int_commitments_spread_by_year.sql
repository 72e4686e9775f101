{#-
    Each commitment spread over the financial years it covers (one row per commitment per year).
    value = annual_value x months / 12, rounded to the penny, where months counts the calendar months
    from max(start_date, 1 April) to min(end_date, 31 March) inclusive (a month touched counts whole):
    1 Apr 2017 - 31 Oct 2019 at 120,000 a year is worth 70,000 in 2019/20.
    months_to_expiry counts months from the year's 1 April to end_date; the commitment is due for
    re-commissioning in that year when 0 <= months_to_expiry < var('recommissioning_window_months').
-#}
with commitments as (

    select * from {{ ref('int_commitments_resolved') }}

),

year_offsets as (

    select n from {{ integer_sequence(1000) }} as seq

),

commitment_years as (

    select
        commitments.*,
        {{ dbt.cast(financial_year_start_year('commitments.start_date'), dbt.type_int()) }} + year_offsets.n
            as year_start_year
    from commitments
    inner join year_offsets
        on year_offsets.n
        <= {{ financial_year_start_year('commitments.end_date') }}
        - {{ financial_year_start_year('commitments.start_date') }}

),

labelled as (

    select
        commitment_years.*,
        {{ financial_year_label('year_start_year') }} as financial_year
    from commitment_years

),

bounded as (

    select
        labelled.*,
        {{ financial_year_start_date('financial_year') }} as year_start_date,
        {{ financial_year_end_date('financial_year') }} as year_end_date
    from labelled

),

measured as (

    select
        bounded.*,
        {{ months_between(
            'case when start_date > year_start_date then start_date else year_start_date end',
            'case when end_date < year_end_date then end_date else year_end_date end'
        ) }} + 1 as months_in_year,
        {{ months_between('year_start_date', 'end_date') }} as months_to_expiry
    from bounded

)

select
    financial_year,
    commitment_id,
    title,
    provider,
    commitment_type,
    fund_code,
    fund_name,
    funding_source_code,
    body_code,
    pillar_code,
    pillar_name,
    start_date,
    end_date,
    annual_value,
    months_in_year,
    {{ prorate_money('annual_value', 'months_in_year', 12) }} as value,
    months_to_expiry,
    (months_to_expiry >= 0 and months_to_expiry < {{ var('recommissioning_window_months') }}) as recommissioning_due
from measured
