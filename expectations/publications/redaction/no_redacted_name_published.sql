-- Every published cell (pub_cells) is looked up by its key (opcc.publications.names: the same keys the redaction
-- compared), and a name is found as names.key_pattern finds it: the marked name's letters as whole words, any
-- spacing, case, Unicode form or invisible character. A cell with no key is counted too: unread is not clean.
WITH naming AS (
    SELECT k.original
    FROM pub_text_keys AS k
    CROSS JOIN pub_redact_pattern AS p
    WHERE regexp_matches(k.name_key, p.key_pattern)
),
hits AS (  -- the naming cells, then the unkeyed (an anti-join on one column: ten million lines fit in memory)
    SELECT c.publication, c.month
    FROM pub_cells AS c
    INNER JOIN naming AS n ON n.original = c.text
    UNION ALL
    SELECT c.publication, c.month
    FROM pub_cells AS c
    WHERE c.text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pub_text_keys AS k WHERE k.original = c.text)
),
found AS (
    SELECT publication, month, count(*) AS names_found FROM hits GROUP BY publication, month
)
SELECT p.publication, p.month, coalesce(f.names_found, 0) AS names_found,
       0 AS expected, coalesce(f.names_found, 0) AS actual, coalesce(f.names_found, 0) AS difference,
       coalesce(f.names_found, 0) = 0 AS ok
FROM (SELECT DISTINCT publication, month FROM pub_cells) AS p
LEFT JOIN found AS f ON f.publication = p.publication AND f.month = p.month
ORDER BY ok, p.publication, p.month
