-- Each contract's whole-term value in the contracts register equals the sum of its committed values by
-- financial year in the commitments mart, and both list the same contracts.
with from_commitments as (

    select commitment_id, sum(value) as committed
    from {{ ref('commitments') }}
    where status = 'committed'
    group by commitment_id

),

register as (

    select commitment_id, contract_value
    from {{ ref('contracts_register') }}
    where contract_value <> 0

)

select
    coalesce(register.commitment_id, from_commitments.commitment_id) as commitment_id,
    register.contract_value,
    from_commitments.committed
from register
full outer join from_commitments on from_commitments.commitment_id = register.commitment_id
where coalesce(register.contract_value, 0) <> coalesce(from_commitments.committed, 0)
