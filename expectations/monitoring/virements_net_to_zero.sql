-- The virement lines of current budgets files, per financial year: money moved out of one fund goes into another.
SELECT
    b.financial_year,
    count(*) AS virement_lines,
    CAST(0 AS DECIMAL(18,2)) AS expected,
    CAST(sum(b.amount) AS DECIMAL(18,2)) AS actual,
    CAST(sum(b.amount) AS DECIMAL(18,2)) AS difference,
    sum(b.amount) = 0 AS ok
FROM raw.main.budgets AS b
JOIN current_files AS f ON f.file_id = b.file_id AND f.feed = 'budgets'
WHERE regexp_replace(lower(coalesce(trim(b.budget_change), '')), '[^a-z]', '', 'g') = 'virement'
  AND NOT EXISTS (SELECT 1 FROM lines_set_aside AS x WHERE x.file_id = b.file_id AND x.line_number = b.line_number AND x.sheet IS NOT DISTINCT FROM b.sheet)  -- set aside for a reference gap
GROUP BY b.financial_year
ORDER BY abs(sum(b.amount)) DESC, b.financial_year
