-- Every published cell (pub_cells) is looked up by its text among the texts whose key names someone
-- (pub_naming_texts: opcc.publications.names keyed every cell and found a marked name's letters in the key as
-- whole words, any spacing, case, Unicode form or invisible character). A cell no key was made for is counted
-- too: unread is not clean. Both are IN lookups on small sets (the naming texts; the texts never keyed, found by
-- EXCEPT), so that no engine builds a hash table of the ten million cells of a large ledger.
WITH hits AS (
    SELECT c.publication, c.month
    FROM pub_cells AS c
    WHERE c.text IN (SELECT n.original FROM pub_naming_texts AS n)
    UNION ALL
    SELECT c.publication, c.month
    FROM pub_cells AS c
    WHERE c.text IN (
        SELECT u.text FROM pub_cells AS u WHERE u.text IS NOT NULL
        EXCEPT
        SELECT k.original FROM pub_text_keys AS k
    )
),

found AS (
    SELECT publication, month, count(*) AS names_found FROM hits GROUP BY publication, month
)

SELECT
    p.publication, p.month, coalesce(f.names_found, 0) AS names_found,
    0 AS expected, coalesce(f.names_found, 0) AS actual, coalesce(f.names_found, 0) AS difference,
    coalesce(f.names_found, 0) = 0 AS ok
FROM (SELECT DISTINCT publication, month FROM pub_cells) AS p
LEFT JOIN found AS f ON f.publication = p.publication AND f.month = p.month
ORDER BY ok, p.publication, p.month
