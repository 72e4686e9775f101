-- Each row of budget_monitoring: the forecast against the sum of its terms, and the actual to date against the
-- ledger lines of the fund from 1 April to the month-end.
WITH ledger AS (
    SELECT m.financial_year, m.month_end, m.fund_code, coalesce(sum(s.amount), 0) AS amount
    FROM marts.budget_monitoring AS m
    LEFT JOIN marts.spend_transactions AS s
      ON s.financial_year = m.financial_year AND s.fund_code = m.fund_code AND s.transaction_date <= m.month_end
    GROUP BY m.financial_year, m.month_end, m.fund_code
),
compared AS (
    SELECT financial_year, month_end, fund_code, 'forecast_outturn' AS measure,
           actual_to_date + committed_remaining + planned_remaining + run_rate_remaining AS expected,
           forecast_outturn AS actual
    FROM marts.budget_monitoring
    UNION ALL
    SELECT m.financial_year, m.month_end, m.fund_code, 'actual_to_date', CAST(l.amount AS DECIMAL(18,2)), m.actual_to_date
    FROM marts.budget_monitoring AS m
    JOIN ledger AS l ON l.financial_year = m.financial_year AND l.month_end = m.month_end AND l.fund_code = m.fund_code
)
SELECT financial_year, month_end, fund_code, measure, expected, actual, actual - expected AS difference,
       actual = expected AS ok
FROM compared
ORDER BY abs(actual - expected) DESC, financial_year, month_end, fund_code, measure
