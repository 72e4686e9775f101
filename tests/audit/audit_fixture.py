"""Builds small raw + build DuckDB files shaped like docs/contracts.md, with the 2019/20 demo figures.

The baseline reconciles (every check PASSes) except that the PCC's own pot is over-allocated by
£11,000 if every planned project proceeds (a WARN), as in the reference report. Tests break it
with extra SQL statements run on the raw or build database after the baseline is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from opcc.config import Settings

RAW_SQL = """
CREATE TABLE files (file_id BIGINT, feed VARCHAR, file_name VARCHAR, sha256 VARCHAR, received_at TIMESTAMP,
    rows_received INT, rows_loaded INT, rows_quarantined INT, control_total DECIMAL(18,2),
    loaded_amount DECIMAL(18,2), status VARCHAR, message VARCHAR);
INSERT INTO files VALUES
 (1, 'transactions', 'spend-2019-04.csv', 'aa01', TIMESTAMP '2019-05-02 06:00:00', 4, 3, 1, 12000.00, 12000.00, 'loaded', 'loaded 3 lines, 1 quarantined'),
 (2, 'budgets', 'budget-2019-20.csv', 'bb02', TIMESTAMP '2019-04-01 06:00:00', 4, 4, 0, 2400000.00, 2400000.00, 'loaded', 'loaded 4 lines'),
 (3, 'commitments', 'commitments-register.csv', 'cc03', TIMESTAMP '2019-04-01 06:00:00', 4, 4, 0, NULL, 1783000.00, 'loaded', 'loaded 4 lines'),
 (4, 'planned_projects', 'planned-2019-20.csv', 'dd04', TIMESTAMP '2019-04-01 06:00:00', 2, 2, 0, 551000.00, 551000.00, 'loaded', 'loaded 2 lines'),
 (5, 'ppa_receipts', 'ppa-2019-04.csv', 'ee05', TIMESTAMP '2019-05-02 06:00:00', 2, 2, 0, NULL, 1000.00, 'loaded', 'loaded 2 lines'),
 (6, 'grant_awards', 'grants-2019-04.csv', 'ff06', TIMESTAMP '2019-05-02 06:00:00', 1, 1, 0, NULL, 5000.00, 'loaded', 'loaded 1 line'),
 (7, 'transactions', 'spend-2019-04 (1).csv', 'aa01', TIMESTAMP '2019-05-03 06:00:00', 4, 0, 0, NULL, NULL, 'duplicate', 'same content as file 1 (spend-2019-04.csv)'),
 (8, 'transactions', 'spend-2019-05.csv', 'gg08', TIMESTAMP '2019-06-02 06:00:00', 2, 2, 0, 3000.00, 3000.00, 'loaded', 'loaded 2 lines'),
 (9, 'transactions', 'spend-2019-05.csv', 'hh09', TIMESTAMP '2019-06-03 06:00:00', 2, 2, 0, 850.00, 850.00, 'loaded', 'loaded 2 lines'),
 (10, 'budgets', 'budget-notes.xlsx', 'ii10', TIMESTAMP '2019-06-03 06:00:00', NULL, 0, 0, NULL, NULL, 'rejected', 'no header matching the budgets feed: missing financial_year, funding_source, amount');
CREATE TABLE quarantine (file_id BIGINT, line_number INT, column_name VARCHAR, reason VARCHAR, raw_text VARCHAR);
INSERT INTO quarantine VALUES (1, 5, 'amount', 'amount is not a number: ''TBC''', '01/04/2019,=HYPERLINK("http://x","y"),TBC');
CREATE TABLE transactions (file_id BIGINT, line_number INT, body VARCHAR, transaction_date DATE, transaction_number VARCHAR,
    supplier VARCHAR, expense_type VARCHAR, expense_area VARCHAR, amount DECIMAL(18,2));
INSERT INTO transactions VALUES
 (1, 2, 'Dorset PCC', DATE '2019-04-10', 'T1', 'G4S Health Services', 'Grants', 'OPCC Commissioning - Safety Fund', 5000.00),
 (1, 3, 'Dorset PCC', DATE '2019-04-11', 'T2', 'AFC Bournemouth Community Sports Trust', 'Grants', 'OPCC Commissioning - Local Innovation Fund', 2500.50),
 (1, 4, 'Dorset PCC', DATE '2019-04-12', 'T3', 'Victim Support', 'Contract', 'OPCC Commissioning - Victims Core Fund', 4499.50),
 (8, 2, 'Dorset PCC', DATE '2019-05-10', 'T4', 'Circles Southwest', 'Grants', 'OPCC Commissioning - Safety Fund', 1000.00),
 (8, 3, 'Dorset PCC', DATE '2019-05-11', 'T5', 'Circles Southwest', 'Grants', 'Estates', 2000.00),
 (9, 2, 'Dorset PCC', DATE '2019-05-10', 'T4', 'Circles Southwest', 'Grants', 'OPCC Commissioning - Safety Fund', 1100.00),
 (9, 3, 'Dorset PCC', DATE '2019-05-11', 'T5', 'Circles Southwest', 'Credit note', 'Estates', -250.00);
CREATE TABLE budgets (file_id BIGINT, line_number INT, financial_year VARCHAR, funding_source VARCHAR, fund VARCHAR,
    cost_centre VARCHAR, description VARCHAR, amount DECIMAL(18,2));
INSERT INTO budgets VALUES
 (2, 2, '2019/20', 'PCC', 'CSF', NULL, 'Safety Fund', 1000000.00),
 (2, 3, '2019/20', 'PCC', 'LIF', NULL, 'Innovation', 500000.00),
 (2, 4, '2019/20', 'MOJ', 'VCF', NULL, 'Victims core', 800000.00),
 (2, 5, '2019/20', 'Ministry of Justice victims grant', 'VFCSA', NULL, 'CSA element', 100000.00);
CREATE TABLE commitments (file_id BIGINT, line_number INT, commitment_id VARCHAR, title VARCHAR, provider VARCHAR,
    commitment_type VARCHAR, fund VARCHAR, pillar VARCHAR, start_date DATE, end_date DATE, annual_value DECIMAL(18,2));
INSERT INTO commitments VALUES
 (3, 2, 'C001', 'SARC and ISVA services', 'G4S Health Services', 'Contract', 'CSF', 'PROTECT', DATE '2017-04-01', DATE '2020-09-30', 810000.00),
 (3, 3, 'C002', 'Community Circles', 'Circles Southwest', 'Grant Agreement', 'LIF', 'COMMUNITIES', DATE '2019-04-01', DATE '2020-03-31', 178000.00),
 (3, 4, 'C003', 'Victims services', 'Victim Support', 'Contract', 'VCF', 'VICTIMS', DATE '2017-04-01', DATE '2019-10-31', 120000.00),
 (3, 5, 'C004', 'Restorative Justice', 'Restorative Solutions', 'Grant Agreement', 'VCF', 'VICTIMS', DATE '2019-04-01', DATE '2020-03-31', 675000.00);
CREATE TABLE planned_projects (file_id BIGINT, line_number INT, project_id VARCHAR, title VARCHAR, provider VARCHAR,
    fund VARCHAR, pillar VARCHAR, financial_year VARCHAR, anticipated_spend DECIMAL(18,2), status VARCHAR);
INSERT INTO planned_projects VALUES
 (4, 2, 'P001', 'Adult Return Home Interviews', NULL, 'LIF', 'TRANSFORM', '2019/20', 523000.00, 'Proposed'),
 (4, 3, 'P002', 'Child and Young Person ISVA', 'Dorset Rape Crisis', 'VFCSA', 'VICTIMS', '2019/20', 28000.00, 'Proposed');
CREATE TABLE ppa_receipts (file_id BIGINT, line_number INT, receipt_date DATE, reference VARCHAR, description VARCHAR,
    gross_amount DECIMAL(18,2), sale_costs DECIMAL(18,2), net_amount DECIMAL(18,2));
INSERT INTO ppa_receipts VALUES
 (5, 2, DATE '2019-04-10', 'LOT1', 'Bicycles', 700.00, 100.00, 600.00),
 (5, 3, DATE '2019-04-20', 'LOT2', 'Jewellery', 500.00, 100.00, 400.00);
CREATE TABLE grant_awards (file_id BIGINT, line_number INT, award_date DATE, reference VARCHAR, recipient VARCHAR,
    pillar VARCHAR, amount DECIMAL(18,2));
INSERT INTO grant_awards VALUES (6, 2, DATE '2019-04-15', 'CGS-01', 'Weymouth Youth Club', 'COMMUNITIES', 5000.00);
"""

BUILD_SQL = """
CREATE SCHEMA reference; CREATE SCHEMA staging; CREATE SCHEMA intermediate; CREATE SCHEMA marts; CREATE SCHEMA snapshots;
CREATE TABLE reference.funding_sources AS SELECT * FROM (VALUES
 ('PCC', 'PCC''s own budget', false, NULL, 'Police and Crime Commissioner for Dorset'),
 ('MOJ', 'Ministry of Justice victims grant', true, 'Victim services and restorative justice', 'Ministry of Justice'),
 ('PPA', 'Police (Property) Act 1897 receipts', false, NULL, 'Sale of unclaimed property'))
 AS t(funding_source_code, funding_source_name, ring_fenced, ring_fence_purpose, grantor);
CREATE TABLE reference.funds AS SELECT * FROM (VALUES
 ('CSF', 'Commissioner''s Safety Fund', 'Priority Commissioning', 'PCC', 'DORSET_PCC', false, NULL),
 ('LIF', 'Local Innovation Fund', 'Priority Commissioning', 'PCC', 'DORSET_PCC', false, NULL),
 ('VCF', 'Victims Core Fund', 'Priority Commissioning', 'MOJ', 'DORSET_PCC', true, 'Victim services and restorative justice'),
 ('VFCSA', 'Victims Fund – CSA Element', 'Priority Commissioning', 'MOJ', 'DORSET_PCC', true, 'Services for victims of child sexual abuse'),
 ('CGS', 'Community Grant Scheme', 'Community Grant Scheme', 'PPA', 'DORSET_PCC', false, NULL))
 AS t(fund_code, fund_name, scheme, funding_source_code, body_code, ring_fenced, ring_fence_purpose);
CREATE TABLE reference.pillars AS SELECT * FROM (VALUES
 ('PROTECT', 'Protecting People at Risk of Harm'),
 ('COMMUNITIES', 'Working with our Communities'),
 ('VICTIMS', 'Supporting Victims, Witnesses and Reducing Reoffending'),
 ('TRANSFORM', 'Transforming for the Future')) AS t(pillar_code, pillar_name);
CREATE TABLE reference.budget_controls (financial_year VARCHAR, control_code VARCHAR, description VARCHAR,
    scheme VARCHAR, ring_fenced_only BOOLEAN, amount DOUBLE);
INSERT INTO reference.budget_controls VALUES
 ('2019/20', 'priority_commissioning_total', 'Priority Commissioning budget 2019/20 (PCC + MoJ)', 'Priority Commissioning', false, 2400000.00),
 ('2019/20', 'moj_ring_fence', 'Ministry of Justice grant 2019/20, ring-fenced', 'Priority Commissioning', true, 900000.00);

CREATE TABLE staging.stg_raw__transactions AS SELECT * FROM raw.main.transactions;
CREATE TABLE staging.stg_raw__commitments AS SELECT * FROM raw.main.commitments;
CREATE TABLE staging.stg_raw__planned_projects AS SELECT * FROM raw.main.planned_projects;
CREATE TABLE intermediate.int_budgets_resolved AS
 SELECT file_id, line_number, financial_year, funding_source,
        CASE WHEN funding_source IN ('PCC') THEN 'PCC' ELSE 'MOJ' END AS funding_source_code,
        CASE WHEN funding_source IN ('PCC') THEN 'PCC' ELSE 'MOJ' END AS stated_funding_source_code,
        fund, fund AS fund_code, cost_centre, description, amount
 FROM raw.main.budgets;

CREATE TABLE marts.spend_transactions AS
 SELECT t.file_id, t.line_number, t.body, t.transaction_date, '2019/20' AS financial_year,
        CAST(date_trunc('month', t.transaction_date) AS DATE) AS month_start, t.transaction_number, t.supplier,
        t.expense_type, t.expense_area,
        CASE t.expense_area WHEN 'OPCC Commissioning - Safety Fund' THEN 'CSF' WHEN 'OPCC Commissioning - Local Innovation Fund' THEN 'LIF'
             WHEN 'OPCC Commissioning - Victims Core Fund' THEN 'VCF' ELSE 'UNMAPPED' END AS fund_code,
        CAST(NULL AS VARCHAR) AS fund_name, CAST(NULL AS VARCHAR) AS funding_source_code, t.amount
 FROM raw.main.transactions AS t WHERE t.file_id IN (1, 9);
CREATE TABLE marts.budget_vs_actual AS
 SELECT financial_year, month_start, fund_code, expense_area AS cost_centre, CAST(0 AS DECIMAL(18,2)) AS budget,
        CAST(sum(amount) AS DECIMAL(18,2)) AS actual, CAST(-sum(amount) AS DECIMAL(18,2)) AS variance,
        CAST(0 AS DECIMAL(18,2)) AS budget_ytd, CAST(sum(amount) AS DECIMAL(18,2)) AS actual_ytd, CAST(-sum(amount) AS DECIMAL(18,2)) AS variance_ytd
 FROM marts.spend_transactions GROUP BY ALL;

CREATE TABLE marts.commitments (financial_year VARCHAR, commitment_key VARCHAR, commitment_id VARCHAR, title VARCHAR,
    provider VARCHAR, commitment_type VARCHAR, fund_code VARCHAR, fund_name VARCHAR, funding_source_code VARCHAR,
    pillar_code VARCHAR, pillar_name VARCHAR, status VARCHAR, start_date DATE, end_date DATE, annual_value DECIMAL(18,2),
    months_in_year INT, value DECIMAL(18,2), months_to_expiry INT, recommissioning_due BOOLEAN);
INSERT INTO marts.commitments VALUES
 ('2019/20', 'C001-2019/20', 'C001', 'SARC and ISVA services', 'G4S Health Services', 'Contract', 'CSF', 'Commissioner''s Safety Fund', 'PCC', 'PROTECT', 'Protecting People at Risk of Harm', 'committed', DATE '2017-04-01', DATE '2020-09-30', 810000.00, 12, 810000.00, 17, false),
 ('2019/20', 'C002-2019/20', 'C002', 'Community Circles', 'Circles Southwest', 'Grant Agreement', 'LIF', 'Local Innovation Fund', 'PCC', 'COMMUNITIES', 'Working with our Communities', 'committed', DATE '2019-04-01', DATE '2020-03-31', 178000.00, 12, 178000.00, 11, true),
 ('2019/20', 'C003-2019/20', 'C003', 'Victims services', 'Victim Support', 'Contract', 'VCF', 'Victims Core Fund', 'MOJ', 'VICTIMS', 'Supporting Victims, Witnesses and Reducing Reoffending', 'committed', DATE '2017-04-01', DATE '2019-10-31', 120000.00, 7, 70000.00, 6, true),
 ('2019/20', 'C004-2019/20', 'C004', 'Restorative Justice', 'Restorative Solutions', 'Grant Agreement', 'VCF', 'Victims Core Fund', 'MOJ', 'VICTIMS', 'Supporting Victims, Witnesses and Reducing Reoffending', 'committed', DATE '2019-04-01', DATE '2020-03-31', 675000.00, 12, 675000.00, 11, true),
 ('2019/20', 'P001-2019/20', 'P001', 'Adult Return Home Interviews', NULL, NULL, 'LIF', 'Local Innovation Fund', 'PCC', 'TRANSFORM', 'Transforming for the Future', 'planned', NULL, NULL, NULL, NULL, 523000.00, NULL, false),
 ('2019/20', 'P002-2019/20', 'P002', 'Child and Young Person ISVA', 'Dorset Rape Crisis', NULL, 'VFCSA', 'Victims Fund – CSA Element', 'MOJ', 'VICTIMS', 'Supporting Victims, Witnesses and Reducing Reoffending', 'planned', NULL, NULL, NULL, NULL, 28000.00, NULL, false),
 ('2020/21', 'C001-2020/21', 'C001', 'SARC and ISVA services', 'G4S Health Services', 'Contract', 'CSF', 'Commissioner''s Safety Fund', 'PCC', 'PROTECT', 'Protecting People at Risk of Harm', 'committed', DATE '2017-04-01', DATE '2020-09-30', 810000.00, 6, 405000.00, 5, true);

CREATE TABLE marts.fund_position (financial_year VARCHAR, body_code VARCHAR, fund_code VARCHAR, fund_name VARCHAR, scheme VARCHAR,
    funding_source_code VARCHAR, funding_source_name VARCHAR, ring_fenced BOOLEAN, budget DECIMAL(18,2), committed DECIMAL(18,2),
    planned DECIMAL(18,2), actual DECIMAL(18,2), headroom DECIMAL(18,2));
INSERT INTO marts.fund_position VALUES
 ('2019/20', 'DORSET_PCC', 'CSF', 'Commissioner''s Safety Fund', 'Priority Commissioning', 'PCC', 'PCC''s own budget', false, 1000000.00, 810000.00, 0.00, 6100.00, 190000.00),
 ('2019/20', 'DORSET_PCC', 'LIF', 'Local Innovation Fund', 'Priority Commissioning', 'PCC', 'PCC''s own budget', false, 500000.00, 178000.00, 523000.00, 2500.50, -201000.00),
 ('2019/20', 'DORSET_PCC', 'VCF', 'Victims Core Fund', 'Priority Commissioning', 'MOJ', 'Ministry of Justice victims grant', true, 800000.00, 745000.00, 0.00, 4499.50, 55000.00),
 ('2019/20', 'DORSET_PCC', 'VFCSA', 'Victims Fund – CSA Element', 'Priority Commissioning', 'MOJ', 'Ministry of Justice victims grant', true, 100000.00, 0.00, 28000.00, 0.00, 72000.00),
 ('2020/21', 'DORSET_PCC', 'CSF', 'Commissioner''s Safety Fund', 'Priority Commissioning', 'PCC', 'PCC''s own budget', false, 0.00, 405000.00, 0.00, 0.00, -405000.00);
CREATE TABLE marts.funding_source_position (financial_year VARCHAR, funding_source_code VARCHAR, funding_source_name VARCHAR,
    ring_fenced BOOLEAN, budget DECIMAL(18,2), committed DECIMAL(18,2), planned DECIMAL(18,2), actual DECIMAL(18,2),
    committed_headroom DECIMAL(18,2), headroom DECIMAL(18,2));
INSERT INTO marts.funding_source_position VALUES
 ('2019/20', 'PCC', 'PCC''s own budget', false, 1500000.00, 988000.00, 523000.00, 8600.50, 512000.00, -11000.00),
 ('2019/20', 'MOJ', 'Ministry of Justice victims grant', true, 900000.00, 745000.00, 28000.00, 4499.50, 155000.00, 127000.00),
 ('2020/21', 'PCC', 'PCC''s own budget', false, 0.00, 405000.00, 0.00, 0.00, -405000.00, -405000.00);
CREATE TABLE marts.pillar_spend (financial_year VARCHAR, pillar_code VARCHAR, pillar_name VARCHAR, committed DECIMAL(18,2),
    planned DECIMAL(18,2), total DECIMAL(18,2), share_of_total DECIMAL(9,6));
INSERT INTO marts.pillar_spend VALUES
 ('2019/20', 'PROTECT', 'Protecting People at Risk of Harm', 810000.00, 0.00, 810000.00, 0.354641),
 ('2019/20', 'COMMUNITIES', 'Working with our Communities', 178000.00, 0.00, 178000.00, 0.077933),
 ('2019/20', 'VICTIMS', 'Supporting Victims, Witnesses and Reducing Reoffending', 745000.00, 28000.00, 773000.00, 0.338441),
 ('2019/20', 'TRANSFORM', 'Transforming for the Future', 0.00, 523000.00, 523000.00, 0.228984),
 ('2020/21', 'PROTECT', 'Protecting People at Risk of Harm', 405000.00, 0.00, 405000.00, 1.000000);
CREATE TABLE marts.community_grant_fund (financial_year VARCHAR, month_start DATE, month_label VARCHAR, opening_balance DECIMAL(18,2),
    gross_receipts DECIMAL(18,2), sale_costs DECIMAL(18,2), ppa_receipts DECIMAL(18,2), grants_awarded DECIMAL(18,2), closing_balance DECIMAL(18,2));
INSERT INTO marts.community_grant_fund VALUES
 ('2019/20', DATE '2019-04-01', 'Apr 2019', 50000.00, 1200.00, 200.00, 1000.00, 5000.00, 46000.00),
 ('2019/20', DATE '2019-05-01', 'May 2019', 46000.00, 0.00, 0.00, 0.00, 0.00, 46000.00);
CREATE TABLE marts.load_audit AS
 SELECT f.file_id, f.feed, f.file_name, f.sha256, f.received_at, f.rows_received, f.rows_loaded, f.rows_quarantined,
        f.control_total, f.loaded_amount, CASE WHEN f.file_id = 8 THEN 'superseded' ELSE f.status END AS status, f.message
 FROM raw.main.files AS f;
CREATE TABLE marts.quarantined_rows AS
 SELECT q.file_id, f.feed, f.file_name, q.line_number, q.column_name, q.reason, q.raw_text
 FROM raw.main.quarantine AS q JOIN raw.main.files AS f USING (file_id);
"""


@dataclass
class FixtureDbs:
    settings: Settings
    build_db: Path
    raw_db: Path
    run_dir: Path


def _run_script(con: duckdb.DuckDBPyConnection, script: str) -> None:
    con.execute(script)


def build_fixture(
    root: Path,
    raw_sql: Sequence[str] = (),
    build_sql: Sequence[str] = (),
    tolerance: Decimal = Decimal("0"),
) -> FixtureDbs:
    """Create `root/data/raw.duckdb` and `root/build.duckdb`, then apply the breaking statements."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, over_allocation_tolerance=tolerance)
    raw_db, build_db = settings.raw_db, root / "build.duckdb"
    with duckdb.connect(str(raw_db)) as con:
        _run_script(con, RAW_SQL)
    with duckdb.connect(str(build_db)) as con:
        con.execute(f"ATTACH '{raw_db}' AS raw (READ_ONLY)")
        _run_script(con, BUILD_SQL)
        for statement in build_sql:
            con.execute(statement)
        con.execute("DETACH raw")
    if raw_sql:
        with duckdb.connect(str(raw_db)) as con:
            for statement in raw_sql:
                con.execute(statement)
    run_dir = root / "run"
    run_dir.mkdir()
    return FixtureDbs(settings=settings, build_db=build_db, raw_db=raw_db, run_dir=run_dir)
