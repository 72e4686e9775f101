"""The transparency publications on crafted extracts, ingested, built by dbt and published as a night does."""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc import pipeline, publish
from opcc.config import FEEDS, Settings
from opcc.ingest import ingest_feed
from opcc.publications import GIVING, GRANTS, SPEND, generate, publications_dir

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "real-extracts"
HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n"
BODY = "Police and Crime Commissioner for Dorset"
AREA = "OPCC Commissioning - Safety Fund"
JUNE = HEADER + (
    # One invoice split into two lines of £300: one item of £600, both lines published.
    f"{BODY},03/06/2019,INV-1,Grants,{AREA},Split Supplies Ltd,300.00\n"
    f"{BODY},03/06/2019,INV-1,Grants,OPCC Innovation Fund,Split Supplies Ltd,300.00\n"
    # A £400 line alone: not published. A line without a transaction number stands alone.
    f"{BODY},04/06/2019,INV-2,Grants,{AREA},Small Payee Ltd,400.00\n"
    f"{BODY},05/06/2019,,Grants,{AREA},No Number Ltd,450.00\n"
    # A credit of £600: published.
    f'{BODY},06/06/2019,INV-3,Refund,{AREA},Circles Southwest,"(600.00)"\n'
    # An individual marked for redaction in seeds/reference/payees.csv, written in another case.
    f"{BODY},07/06/2019,INV-4,Counselling,OPCC Wellbeing Fund,dr helen marsh,750.00\n"
    # A supplier that is a formula.
    f'{BODY},08/06/2019,INV-5,Grants,{AREA},"=HYPERLINK(""http://x"",""y"")",900.00\n'
)
JULY = HEADER + f"{BODY},02/07/2019,INV-6,Grants,{AREA},Victim Support,1200.00\n"
JULY_CORRECTED = HEADER + f"{BODY},02/07/2019,INV-6,Grants,{AREA},Victim Support,1250.00\n"
GRANTS_FILE = (
    "Award Date,Reference,Recipient,Pillar,Amount,Recipient Org:Identifier,Purpose\n"
    "05/06/2019,CGS-01,Wareham Youth Project,COMMUNITIES,4500.00,GB-CHC-1158878,Youth diversion evenings\n"
    "05/06/2019,CGS-02,Purbeck Community Speedwatch,COMMUNITIES,750.00,,\n"
)


def _land(settings: Settings, feed: str, name: str, content: str) -> None:
    folder = settings.landing_dir / feed
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content, encoding="utf-8")


def _night(settings: Settings, tmp: Path) -> None:
    for feed in FEEDS:
        ingest_feed(settings, feed)
    run_dir = tmp / f"run-{len(list(tmp.glob('run-*')))}"
    run_dir.mkdir()
    build_db = pipeline.build(settings, str(run_dir))
    publish.publish(settings, Path(build_db))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("publications")
    settings = Settings(data_dir=tmp / "data")
    _land(settings, "transactions", "spend-2019-06.csv", JUNE)
    _land(settings, "transactions", "spend-2019-07.csv", JULY)
    _land(settings, "grant_awards", "grants-2019-20.csv", GRANTS_FILE)
    _night(settings, tmp)
    return settings


def _read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel keeps £ intact
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _all_text(settings: Settings) -> str:
    return "\n".join(p.read_bytes().decode("utf-8-sig") for p in publications_dir(settings).rglob("*.*"))


def test_spend_over_500_items_credits_and_redaction(published: Settings, tmp_path: Path) -> None:
    outcome = generate(published, tmp_path)
    assert outcome.released, outcome.message
    assert {c["id"]: c["status"] for c in outcome.checks if c["status"] != "PASS"} == {}
    june = _read(publications_dir(published) / SPEND / "2019-06" / "spend-over-500-2019-06-v1.csv")
    by_number = [(r["TransactionNumber"], r["Amount"], r["BeneficiaryName"]) for r in june]
    assert [r for r in by_number if r[0] == "INV-1"] == [("INV-1", "300.00", "Split Supplies Ltd")] * 2
    assert not [r for r in by_number if r[0] == "INV-2" or r[2] == "No Number Ltd"]  # £400 and £450 alone
    assert ("INV-3", "-600.00", "Circles Southwest") in by_number  # a credit over £500 either way
    assert ("INV-4", "750.00", "REDACTED PERSONAL DATA") in by_number
    assert "helen marsh" not in _all_text(published).lower()
    assert sum(Decimal(r["Amount"]) for r in june) == Decimal("1650.00")  # 300 + 300 - 600 + 750 + 900
    summary = next(m for m in outcome.months if m.kind == SPEND and m.month == "2019-06")
    assert (summary.items, summary.lines, summary.total, summary.lines_redacted) == (4, 5, "1650.00", 1)


def test_every_month_reconciles_to_the_ledger_and_no_cell_is_a_formula(published: Settings, tmp_path: Path) -> None:
    generate(published, tmp_path)
    with duckdb.connect(str(published.warehouse_db), read_only=True) as con:
        expected = dict(con.execute(
            """WITH l AS (SELECT strftime(month_start, '%Y-%m') AS month, amount,
                     sum(amount) OVER (PARTITION BY coalesce(transaction_number, file_id || ':' || line_number)) AS item
                   FROM marts.spend_transactions)
               SELECT month, sum(amount) FROM l WHERE abs(item) > 500 GROUP BY month""").fetchall())
    files = sorted((publications_dir(published) / SPEND).rglob("*.csv"))
    assert {f.parent.name for f in files} == set(expected)
    for f in files:
        rows = _read(f)
        assert sum(Decimal(r["Amount"]) for r in rows) == expected[f.parent.name]
    for f in publications_dir(published).rglob("*.csv"):
        for row in csv.reader(io.StringIO(f.read_bytes().decode("utf-8-sig"))):
            for cell in row:
                if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell.startswith("-") and not cell[1:2].isdigit()):
                    pytest.fail(f"{f.name}: a cell starts a formula: {cell!r}")
    june = _read(publications_dir(published) / SPEND / "2019-06" / "spend-over-500-2019-06-v1.csv")
    assert any(r["BeneficiaryName"].startswith("'=HYPERLINK") for r in june)


def test_grants_and_360giving_equal_the_grants_awarded(published: Settings, tmp_path: Path) -> None:
    outcome = generate(published, tmp_path)
    grants = _read(publications_dir(published) / GRANTS / "2019-06" / "grants-2019-06-v1.csv")
    assert [(g["Reference"], g["Recipient"], g["Amount"]) for g in grants] == [
        ("CGS-01", "Wareham Youth Project", "4500.00"), ("CGS-02", "Purbeck Community Speedwatch", "750.00")]
    assert grants[0]["Purpose"] == "Youth diversion evenings" and grants[0]["Conditions"]
    package = json.loads((publications_dir(published) / GIVING / "2019-06" / "360giving-2019-06-v1.json").read_text())
    ids = {g["id"]: g for g in package["grants"]}
    assert set(ids) == {"360G-dorsetopcc-CGS-01", "360G-dorsetopcc-CGS-02"}
    assert ids["360G-dorsetopcc-CGS-01"]["recipientOrganization"][0]["id"] == "GB-CHC-1158878"
    # An unregistered group gets an org-id under the publisher's own prefix.
    assert ids["360G-dorsetopcc-CGS-02"]["recipientOrganization"][0]["id"].startswith("360G-dorsetopcc-ORG-")
    assert ids["360G-dorsetopcc-CGS-01"]["beneficiaryLocation"][0] == {
        "name": "Dorset", "geoCode": "E23000039", "geoCodeType": "PFA", "countryCode": "GB"}
    with duckdb.connect(str(published.warehouse_db), read_only=True) as con:
        awarded = con.execute("SELECT sum(grants_awarded) FROM marts.community_grant_fund").fetchone()[0]
    assert sum(Decimal(str(g["amountAwarded"])) for g in package["grants"]) == awarded == Decimal("5250.00")
    giving_checks = [c for c in outcome.checks if c["id"].startswith("publications.threesixty.")]
    assert len(giving_checks) == 7 and {c["status"] for c in giving_checks} == {"PASS"}
    header = (publications_dir(published) / GIVING / "2019-06" / "360giving-2019-06-v1.csv").read_bytes()
    assert header.decode("utf-8-sig").startswith("Identifier,Title,Description,Currency,Amount Awarded,Award Date,")


def test_360giving_package_validates_against_the_real_schema(published: Settings, tmp_path: Path) -> None:
    grant_schema, package_schema = SHARED / "360-giving-schema.json", SHARED / "360-giving-package-schema.json"
    if not (grant_schema.exists() and package_schema.exists()):
        pytest.skip(f"the 360Giving schema 1.4.3 is not in {SHARED}")
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    generate(published, tmp_path)
    grant, pkg = json.loads(grant_schema.read_text()), json.loads(package_schema.read_text())
    # The package schema names the grant schema by its published URL (1.4.2's address): read it from disk. Their
    # $schema is draft 2020-12 written with http://, which `referencing` does not recognise: say it is 2020-12.
    resource = Resource(contents=grant, specification=DRAFT202012)
    registry = Registry().with_resources(
        [(url, resource) for url in {grant["$id"], pkg["properties"]["grants"]["items"]["$ref"]}])
    validator = Draft202012Validator(pkg, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
    packages = sorted((publications_dir(published) / GIVING).rglob("*.json"))
    assert packages
    for path in packages:
        errors = list(validator.iter_errors(json.loads(path.read_text(encoding="utf-8"))))
        assert not errors, [e.message for e in errors]


def test_a_name_marked_for_redaction_in_a_longer_text_blocks_every_publication(
        published: Settings, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    shutil.copy(published.warehouse_db, settings.warehouse_db)
    settings.warehouse_db.chmod(0o644)
    with duckdb.connect(str(settings.warehouse_db)) as con:
        con.execute("UPDATE marts.spend_transactions SET supplier = 'Helen Marsh Counselling (Dr Helen Marsh)' "
                    "WHERE transaction_number = 'INV-4'")
    outcome = generate(settings, tmp_path / "run")
    assert not outcome.released and outcome.written == []
    failed = [c for c in outcome.checks if c["status"] == "FAIL"]
    assert [c["id"] for c in failed] == ["publications.redaction.no_redacted_name_published"]
    assert failed[0]["actual"] == "1" and "publications.redaction" in outcome.message
    assert not publications_dir(settings).exists()


def test_a_resent_month_gets_a_new_version_and_keeps_the_old(published: Settings, tmp_path: Path) -> None:
    generate(published, tmp_path)
    july = publications_dir(published) / SPEND / "2019-07"
    first = (july / "spend-over-500-2019-07-v1.csv").read_bytes()
    june_files = sorted((publications_dir(published) / SPEND / "2019-06").iterdir())
    again = generate(published, tmp_path)
    assert again.written == []  # nothing changed: nothing rewritten
    _land(published, "transactions", "spend-2019-07.csv", JULY_CORRECTED)  # supersedes July
    _night(published, tmp_path)
    outcome = generate(published, tmp_path)
    assert outcome.written == [f"{SPEND}/2019-07/spend-over-500-2019-07-v2.csv"]
    assert (july / "spend-over-500-2019-07-v1.csv").read_bytes() == first  # the public record stays
    assert [r["Amount"] for r in _read(july / "spend-over-500-2019-07-v2.csv")] == ["1250.00"]
    assert sorted((publications_dir(published) / SPEND / "2019-06").iterdir()) == june_files
