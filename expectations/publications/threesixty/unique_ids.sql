SELECT id, count(*) AS grants, 1 AS expected, count(*) AS actual, count(*) - 1 AS difference, count(*) = 1 AS ok
FROM pub_360
GROUP BY id
ORDER BY ok, id
