-- DuckDB's functions that the warehouse's read-side SQL (the transparency publications and their checks) uses,
-- as PostgreSQL functions with the same names and results, in schema opcc_compat: a session that reads the
-- warehouse with that SQL puts opcc_compat first on its search_path (opcc.postgres.session), so one copy of
-- each query runs on both engines. Only what the SQL uses; each exactly as DuckDB documents it (but hash, whose
-- values only the engine that made them ever compares).
CREATE SCHEMA IF NOT EXISTS opcc_compat;

-- strftime(value, format): the %Y %m %d %H %M %S codes.
CREATE OR REPLACE FUNCTION opcc_compat.strftime(value timestamp, format text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT replace(replace(replace(replace(replace(replace(format,
        '%Y', to_char(value, 'YYYY')), '%m', to_char(value, 'MM')), '%d', to_char(value, 'DD')),
        '%H', to_char(value, 'HH24')), '%M', to_char(value, 'MI')), '%S', to_char(value, 'SS'))
$$;
CREATE OR REPLACE FUNCTION opcc_compat.strftime(value date, format text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT opcc_compat.strftime(CAST(value AS timestamp), format) $$;

-- regexp_matches(text, pattern): whether the pattern matches anywhere (PostgreSQL's own returns the matches).
CREATE OR REPLACE FUNCTION opcc_compat.regexp_matches(value text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT value ~ pattern $$;

-- regexp_full_match(text, pattern): whether the pattern matches the whole text.
CREATE OR REPLACE FUNCTION opcc_compat.regexp_full_match(value text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT value ~ ('^(?:' || pattern || ')$') $$;

-- last_day(date): the last day of its month.
CREATE OR REPLACE FUNCTION opcc_compat.last_day(value date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT CAST(date_trunc('month', value) + interval '1 month - 1 day' AS date) $$;

-- hash(text): a 64-bit hash of the text. Not DuckDB's values, only its use here: the publications' month digests
-- (candidates.sql), which are compared only with digests the same engine made.
CREATE OR REPLACE FUNCTION opcc_compat.hash(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT hashtextextended(value, 0) $$;
