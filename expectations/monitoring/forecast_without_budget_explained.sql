-- Each fund's current forecast (its year's latest month-end) where the fund has no revised budget: explained by a
-- contribution to the fund in that year or before, or by the fund's own ledger (an opening balance).
WITH unbudgeted AS (
    SELECT financial_year, fund_code, fund_name, forecast_outturn
    FROM marts.budget_monitoring
    WHERE is_latest AND revised_budget = 0 AND forecast_outturn <> 0
),
explained AS (
    SELECT
        u.*,
        CASE
            WHEN EXISTS (SELECT 1 FROM reference.fund_contributions AS c
                         WHERE c.fund_code = u.fund_code AND c.financial_year <= u.financial_year)
                THEN 'contributions (fund_contributions.csv)'
            WHEN EXISTS (SELECT 1 FROM reference.fund_opening_balances AS o
                         WHERE o.fund_code = u.fund_code
                           AND o.as_at <= make_date(CAST(left(u.financial_year, 4) AS INTEGER) + 1, 3, 31))
                THEN 'fund ledger (fund_opening_balances.csv)'
        END AS explained_by
    FROM unbudgeted AS u
)
SELECT
    financial_year,
    fund_code,
    fund_name,
    coalesce(explained_by, 'nothing: no budget line, contribution or fund ledger') AS explained_by,
    CAST(0 AS DECIMAL(18,2)) AS expected,
    CASE WHEN explained_by IS NULL THEN forecast_outturn ELSE CAST(0 AS DECIMAL(18,2)) END AS actual,
    CASE WHEN explained_by IS NULL THEN forecast_outturn ELSE CAST(0 AS DECIMAL(18,2)) END AS difference,
    explained_by IS NOT NULL AS ok
FROM explained
ORDER BY ok, abs(forecast_outturn) DESC, financial_year, fund_code
