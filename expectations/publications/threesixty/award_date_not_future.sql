SELECT month, id, award_date, 0 AS expected, CAST(ok AS INTEGER) - 1 AS actual, CAST(ok AS INTEGER) - 1 AS difference, ok
FROM (SELECT month, id, award_date, coalesce(award_date <= (SELECT today FROM pub_params), false) AS ok FROM pub_360) AS grants
ORDER BY ok, month
