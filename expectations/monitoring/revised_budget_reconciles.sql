-- Budget lines of current files on a fund (or a cost centre), by year and kind, against budget_monitoring's
-- position at 31 March; the last row per year checks revised = original + virements + carry-forwards.
WITH received AS (
    SELECT
        b.financial_year,
        CASE regexp_replace(lower(coalesce(trim(b.budget_change), '')), '[^a-z]', '', 'g')
            WHEN 'virement' THEN 'virements'
            WHEN 'carryforward' THEN 'carry_forwards'
            ELSE 'original_budget'
        END AS measure,
        sum(b.amount) AS amount
    FROM raw.main.budgets AS b
    JOIN current_files AS f ON f.file_id = b.file_id AND f.feed = 'budgets'
    WHERE (nullif(trim(b.fund), '') IS NOT NULL OR nullif(trim(b.cost_centre), '') IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM lines_set_aside AS x WHERE x.file_id = b.file_id AND x.line_number = b.line_number AND x.sheet IS NOT DISTINCT FROM b.sheet)  -- set aside for a reference gap
    GROUP BY 1, 2
),
year_end AS (
    SELECT financial_year, sum(original_budget) AS original_budget, sum(virements) AS virements,
           sum(carry_forwards) AS carry_forwards, sum(revised_budget) AS revised_budget
    FROM marts.budget_monitoring
    WHERE financial_month_number = 12
    GROUP BY financial_year
),
built AS (  -- one row per year and kind that has an amount
    SELECT financial_year, 'original_budget' AS measure, original_budget AS amount FROM year_end
    WHERE original_budget IS NOT NULL
    UNION ALL
    SELECT financial_year, 'virements', virements FROM year_end WHERE virements IS NOT NULL
    UNION ALL
    SELECT financial_year, 'carry_forwards', carry_forwards FROM year_end WHERE carry_forwards IS NOT NULL
),
compared AS (
    SELECT coalesce(r.financial_year, b.financial_year) AS financial_year, coalesce(r.measure, b.measure) AS measure,
           CAST(coalesce(r.amount, 0) AS DECIMAL(18,2)) AS expected, CAST(coalesce(b.amount, 0) AS DECIMAL(18,2)) AS actual
    FROM received AS r
    FULL JOIN built AS b ON b.financial_year = r.financial_year AND b.measure = r.measure
    UNION ALL
    SELECT financial_year, 'revised_budget', original_budget + virements + carry_forwards, revised_budget
    FROM year_end
)
SELECT financial_year, measure, expected, actual, actual - expected AS difference, actual = expected AS ok
FROM compared
ORDER BY abs(actual - expected) DESC, financial_year, measure
