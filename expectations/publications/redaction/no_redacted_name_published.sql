WITH cells AS (
    SELECT 'spend-over-500' AS publication, month,
           concat_ws(' | ', organisation, service_area, beneficiary, transaction_number, purpose, expense_type,
                     narrative) AS text
    FROM pub_spend
    UNION ALL
    SELECT 'contracts', month,
           concat_ws(' | ', section, reference, purpose, commitment_type, organisation, supplier, contract_url)
    FROM pub_contracts
    UNION ALL
    SELECT 'grants', month, concat_ws(' | ', programme, reference, recipient, recipient_org_id, purpose, conditions)
    FROM pub_grants
    UNION ALL
    SELECT '360giving', month, concat_ws(' | ', id, title, description, recipient_org_id, recipient_name)
    FROM pub_360
),
hits AS (
    SELECT c.publication, c.month, r.payee_key
    FROM cells AS c
    JOIN pub_redact AS r
      ON r.payee_key <> 'redacted personal data' AND strpos(lower(c.text), r.payee_key) > 0
)
SELECT p.publication, p.month, count(h.payee_key) AS names_found,
       0 AS expected, count(h.payee_key) AS actual, count(h.payee_key) AS difference, count(h.payee_key) = 0 AS ok
FROM (SELECT DISTINCT publication, month FROM cells) AS p
LEFT JOIN hits AS h ON h.publication = p.publication AND h.month = p.month
GROUP BY p.publication, p.month
ORDER BY ok, p.publication, p.month
