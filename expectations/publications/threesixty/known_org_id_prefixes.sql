WITH ids AS (
    SELECT month, id, 'recipient' AS role, recipient_org_id AS org_id FROM pub_360
    UNION ALL
    SELECT month, id, 'funder', funding_org_id FROM pub_360
)
SELECT month, id, role, org_id, 1 AS expected, CAST(ok AS INTEGER) AS actual, CAST(ok AS INTEGER) - 1 AS difference, ok
FROM (
    SELECT *, coalesce(
        regexp_matches(org_id, '^(GB-(CHC|COH|SC|NIC|LAE|LAS|LANI|GOR|PLA|EDU|NHS|MPR|CIO|UKPRN|REV))-[A-Za-z0-9]')
        OR starts_with(org_id, '360G-' || (SELECT prefix FROM pub_params) || '-'), false) AS ok
    FROM ids
) AS org_ids
ORDER BY ok, month
