{#-
    The original budget: budget lines of current budgets files that are not revisions (virements and
    carry-forwards are in int_budget_lines_resolved, which resolves every line). The approved budget controls,
    fund and funding-source positions and the monthly budget are set on these.
-#}
select
    file_id,
    line_number,
    sheet,
    financial_year,
    funding_source,
    funding_source_code,
    stated_funding_source_code,
    fund,
    fund_code,
    fund_name,
    body_code,
    cost_centre,
    description,
    amount
from {{ ref('int_budget_lines_resolved') }}
where budget_change = 'original'
