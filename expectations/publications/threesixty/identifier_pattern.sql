SELECT month, id, recipient_org_id, 1 AS expected, CAST(ok AS INTEGER) AS actual, CAST(ok AS INTEGER) - 1 AS difference, ok
FROM (
    SELECT month, id, recipient_org_id,
           coalesce(starts_with(id, '360G-' || (SELECT prefix FROM pub_params) || '-')
                    AND regexp_full_match(id, '360G-[A-Za-z0-9]+-[^\s]+')
                    AND regexp_full_match(recipient_org_id, '[A-Z0-9]{2,4}-[A-Za-z0-9]+-[^\s]+')
                    AND regexp_full_match(funding_org_id, '[A-Z0-9]{2,4}-[A-Za-z0-9]+-[^\s]+'), false) AS ok
    FROM pub_360
) AS grants
ORDER BY ok, month
