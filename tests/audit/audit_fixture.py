"""The audit tests' databases: small crafted extracts, ingested and built by dbt as a night does.

A few lines reproduce the 2019/20 reference figures: Priority Commissioning budget 2,400,000 of which
MoJ 900,000; committed 1,733,000; planned 551,000. Every check PASSes but one: the PCC's own pot is
11,000 over if every planned project proceeds (a WARN), as in the reference report. The 2018/19 and
2020/21 budgets match reference/budget_controls.csv. The deliveries also hold what ingestion records:
a quarantined line, control totals, a rejected file, a duplicate and a superseded file.

dbt builds them once per test session (it takes ~30 s). Each test gets its own copies of the raw and
build files and breaks them with SQL statements run on the copies.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from opcc import pipeline
from opcc.config import FEEDS, Settings
from opcc.datadir import ensure_demo_reference
from opcc.ingest import ingest_feed

SPEND_HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n"
BODY = "Police and Crime Commissioner for Dorset"
SPEND_APRIL = SPEND_HEADER + (
    f'{BODY},10/04/2019,T1,Grants,OPCC Commissioning - Safety Fund,G4S Health Services,"£5,000.00"\n'
    f'{BODY},11/04/2019,T2,Grants,OPCC Commissioning - Local Innovation Fund,'
    'AFC Bournemouth Community Sports Trust,"£2,500.50"\n'
    f'{BODY},12/04/2019,T3,Contract,OPCC Commissioning - Victims Core Fund,Victim Support,"£4,499.50"\n'
    # Line 5: quarantined (the amount is not a number), with a formula for a supplier.
    f'{BODY},01/04/2019,T6,Grants,OPCC Commissioning - Safety Fund,"=HYPERLINK(""http://x"",""y"")",TBC\n'
    'Total,,,,,,"£12,000.00"\n'
)

# feed -> file name -> content. The first night's deliveries.
FIRST_NIGHT: dict[str, dict[str, str]] = {
    "transactions": {
        "spend-2019-04.csv": SPEND_APRIL,
        "spend-2019-05.csv": SPEND_HEADER + (
            f'{BODY},10/05/2019,T4,Grants,OPCC Commissioning - Safety Fund,Circles Southwest,"£1,000.00"\n'
            f'{BODY},11/05/2019,T5,Grants,Estates,Circles Southwest,"£2,000.00"\n'
            'Total,,,,,,"£3,000.00"\n'
        ),
    },
    "budgets": {
        "budget-2018-19.csv": (
            "Financial Year,Funding Source,Fund,Cost Centre,Description,Amount\n"
            "2018/19,PCC,CSF,,Safety Fund,1100000.00\n"
            "2018/19,MOJ,VCF,,Victims core,960000.00\n"
        ),
        "budget-2019-20.csv": (
            "Financial Year,Funding Source,Fund,Cost Centre,Description,Amount\n"
            "2019/20,PCC,CSF,,Safety Fund,1000000.00\n"
            "2019/20,PCC,LIF,,Innovation,500000.00\n"
            "2019/20,MOJ,VCF,,Victims core,800000.00\n"
            # Line 5: the source by its name, not its code.
            "2019/20,Ministry of Justice victims grant,VFCSA,,CSA element,100000.00\n"
        ),
        "budget-2020-21.csv": (
            "Financial Year,Funding Source,Fund,Cost Centre,Description,Amount\n"
            "2020/21,PCC,CSF,,Safety Fund,1400000.00\n"
            "2020/21,MOJ,VCF,,Victims core,900000.00\n"
        ),
        "budget-notes.csv": "Notes for the budget setting meeting\nTo be agreed by the Panel in February\n",
    },
    "commitments": {
        # 2019/20: 810,000 + 178,000 + 70,000 (7 months of 120,000) + 675,000 = 1,733,000.
        "commitments-register.csv": (
            "Commitment ID,Title,Provider,Commitment Type,Fund,Main Pillar,Start Date,End Date,Annual Value\n"
            "C001,SARC and ISVA services,G4S Health Services,Contract,CSF,PROTECT,01/04/2017,30/09/2020,810000.00\n"
            "C002,Community Circles,Circles Southwest,Grant Agreement,LIF,COMMUNITIES,01/04/2019,31/03/2020,178000.00\n"
            "C003,Victims services,Victim Support,Contract,VCF,VICTIMS,01/04/2017,31/10/2019,120000.00\n"
            "C004,Restorative Justice,Restorative Solutions,Grant Agreement,VCF,VICTIMS,"
            "01/04/2019,31/03/2020,675000.00\n"
        ),
    },
    "planned_projects": {
        "planned-2019-20.csv": (
            "Project ID,Title,Proposed Provider,Fund,Main Pillar,Financial Year,Anticipated Spend,Status\n"
            "P001,Adult Return Home Interviews,,LIF,TRANSFORM,2019/20,523000.00,Proposed\n"
            "P002,Child and Young Person ISVA,Dorset Rape Crisis,VFCSA,VICTIMS,2019/20,28000.00,Proposed\n"
        ),
    },
    "ppa_receipts": {
        "ppa-2019-20.csv": (
            "Receipt Date,Reference,Description,Gross Amount,Sale Costs,Net Amount\n"
            "10/04/2019,LOT1,Bicycles,700.00,100.00,600.00\n"
            "20/04/2019,LOT2,Jewellery,500.00,100.00,400.00\n"
        ),
    },
    "grant_awards": {
        "grants-2019-20.csv": (
            "Award Date,Reference,Recipient,Pillar,Amount\n"
            "15/04/2019,CGS-01,Weymouth Youth Club,COMMUNITIES,5000.00\n"
            "20/05/2019,CGS-02,Portland Community Partnership,COMMUNITIES,1500.00\n"
        ),
    },
}

# The next night: April sent again under another name (a duplicate), and May corrected (it supersedes May).
SECOND_NIGHT: dict[str, dict[str, str]] = {
    "transactions": {
        "spend-2019-04 (1).csv": SPEND_APRIL,
        "spend-2019-05.csv": SPEND_HEADER + (
            f'{BODY},10/05/2019,T4,Grants,OPCC Commissioning - Safety Fund,Circles Southwest,"£1,100.00"\n'
            f'{BODY},11/05/2019,T5,Credit note,Estates,Circles Southwest,"(250.00)"\n'
            'Total,,,,,,"£850.00"\n'
        ),
    },
}

# The current version of a file whose name was delivered more than once, for breaking statements.
CURRENT_MAY = "(SELECT max(file_id) FROM raw.main.files WHERE file_name = 'spend-2019-05.csv')"


@dataclass
class FixtureDbs:
    settings: Settings
    build_db: Path
    raw_db: Path
    run_dir: Path


def _night(settings: Settings, deliveries: dict[str, dict[str, str]]) -> None:
    for feed, files in deliveries.items():
        folder = settings.landing_dir / feed
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
    for feed in FEEDS:
        ingest_feed(settings, feed)


def build_baseline(root: Path) -> tuple[Path, Path]:
    """Ingest both nights' deliveries into `root/data` and build them as the nightly build task does.
    Returns the raw and build databases."""
    settings = Settings(data_dir=root / "data")
    ensure_demo_reference(settings)  # the crafted extracts use the demo's funds, pillars and cost centres
    for deliveries in (FIRST_NIGHT, SECOND_NIGHT):
        _night(settings, deliveries)
    run_dir = root / "run"
    run_dir.mkdir(parents=True)
    build_db = Path(pipeline.build(settings, str(run_dir)))
    for db in (settings.raw_db, build_db):  # no write-ahead log left beside a file that is copied alone
        with duckdb.connect(str(db)) as con:
            con.execute("CHECKPOINT")
    return settings.raw_db, build_db


@functools.cache
def baseline() -> tuple[Path, Path]:
    """The raw and build databases, built once per test session."""
    root = Path(tempfile.mkdtemp(prefix="opcc-audit-baseline-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return build_baseline(root)


def lose_rows(view: str, where: str) -> list[str]:
    """Statements making the dbt view `view` (schema.name) lose the rows matching `where`, as a faulty
    model would: dbt's view is kept under another name and the view put in its place filters it."""
    schema, name = view.split(".")
    return [f"ALTER VIEW {view} RENAME TO {name}__as_built",
            f"CREATE VIEW {view} AS SELECT * FROM {schema}.{name}__as_built WHERE NOT ({where})"]


def build_fixture(
    root: Path,
    raw_sql: Sequence[str] = (),
    build_sql: Sequence[str] = (),
    tolerance: Decimal = Decimal(0),
) -> FixtureDbs:
    """Copy the baseline to `root/data/raw.duckdb` and `root/build.duckdb`, then apply the breaking statements
    (`build_sql` on the build with raw attached as `raw`, then `raw_sql` on raw)."""
    raw_src, build_src = baseline()
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, over_allocation_tolerance=tolerance)
    raw_db, build_db = settings.raw_db, root / "build.duckdb"
    shutil.copy(raw_src, raw_db)
    shutil.copy(build_src, build_db)
    if build_sql:
        with duckdb.connect(str(build_db)) as con:
            con.execute(f"ATTACH '{raw_db}' AS raw (READ_ONLY)")
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
