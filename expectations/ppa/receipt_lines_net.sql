SELECT
    r.file_id, r.sheet, r.line_number, r.receipt_date, r.reference, r.gross_amount, r.sale_costs,
    CAST(coalesce(r.gross_amount, 0) - coalesce(r.sale_costs, 0) AS DECIMAL(18,2)) AS expected,
    CAST(coalesce(r.net_amount, 0) AS DECIMAL(18,2)) AS actual,
    CAST(coalesce(r.net_amount, 0) AS DECIMAL(18,2)) - CAST(coalesce(r.gross_amount, 0) - coalesce(r.sale_costs, 0) AS DECIMAL(18,2)) AS difference,
    coalesce(r.net_amount, 0) = coalesce(r.gross_amount, 0) - coalesce(r.sale_costs, 0) AS ok
FROM raw.main.ppa_receipts AS r
JOIN current_files AS c ON c.file_id = r.file_id
ORDER BY r.file_id, r.sheet, r.line_number
