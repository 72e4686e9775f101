-- Committed and planned totals per year agree between the commitments, fund_position,
-- funding_source_position and pillar_spend marts.
with from_commitments as (

    select
        financial_year,
        sum(case when status = 'committed' then value else 0 end) as committed,
        sum(case when status = 'planned' then value else 0 end) as planned
    from {{ ref('commitments') }}
    group by financial_year

),

positions as (

    select 'fund_position' as mart, financial_year, sum(committed) as committed, sum(planned) as planned
    from {{ ref('fund_position') }} group by financial_year
    union all
    select 'funding_source_position' as mart, financial_year, sum(committed) as committed, sum(planned) as planned
    from {{ ref('funding_source_position') }} group by financial_year
    union all
    select 'pillar_spend' as mart, financial_year, sum(committed) as committed, sum(planned) as planned
    from {{ ref('pillar_spend') }} group by financial_year

)

select
    positions.mart,
    positions.financial_year,
    positions.committed,
    positions.planned,
    from_commitments.committed as commitments_committed,
    from_commitments.planned as commitments_planned
from positions
left join from_commitments on from_commitments.financial_year = positions.financial_year
where
    coalesce(from_commitments.committed, 0) <> positions.committed
    or coalesce(from_commitments.planned, 0) <> positions.planned
