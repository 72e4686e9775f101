SELECT month, id, 0.01 AS expected, amount_awarded AS actual, amount_awarded - 0.01 AS difference,
       coalesce(amount_awarded > 0, false) AS ok
FROM pub_360
ORDER BY ok, month
