-- Each feed's last loaded file against its last deadline (freshness_feeds: opcc.freshness.params, from the
-- cadence in opcc.toml and the night's date). On time when a file has loaded since `expected_since` (UTC);
-- a feed not expected (due_on null) is always on time. Overdue feeds first.
WITH last_loaded AS (
    SELECT
        feed,
        file_name,
        received_at,
        row_number() OVER (PARTITION BY feed ORDER BY received_at DESC, file_id DESC) AS recency
    FROM raw.main.files
    WHERE status = 'loaded'
),

compared AS (
    SELECT
        c.feed,
        c.cadence,
        c.due_on,
        l.file_name AS last_file,
        l.received_at AS last_received_utc,
        c.expected_since AS expected_since_utc,
        coalesce(c.due_on IS NULL OR l.received_at >= c.expected_since, false) AS ok
    FROM freshness_feeds AS c
    LEFT JOIN last_loaded AS l ON l.feed = c.feed AND l.recency = 1
)

SELECT feed, cadence, due_on, last_file, last_received_utc, expected_since_utc, ok
FROM compared
ORDER BY ok, feed
