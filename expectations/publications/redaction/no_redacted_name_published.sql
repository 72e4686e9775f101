-- Every published cell (pub_cells) is looked up by its key (opcc.publications.names: the same keys the redaction
-- compared), and a name is found as names.key_pattern finds it: the marked name's letters as whole words, any
-- spacing, case, Unicode form or invisible character. A cell with no key is counted too: unread is not clean.
WITH naming AS (
    SELECT k.original
    FROM pub_text_keys AS k
    CROSS JOIN pub_redact_pattern AS p
    WHERE regexp_matches(k.name_key, p.key_pattern)
),
hits AS (  -- joins, not OR NOT EXISTS: PostgreSQL would run that per cell
    SELECT c.publication, c.month, c.text
    FROM pub_cells AS c
    LEFT JOIN pub_text_keys AS k ON k.original = c.text
    LEFT JOIN naming AS n ON n.original = c.text
    WHERE c.text IS NOT NULL AND (k.original IS NULL OR n.original IS NOT NULL)
)
SELECT p.publication, p.month, count(h.text) AS names_found,
       0 AS expected, count(h.text) AS actual, count(h.text) AS difference, count(h.text) = 0 AS ok
FROM (SELECT DISTINCT publication, month FROM pub_cells) AS p
LEFT JOIN hits AS h ON h.publication = p.publication AND h.month = p.month
GROUP BY p.publication, p.month
ORDER BY ok, p.publication, p.month
