"""A BI user, connected as docs/bi-tools.md says (each recipe read from the docs themselves),
tries to reach files beyond the marts and is refused each time, while SELECT on the marts works.

The data directory holds what BI must never read: raw.duckdb (names in clear), a landing file, a secret.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool, QueuePool

from opcc import publish
from opcc.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "bi-tools.md"
DOCS_DATA_DIR = "/srv/opcc"  # the docs' data directory, replaced by the test's


def short_recipes() -> str:
    """docs/bi-tools.md's "In short": the recipes a BI administrator reads first (the README's until it became a
    front door)."""
    docs = DOCS.read_text(encoding="utf-8")
    start = docs.index("## In short")
    return docs[start:docs.index("\n## ", start + 1)]


def docs_block(language: str, after: str = "") -> str:
    """The first ```language block of docs/bi-tools.md after the text `after`."""
    docs = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"```{language}\n(.*?)```", docs[docs.index(after):], re.S)
    assert match, f"no {language} block in {DOCS} after {after!r}"
    return match.group(1).strip()


def in_data_dir(recipe: str, data: Path) -> str:
    # Both spellings the docs have used for the data directory: /srv/opcc, and data/ relative to it.
    return recipe.replace(DOCS_DATA_DIR, str(data)).replace('"data/', f'"{data}/')


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory with a published night, and what BI must not reach beside it."""
    s = Settings(data_dir=tmp_path / "data")
    build = s.builds_dir / "night.duckdb"
    build.parent.mkdir(parents=True)
    con = duckdb.connect(str(build))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA reference")
    con.execute("CREATE TABLE marts.fund_position AS SELECT 'CSF' AS fund_code, 810000.00::DECIMAL(18,2) AS committed")
    con.execute("CREATE TABLE reference.funds AS SELECT 'CSF' AS fund_code")
    con.close()
    publish.publish(s, build)
    raw = duckdb.connect(str(s.raw_db))
    raw.execute("CREATE TABLE transactions AS SELECT 'Dr Helen Marsh' AS supplier")
    raw.execute(f"COPY transactions TO '{s.data_dir / 'archive.parquet'}' (FORMAT parquet)")
    raw.close()
    (s.landing_dir / "transactions").mkdir(parents=True)
    (s.landing_dir / "transactions" / "spend.csv").write_text("Supplier Name,Amount\nDr Helen Marsh,500.00\n")
    (s.data_dir / "secrets").mkdir()
    (s.data_dir / "secrets" / "opcc_bi.pgpass").write_text("*:*:*:opcc_bi:s3cret\n")
    return s.data_dir


def attempts(data: Path) -> dict[str, str]:
    """What a curious BI user tries, each of which must be refused."""
    out = data / "stolen.csv"
    return {
        "read_csv": f"SELECT * FROM read_csv('{data}/landing/transactions/spend.csv')",
        "a file as a table": f"SELECT * FROM '{data}/landing/transactions/spend.csv'",
        "read_parquet": f"SELECT * FROM read_parquet('{data}/archive.parquet')",
        "read_text of a secret": f"SELECT content FROM read_text('{data}/secrets/opcc_bi.pgpass')",
        "glob": f"SELECT * FROM glob('{data}/*')",
        "ATTACH raw": f"ATTACH '{data}/raw.duckdb' AS raw (READ_ONLY)",
        "COPY TO": f"COPY (SELECT 1 AS x) TO '{out}'",
        "EXPORT DATABASE": f"EXPORT DATABASE '{data}/export'",
        "INSTALL": "INSTALL httpfs",
        "LOAD": "LOAD httpfs",
        "LOAD a file": f"LOAD '{data}/evil.duckdb_extension'",
        "SET access back on": "SET enable_external_access = true",
        "RESET the lock": "RESET lock_configuration",
        "SET the lock off": "SET lock_configuration = false",
        "SET allowed_directories": "SET allowed_directories = ['/']",
    }


def assert_refused_everything(run: Callable[[str], object], data: Path) -> None:
    answered = {}
    for name, sql in attempts(data).items():
        try:
            answered[name] = run(sql)
        except (duckdb.Error, DBAPIError):
            continue
    assert answered == {}, f"answered for a BI user: {answered}"
    assert not (data / "stolen.csv").exists() and not (data / "export").exists()


def engine_select(engine: Engine) -> Callable[[str], object]:
    def run(sql: str) -> object:
        with engine.connect() as con:
            return con.execute(text(sql)).fetchall()
    return run


def test_the_short_superset_uri_refuses_every_file_access(data: Path) -> None:
    uri = re.search(r"duckdb:///[^\s`]+", short_recipes())
    assert uri, "docs/bi-tools.md's In short gives no DuckDB SQLAlchemy URI"
    engine = create_engine(in_data_dir(uri.group(0), data), poolclass=NullPool)
    run = engine_select(engine)
    assert run("SELECT committed FROM marts.fund_position") == [(Decimal("810000.00"),)]
    assert run("SELECT count(*) FROM reference.funds") == [(1,)]
    assert_refused_everything(run, data)
    engine.dispose()


def test_the_docs_superset_uri_and_engine_parameters_refuse_every_file_access(data: Path) -> None:
    uri = in_data_dir(docs_block("text", "## Superset"), data)
    params = json.loads(docs_block("json", "## Superset"))
    plain = uri.split("?")[0]
    for engine in (create_engine(uri, poolclass=NullPool), create_engine(plain, poolclass=NullPool, **params)):
        run = engine_select(engine)
        assert run("SELECT committed FROM warehouse.marts.fund_position") == [(Decimal("810000.00"),)]
        assert_refused_everything(run, data)
        engine.dispose()


def test_the_python_recipes_refuse_every_file_access(data: Path) -> None:
    def check(recipe: str) -> None:
        con = eval(in_data_dir(recipe, data), {"duckdb": duckdb})  # our own docs' recipe, as a reader would paste it
        assert con.execute("SELECT committed FROM marts.fund_position").fetchall() == [(Decimal("810000.00"),)]
        assert_refused_everything(lambda sql: con.execute(sql).fetchall(), data)
        con.close()

    readme = re.search(r"duckdb\.connect\([^`]*?\)(?=[.`])", short_recipes())
    assert readme, "docs/bi-tools.md's In short gives no duckdb.connect recipe"
    check(readme.group(0))
    check(docs_block("python", "## Python").split("=", 1)[1].strip())


def test_the_cli_recipe_refuses_every_file_access(data: Path) -> None:
    command = in_data_dir(docs_block("sh", "## DuckDB CLI"), data).split()
    cli = shutil.which(command[0])
    if cli is None:
        pytest.skip("no DuckDB CLI on PATH (PyPI's duckdb-cli is 1.5, which cannot open DuckDB 2.0 files)")
    probe = subprocess.run([cli, *command[1:], "-c", "SELECT 1"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"the DuckDB CLI on PATH cannot open the warehouse: {probe.stderr.strip()[:200]}")

    def run(sql: str) -> object:
        done = subprocess.run([cli, *command[1:], "-c", sql], capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or "Error" in done.stderr:
            raise duckdb.Error(done.stderr)
        return done.stdout

    assert "810000" in str(run("SELECT committed FROM marts.fund_position"))
    assert_refused_everything(run, data)
    for dot in (f".read {data}/secrets/opcc_bi.pgpass", ".shell id", f".output {data}/stolen.csv"):
        assert "cannot be used in -safe mode" in subprocess.run(
            [cli, *command[1:], "-c", dot], capture_output=True, text=True, timeout=60).stderr


def test_the_metabase_init_sql_reads_the_published_parquet_and_nothing_else(data: Path) -> None:
    """Metabase's DuckDB driver runs its Init SQL on each pooled in-memory connection: played here with a
    pooled SQLAlchemy engine. The Parquet can be read (and each new night at once); no other file."""
    init_sql = in_data_dir(docs_block("sql", "## Metabase"), data)
    engine = create_engine("duckdb:///:memory:", poolclass=QueuePool, pool_size=2)

    @event.listens_for(engine, "connect")
    def init(dbapi_con: duckdb.DuckDBPyConnection, _: object) -> None:
        for statement in filter(str.strip, init_sql.split(";")):
            if "spend_transactions" not in statement:  # this night has no ledger
                dbapi_con.execute(statement)

    run = engine_select(engine)
    assert run("SELECT committed FROM fund_position") == [(Decimal("810000.00"),)]
    assert_refused_everything(run, data)
    first, second = engine.connect(), engine.connect()  # both pooled connections, opened on this night

    s = Settings(data_dir=data)  # the next night publishes: the restriction does not hold the pool on the last
    build = s.builds_dir / "next.duckdb"
    con = duckdb.connect(str(build))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fund_position AS SELECT 'CSF' AS fund_code, 820000.00::DECIMAL(18,2) AS committed")
    con.close()
    publish.publish(s, build)
    for pooled in (first, second):
        assert pooled.execute(text("SELECT committed FROM fund_position")).fetchall() == [(Decimal("820000.00"),)]
        pooled.close()
    engine.dispose()
