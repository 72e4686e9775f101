SELECT month, item_key, transaction_number, amount, item_total,
       500.00 AS expected, abs(item_total) AS actual, abs(item_total) - 500.00 AS difference,
       abs(item_total) > 500 AS ok
FROM pub_spend
ORDER BY ok, month
