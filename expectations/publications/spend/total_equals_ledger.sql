WITH lines AS (
    SELECT strftime(month_start, '%Y-%m') AS month, amount, month_start,
           sum(amount) OVER (PARTITION BY coalesce(body, ''),
                             coalesce(transaction_number,
                                      'line:' || file_id || ':' || coalesce(sheet || ':', '') || line_number)) AS item_total
    FROM marts.spend_transactions
),
ledger AS (
    SELECT month, CAST(sum(amount) AS DECIMAL(18,2)) AS total, count(*) AS lines
    FROM lines
    WHERE abs(item_total) > 500 AND month_start < (SELECT first_open_month FROM pub_params)
    GROUP BY month
),
published AS (
    SELECT month, CAST(sum(amount) AS DECIMAL(18,2)) AS total, count(*) AS lines FROM pub_spend GROUP BY month
)
SELECT
    coalesce(l.month, p.month) AS month,
    coalesce(l.lines, 0) AS ledger_lines,
    coalesce(p.lines, 0) AS published_lines,
    coalesce(l.total, 0) AS expected,
    coalesce(p.total, 0) AS actual,
    coalesce(p.total, 0) - coalesce(l.total, 0) AS difference,
    coalesce(p.total, 0) = coalesce(l.total, 0) AND coalesce(l.lines, 0) = coalesce(p.lines, 0) AS ok
FROM ledger AS l
FULL JOIN published AS p ON p.month = l.month
ORDER BY 1
