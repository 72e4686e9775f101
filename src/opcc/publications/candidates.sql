-- The transparency publications as temp tables, from the published warehouse (marts, reference), on the
-- connection the publication checks then run on. Parameters come from the temp table pub_params.
-- Only complete months are published: month_start < pub_params.first_open_month.

-- Redaction: names are compared by their keys (opcc.publications.names, which made pub_redact, the marked
-- names; pub_text_keys, every name field's key; pub_narrative_redacted, each narrative naming someone, redacted).
-- A field is redacted when its key has a marked name's letters, whatever the spacing, case or Unicode form.
CREATE TEMP VIEW pub_redacted_texts AS
SELECT k.original
FROM pub_text_keys AS k
JOIN pub_redact AS r ON r.compact_key = replace(k.name_key, ' ', '');

-- Spend over £500 (para 3(g)): an item is a transaction (lines sharing body and transaction number; a line
-- without one stands alone); every line of an item whose total exceeds £500 either way is published.
CREATE TEMP TABLE pub_spend AS
WITH lines AS (
    SELECT s.*,
           coalesce(s.body, '') || '|' || coalesce(s.transaction_number,
                                                   'line:' || s.file_id || ':' || coalesce(s.sheet || ':', '') || s.line_number)
               AS item_key
    FROM marts.spend_transactions AS s
),
items AS (
    SELECT item_key, sum(amount) AS item_total FROM lines GROUP BY item_key
)
SELECT
    strftime(l.month_start, '%Y-%m') AS month,
    l.file_id,
    l.sheet,
    l.line_number,
    l.item_key,
    i.item_total,
    coalesce(l.body, (SELECT organisation FROM pub_params)) AS organisation,
    l.transaction_date AS effective_date,
    l.expense_area AS service_area,
    CASE WHEN r.original IS NOT NULL THEN 'REDACTED PERSONAL DATA' ELSE l.supplier END AS beneficiary,
    r.original IS NOT NULL AS redacted,
    l.transaction_date AS payment_date,
    l.transaction_number,
    l.amount,
    CAST(NULL AS DECIMAL(18,2)) AS irrecoverable_vat,  -- not in the ledger extract
    -- A line no mapping rule charges says what it bought (its expense type or area), never 'UNMAPPED'.
    CASE WHEN l.fund_code = 'UNMAPPED' THEN coalesce(l.expense_type, l.expense_area, l.fund_code)
         ELSE coalesce(l.fund_name, l.fund_code) END AS purpose,
    l.expense_type,
    -- Free text is published only when the setting publish_narrative says so, and never with a redacted name.
    CASE WHEN (SELECT publish_narrative FROM pub_params)
         THEN coalesce(n.redacted, l.narrative)
    END AS narrative
FROM lines AS l
JOIN items AS i USING (item_key)
LEFT JOIN pub_narrative_redacted AS n ON n.original = l.narrative
LEFT JOIN pub_redacted_texts AS r ON r.original = l.supplier
WHERE abs(i.item_total) > 500
  AND l.month_start < (SELECT first_open_month FROM pub_params);

-- Grants made (para 3(f)): Community Grant Scheme awards, and commissioning grant agreements in the month
-- they start (their value over the whole agreement).
CREATE TEMP TABLE pub_grants AS
SELECT
    strftime(a.month_start, '%Y-%m') AS month,
    'Community Grant Scheme' AS programme,
    a.reference,
    a.award_date AS grant_date,
    CASE WHEN r.original IS NOT NULL THEN 'REDACTED PERSONAL DATA' ELSE a.recipient END AS recipient,
    r.original IS NOT NULL AS redacted,
    a.recipient_org_id,
    coalesce(a.purpose, 'Community Grant Scheme award' || coalesce(': ' || p.pillar_name, '')) AS purpose,
    coalesce(a.conditions, (SELECT grant_conditions FROM pub_params)) AS conditions,
    a.amount
FROM marts.community_grant_awards AS a
LEFT JOIN reference.pillars AS p ON p.pillar_code = a.pillar_code
LEFT JOIN pub_redacted_texts AS r ON r.original = a.recipient
WHERE a.month_start < (SELECT first_open_month FROM pub_params)
UNION ALL
SELECT
    strftime(c.start_date, '%Y-%m') AS month,
    'Commissioning grant agreement' AS programme,
    c.commitment_id AS reference,
    c.start_date AS grant_date,
    CASE WHEN r.original IS NOT NULL THEN 'REDACTED PERSONAL DATA' ELSE c.provider END AS recipient,
    r.original IS NOT NULL AS redacted,
    NULL AS recipient_org_id,
    c.title AS purpose,
    coalesce(c.conditions, (SELECT grant_conditions FROM pub_params)) AS conditions,
    c.contract_value AS amount
FROM marts.contracts_register AS c
LEFT JOIN pub_redacted_texts AS r ON r.original = c.provider
WHERE c.commitment_type = 'Grant Agreement' AND c.contract_value <> 0
  AND date_trunc('month', c.start_date) < (SELECT first_open_month FROM pub_params);

-- The months published: every complete month with spend over £500 or grants made.
CREATE TEMP TABLE pub_months AS
SELECT month, CAST(month || '-01' AS DATE) AS month_start, last_day(CAST(month || '-01' AS DATE)) AS month_end
FROM (SELECT month FROM pub_spend UNION SELECT month FROM pub_grants) AS published;

-- The contracts register (para 4) as at each month published: every contract in force in the month, split at
-- £10,000 (marts.contracts_register owns the threshold): parties, purpose, term, value and the document's link.
CREATE TEMP TABLE pub_contracts AS
SELECT
    m.month,
    c.register_section AS section,
    c.over_threshold,
    c.commitment_id AS reference,
    c.title AS purpose,
    c.commitment_type,
    coalesce(c.body_name, (SELECT organisation FROM pub_params)) AS organisation,
    CASE WHEN r.original IS NOT NULL THEN 'REDACTED PERSONAL DATA' ELSE c.provider END AS supplier,
    r.original IS NOT NULL AS redacted,
    c.start_date,
    c.end_date,
    c.annual_value,
    c.contract_value,
    c.contract_url
FROM pub_months AS m
JOIN marts.contracts_register AS c ON c.start_date <= m.month_end AND c.end_date >= m.month_start
LEFT JOIN pub_redacted_texts AS r ON r.original = c.provider;

-- The Community Grant Scheme's awards as 360Giving grants (Data Standard 1.4), one row per grant.
CREATE TEMP TABLE pub_360 AS
SELECT
    strftime(a.month_start, '%Y-%m') AS month,
    '360G-' || (SELECT prefix FROM pub_params) || '-'
        -- an award without a reference is its line: file, sheet (workbooks; letters and digits) and row
        || coalesce(a.reference, a.file_id || '-' || coalesce(regexp_replace(a.sheet, '[^A-Za-z0-9]+', '-', 'g') || '-', '')
                                 || a.line_number) AS id,
    'Community Grant Scheme award to ' || g.recipient AS title,
    coalesce(a.purpose, 'Community Grant Scheme award' || coalesce(': ' || pl.pillar_name, '')) AS description,
    'GBP' AS currency,
    a.amount AS amount_awarded,
    a.award_date,
    coalesce(a.recipient_org_id,
             '360G-' || (SELECT prefix FROM pub_params) || '-ORG-'
                 || regexp_replace(upper(trim(g.recipient)), '[^A-Z0-9]+', '-', 'g')) AS recipient_org_id,
    g.recipient AS recipient_name,
    (SELECT funding_org_id FROM pub_params) AS funding_org_id,
    (SELECT funding_org_name FROM pub_params) AS funding_org_name,
    'CGS' AS programme_code,
    'Community Grant Scheme' AS programme_title,
    (SELECT area_name FROM pub_params) AS location_name,
    (SELECT area_code FROM pub_params) AS location_code,
    'PFA' AS location_code_type,
    -- Last Modified: when the extract holding the award was received (stable from night to night).
    strftime(f.received_at, '%Y-%m-%dT%H:%M:%S+00:00') AS date_modified,
    (SELECT data_source FROM pub_params) AS data_source
FROM marts.community_grant_awards AS a
CROSS JOIN LATERAL (
    SELECT CASE WHEN EXISTS (SELECT 1 FROM pub_redacted_texts AS r WHERE r.original = a.recipient)
                THEN 'REDACTED PERSONAL DATA' ELSE a.recipient END AS recipient
) AS g
LEFT JOIN reference.pillars AS pl ON pl.pillar_code = a.pillar_code
LEFT JOIN marts.load_audit AS f ON f.file_id = a.file_id
WHERE a.month_start < (SELECT first_open_month FROM pub_params);

-- Each publication's month as one digest of its rows, every column: their count and the sum of each row's hash
-- (no order and no long text to hold: ten million lines fit in memory). A month whose digest is the one recorded
-- when it was last written (opcc.publications.state) is neither checked for names nor rendered again.
CREATE TEMP TABLE pub_digests AS
SELECT 'spend-over-500' AS publication, month,
       CAST(count(*) AS VARCHAR) || ':' || CAST(sum(hash(CAST(p AS VARCHAR))) AS VARCHAR) AS digest
FROM pub_spend AS p GROUP BY month
UNION ALL
SELECT 'grants', month, CAST(count(*) AS VARCHAR) || ':' || CAST(sum(hash(CAST(p AS VARCHAR))) AS VARCHAR)
FROM pub_grants AS p GROUP BY month
UNION ALL
SELECT 'contracts', month, CAST(count(*) AS VARCHAR) || ':' || CAST(sum(hash(CAST(p AS VARCHAR))) AS VARCHAR)
FROM pub_contracts AS p GROUP BY month
UNION ALL
SELECT '360giving', month, CAST(count(*) AS VARCHAR) || ':' || CAST(sum(hash(CAST(p AS VARCHAR))) AS VARCHAR)
FROM pub_360 AS p GROUP BY month;

-- The publications' months this run checks for names and may write: all of them, unless opcc.publications takes
-- out those unchanged since they were written.
CREATE TEMP TABLE pub_selected AS SELECT publication, month FROM pub_digests;

-- Every cell of every publication selected, for the check no_redacted_name_published (its keys:
-- names.key_published_cells).
CREATE TEMP VIEW pub_cells AS
SELECT 'spend-over-500' AS publication, month,
       unnest(ARRAY[organisation, service_area, beneficiary, transaction_number, purpose, expense_type,
                    narrative]) AS text
FROM pub_spend WHERE month IN (SELECT month FROM pub_selected WHERE publication = 'spend-over-500')
UNION ALL
SELECT 'contracts', month,
       unnest(ARRAY[section, reference, purpose, commitment_type, organisation, supplier, contract_url])
FROM pub_contracts WHERE month IN (SELECT month FROM pub_selected WHERE publication = 'contracts')
UNION ALL
SELECT 'grants', month, unnest(ARRAY[programme, reference, recipient, recipient_org_id, purpose, conditions])
FROM pub_grants WHERE month IN (SELECT month FROM pub_selected WHERE publication = 'grants')
UNION ALL
SELECT '360giving', month, unnest(ARRAY[id, title, description, recipient_org_id, recipient_name])
FROM pub_360 WHERE month IN (SELECT month FROM pub_selected WHERE publication = '360giving');
