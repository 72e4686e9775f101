SELECT month, id, 1 AS expected,
       CASE WHEN ok THEN 1 ELSE 0 END AS actual, CASE WHEN ok THEN 0 ELSE -1 END AS difference, ok
FROM (
    SELECT month, id,
           coalesce(trim(id) <> '' AND trim(title) <> '' AND trim(description) <> '' AND currency = 'GBP'
                    AND amount_awarded IS NOT NULL AND award_date IS NOT NULL
                    AND trim(funding_org_id) <> '' AND trim(funding_org_name) <> ''
                    AND trim(recipient_org_id) <> '' AND trim(recipient_name) <> '', false) AS ok
    FROM pub_360
) AS grants
ORDER BY ok, month
