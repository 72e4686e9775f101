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
from opcc.datadir import demo_settings, ensure_demo_reference
from opcc.ingest import ingest_feed
from opcc.publications import CONTRACTS, GIVING, GRANTS, SPEND, PublicationsOutcome, generate, publications_dir

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "real-extracts"
HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n"
BODY = "Police and Crime Commissioner for Dorset"
AREA = "OPCC Commissioning - Safety Fund"
# June's extract has a free-text Description (the narrative), published only with publish_narrative.
JUNE = HEADER.replace("\n", ",Description\n") + (
    # One invoice split into two lines of £300: one item of £600, both lines published.
    f"{BODY},03/06/2019,INV-1,Grants,{AREA},Split Supplies Ltd,300.00,Printing of leaflets\n"
    f"{BODY},03/06/2019,INV-1,Grants,OPCC Innovation Fund,Split Supplies Ltd,300.00,\n"
    # A £400 line alone: not published. A line without a transaction number stands alone.
    f"{BODY},04/06/2019,INV-2,Grants,{AREA},Small Payee Ltd,400.00,\n"
    f"{BODY},05/06/2019,,Grants,{AREA},No Number Ltd,450.00,\n"
    # A credit of £600: published.
    f'{BODY},06/06/2019,INV-3,Refund,{AREA},Circles Southwest,"(600.00)",\n'
    # An individual marked for redaction in seeds/reference/payees.csv, written in another case, and named in
    # the narrative with other spacing.
    f"{BODY},07/06/2019,INV-4,Counselling,OPCC Wellbeing Fund,dr helen marsh,750.00,Staff sessions by DR  Helen Marsh\n"
    # A supplier that is a formula.
    f'{BODY},08/06/2019,INV-5,Grants,{AREA},"=HYPERLINK(""http://x"",""y"")",900.00,\n'
)
JULY = HEADER + f"{BODY},02/07/2019,INV-6,Grants,{AREA},Victim Support,1200.00\n"
JULY_CORRECTED = HEADER + f"{BODY},02/07/2019,INV-6,Grants,{AREA},Victim Support,1250.00\n"
GRANTS_FILE = (
    "Award Date,Reference,Recipient,Pillar,Amount,Recipient Org:Identifier,Purpose\n"
    "05/06/2019,CGS-01,Wareham Youth Project,COMMUNITIES,4500.00,GB-CHC-1158878,Youth diversion evenings\n"
    "05/06/2019,CGS-02,Purbeck Community Speedwatch,COMMUNITIES,750.00,,\n"
)
# The contracts register: whole-term values £24,000 (over £10,000, with its document), £6,000 (an individual,
# redacted), exactly £10,000 over two financial years (listed with those of £10,000 or less), an old contract
# ended before June, and two grant agreements from July (one with its own conditions, one without).
COMMITMENTS_FILE = (
    "Commitment ID,Title,Provider,Commitment Type,Fund,Main Pillar,Start Date,End Date,Annual Value,Contract URL,"
    "Conditions\n"
    "T-C-1,Victim referral service,Victim Support,Contract,CSF,PROTECT,01/04/2019,31/03/2020,24000.00,"
    "https://example.org/t-c-1.pdf,\n"
    "T-C-2,Counselling sessions,Dr Helen Marsh,Contract,CSF,VICTIMS,01/06/2019,30/11/2019,12000.00,,\n"
    "T-C-3,Residents' survey,Survey Co Ltd,Contract,CSF,PROTECT,01/06/2019,31/05/2020,10000.00,,\n"
    "T-C-0,Old contract,Old Co Ltd,Contract,CSF,PROTECT,01/04/2018,31/05/2019,12000.00,,\n"
    "T-G-1,Youth outreach,Wareham Youth Project,Grant Agreement,CSF,COMMUNITIES,01/07/2019,30/06/2020,6000.00,,"
    "Quarterly reports to the OPCC\n"
    "T-G-2,Street pastors,Bournemouth Street Pastors,Grant Agreement,CSF,PROTECT,01/07/2019,31/12/2019,30000.00,,\n"
)


def _land(settings: Settings, feed: str, name: str, content: str) -> None:
    folder = settings.landing_dir / feed
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content, encoding="utf-8")


def _night(settings: Settings, tmp: Path) -> None:
    ensure_demo_reference(settings)
    for feed in FEEDS:
        ingest_feed(settings, feed)
    run_dir = tmp / f"run-{len(list(tmp.glob('run-*')))}"
    run_dir.mkdir()
    build_db = pipeline.build(settings, str(run_dir))
    publish.publish(settings, Path(build_db))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("publications")
    settings = demo_settings(data_dir=tmp / "data")
    _land(settings, "transactions", "spend-2019-06.csv", JUNE)
    _land(settings, "transactions", "spend-2019-07.csv", JULY)
    _land(settings, "grant_awards", "grants-2019-20.csv", GRANTS_FILE)
    _land(settings, "commitments", "commitments.csv", COMMITMENTS_FILE)
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
    settings = demo_settings(data_dir=tmp_path / "data")
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
    others = {p: (p.stat().st_ino, p.read_bytes()) for p in publications_dir(published).rglob("*.*")
              if "2019-07" not in p.name}
    again = generate(published, tmp_path)
    assert again.written == []  # nothing changed: nothing rewritten...
    assert "the same marts" in again.message  # ...nor checked for names again, nor rendered: nothing computed
    assert {(m.kind, m.month) for m in again.months} >= {(SPEND, "2019-06"), (SPEND, "2019-07")}  # still reported
    _land(published, "transactions", "spend-2019-07.csv", JULY_CORRECTED)  # supersedes July
    _night(published, tmp_path)
    outcome = generate(published, tmp_path)
    assert outcome.written == [f"{SPEND}/2019-07/spend-over-500-2019-07-v2.csv"]
    assert names_checked(outcome) == [(SPEND, "2019-07")]  # only the month whose rows changed
    assert (july / "spend-over-500-2019-07-v1.csv").read_bytes() == first  # the public record stays
    assert [r["Amount"] for r in _read(july / "spend-over-500-2019-07-v2.csv")] == ["1250.00"]
    assert sorted((publications_dir(published) / SPEND / "2019-06").iterdir()) == june_files
    # Every other month's files untouched: the same inode and bytes.
    assert {p: (p.stat().st_ino, p.read_bytes()) for p in others} == others
    july_summary = next(m for m in outcome.months if (m.kind, m.month) == (SPEND, "2019-07"))
    assert (july_summary.total, july_summary.written) == ("1250.00", True)


def names_checked(outcome: PublicationsOutcome) -> list[tuple[str, str]]:
    """The (publication, month) pairs whose cells the redaction check read this run."""
    [check] = [c for c in outcome.checks if c["id"] == "publications.redaction.no_redacted_name_published"]
    assert check["status"] == "PASS", check
    return sorted((r["publication"], r["month"]) for r in check["compared"])


def _copy_published(published: Settings, data_dir: Path, **settings: object) -> Settings:
    """A data directory of its own holding a copy of the published warehouse (writable, for a test to alter)."""
    copy = demo_settings(data_dir=data_dir, **settings)  # type: ignore[arg-type]
    copy.data_dir.mkdir()
    shutil.copy(published.warehouse_db, copy.warehouse_db)
    copy.warehouse_db.chmod(0o644)
    return copy


def test_contracts_register_split_at_10000_with_parties_documents_and_redaction(
        published: Settings, tmp_path: Path) -> None:
    outcome = generate(published, tmp_path)
    assert outcome.released, outcome.message
    check = next(c for c in outcome.checks if c["id"] == "publications.contracts.total_equals_commitments")
    assert check["status"] == "PASS"
    june = _read(publications_dir(published) / CONTRACTS / "2019-06" / "contracts-2019-06-v1.csv")
    assert [(r["Register"], r["Reference"], r["Supplier"], r["Contract Value"], r["Contract Document"])
            for r in june] == [
        ("Contract over £10,000", "T-C-1", "Victim Support", "24000.00", "https://example.org/t-c-1.pdf"),
        ("Contract of £10,000 or less", "T-C-2", "REDACTED PERSONAL DATA", "6000.00", ""),
        ("Contract of £10,000 or less", "T-C-3", "Survey Co Ltd", "10000.00", "")]
    assert {r["Contracting Body"] for r in june} == {BODY}
    assert (june[0]["Purpose"], june[0]["Start Date"], june[0]["End Date"], june[0]["Annual Value"]) == (
        "Victim referral service", "2019-04-01", "2020-03-31", "24000.00")
    summary = next(m for m in outcome.months if m.kind == CONTRACTS and m.month == "2019-06")
    assert (summary.items, summary.total, summary.lines_redacted) == (3, "40000.00", 1)
    assert summary.detail == "Contract over £10,000: 1; Contract of £10,000 or less: 2"
    # July adds the two grant agreements; every month totals the commitments mart's committed values.
    july = _read(publications_dir(published) / CONTRACTS / "2019-07" / "contracts-2019-07-v1.csv")
    assert [r["Reference"] for r in july] == ["T-C-1", "T-G-2", "T-C-2", "T-C-3", "T-G-1"]
    with duckdb.connect(str(published.warehouse_db), read_only=True) as con:
        committed = dict(con.execute(
            """SELECT commitment_id, sum(value) FROM marts.commitments WHERE status = 'committed'
               GROUP BY commitment_id""").fetchall())
    assert sum(Decimal(r["Contract Value"]) for r in july) == sum(committed[r["Reference"]] for r in july) \
        == Decimal("61000.00")
    assert "T-C-0" not in {r["Reference"] for r in june + july}  # ended in May
    # The report's "Transparency publications" section shows the latest month's register and its split.
    from opcc import run_record
    from opcc.report.sections.publications import publications_section

    run_record.write_publications(tmp_path, outcome.to_json())
    section = publications_section(tmp_path)
    assert section.month == "2019-07" and section.table is not None
    shown = {row.cells[0].text: [c.text for c in row.cells[1:4]] for row in section.table.rows}
    assert shown["Contracts register (para 4) (Contract over £10,000: 2; Contract of £10,000 or less: 3)"] == [
        "5", "5", "£61,000"]


def test_grant_agreements_take_their_own_conditions_else_the_setting(published: Settings, tmp_path: Path) -> None:
    generate(published, tmp_path)
    july = _read(publications_dir(published) / GRANTS / "2019-07" / "grants-2019-07-v1.csv")
    assert [(g["Reference"], g["Amount"], g["Conditions"]) for g in july] == [
        ("T-G-1", "6000.00", "Quarterly reports to the OPCC"), ("T-G-2", "15000.00", published.grant_conditions)]


def test_a_contracts_register_that_does_not_reconcile_blocks_the_publications(
        published: Settings, tmp_path: Path) -> None:
    settings = _copy_published(published, tmp_path / "data")
    with duckdb.connect(str(settings.warehouse_db)) as con:
        con.execute("UPDATE marts.contracts_register SET contract_value = contract_value + 1 "
                    "WHERE commitment_id = 'T-C-1'")
    outcome = generate(settings, tmp_path / "run")
    assert not outcome.released and outcome.written == []
    failed = [c for c in outcome.checks if c["status"] == "FAIL"]
    assert [c["id"] for c in failed] == ["publications.contracts.total_equals_commitments"]
    assert Decimal(failed[0]["difference"]) == Decimal("2.00")  # June and July, £1 each


def test_narrative_is_published_only_when_the_setting_turns_it_on_and_never_with_a_name(
        published: Settings, tmp_path: Path) -> None:
    generate(published, tmp_path)
    june = publications_dir(published) / SPEND / "2019-06" / "spend-over-500-2019-06-v1.csv"
    assert "Narrative" not in _read(june)[0] and "Printing of leaflets" not in _all_text(published)

    settings = _copy_published(published, tmp_path / "data", publish_narrative=True)
    outcome = generate(settings, tmp_path / "run")
    assert outcome.released, outcome.message
    rows = _read(publications_dir(settings) / SPEND / "2019-06" / "spend-over-500-2019-06-v1.csv")
    assert sorted((r["TransactionNumber"], r["Narrative"]) for r in rows) == [
        ("INV-1", ""), ("INV-1", "Printing of leaflets"), ("INV-3", ""),
        ("INV-4", "Staff sessions by REDACTED PERSONAL DATA"), ("INV-5", "")]
    assert "helen marsh" not in _all_text(settings).lower()
    redaction = next(c for c in outcome.checks if c["id"] == "publications.redaction.no_redacted_name_published")
    assert redaction["status"] == "PASS"


def test_the_redaction_check_reads_the_narrative(published: Settings, tmp_path: Path) -> None:
    """Should the narrative's redaction ever miss a name, the FAIL check still finds it there."""
    import datetime as dt

    from compare_on_duckdb import run_comparison

    from opcc.audit.suites import load_checks
    from opcc.publications import names, prepare

    settings = _copy_published(published, tmp_path / "data", publish_narrative=True)
    check = next(c for c in load_checks(settings.expectations_dir / "publications")
                 if c.check_id == "redaction.no_redacted_name_published")
    with duckdb.connect(str(settings.warehouse_db), read_only=True) as con:
        prepare(con, settings, dt.date.today())
        assert not run_comparison(con, check).failing
        con.execute("UPDATE pub_spend SET narrative = 'paid to Dr Helen Marsh' WHERE transaction_number = 'INV-5'")
        names.key_published_cells(con)
        failing = run_comparison(con, check).failing
    assert [(r["publication"], r["month"], r["names_found"]) for r in failing] == [("spend-over-500", "2019-06", 1)]


def test_blocked_publications_reach_the_run_outcome_the_report_and_an_alert(
        published: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warehouse published but a FAIL check held back the publications: the run's one-line outcome says so,
    the report's banner and section too, and `finish` emails the finance team and fails the night."""
    import datetime as dt
    import importlib.util

    from opcc import run_outcome, run_record

    spec = importlib.util.spec_from_file_location("smtp_sink", Path(__file__).parents[1] / "e2e" / "smtp_sink.py")
    assert spec is not None and spec.loader is not None
    smtp_sink = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smtp_sink)

    settings = _copy_published(published, tmp_path / "data", alert_email="treasurer@opcc.test")
    with duckdb.connect(str(settings.warehouse_db)) as con:
        con.execute("UPDATE marts.spend_transactions SET supplier = 'Payments to Dr Helen Marsh' "
                    "WHERE transaction_number = 'INV-4'")
    run_dir = pipeline.start(settings, "manual__blocked", dt.datetime.now(dt.UTC))
    folder = Path(run_dir)
    run_record.write_dbt(folder, run_record.DbtOutcome(ok=True, message="dbt build: passed", failed_nodes=[]))
    run_record.write_checks(folder, [])
    run_record.write_publish(folder, run_record.PublishOutcome(True, "published", str(settings.warehouse_db)))
    published_bytes = settings.warehouse_db.read_bytes()

    pipeline.publications(settings, run_dir)  # the real checks, on the published warehouse
    outcome = run_outcome.explain(run_record.read(folder))
    assert outcome.published and outcome.publications_blocked
    assert outcome.why == ("published; the transparency publications were blocked: "
                           "publications.redaction.no_redacted_name_published failed (expected 0, actual 1, "
                           "difference 1)")
    assert outcome.headline == "PUBLISHED \u2014 but the transparency publications were blocked"

    html = Path(pipeline.report(settings, run_dir)).read_text(encoding="utf-8")
    assert outcome.headline in html and "A FAIL check blocked every publication tonight" in html

    with smtp_sink.SmtpSink() as smtp:
        monkeypatch.setenv("AIRFLOW__SMTP__SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("AIRFLOW__SMTP__SMTP_PORT", str(smtp.port))
        with pytest.raises(pipeline.StepFailed) as failed:
            pipeline.finish(settings, run_dir)
    assert str(failed.value) == outcome.why
    [mail] = smtp.messages
    assert mail["Subject"] == "OPCC warehouse: last night's transparency publications were blocked"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert mail["To"] == "treasurer@opcc.test" and f"Why: {outcome.why}" in body
    assert settings.warehouse_db.read_bytes() == published_bytes  # the warehouse stays published
    assert not publications_dir(settings).exists()


def test_a_warehouse_published_before_the_narrative_column_gets_it_on_every_line(tmp_path: Path) -> None:
    """Upgrading: the incremental ledger mart of an earlier version has no narrative column; the next night adds
    it and reloads every current file into it, so old lines carry their narrative too."""
    settings = demo_settings(data_dir=tmp_path / "data")
    _land(settings, "transactions", "spend-2019-06.csv", JUNE)
    _night(settings, tmp_path)
    settings.warehouse_db.chmod(0o644)
    with duckdb.connect(str(settings.warehouse_db)) as con:
        con.execute("ALTER TABLE marts.spend_transactions DROP COLUMN narrative")  # as an earlier version left it
    _night(settings, tmp_path)  # no new file
    with duckdb.connect(str(settings.warehouse_db), read_only=True) as con:
        narratives = con.execute("SELECT narrative FROM marts.spend_transactions WHERE narrative IS NOT NULL "
                                 "ORDER BY 1").fetchall()
        lines = con.execute("SELECT count(*) FROM marts.spend_transactions").fetchone()
    assert narratives == [("Printing of leaflets",), ("Staff sessions by DR  Helen Marsh",)] and lines == (7,)


def test_a_warehouse_published_before_the_sheet_column_gets_it_on_every_line(tmp_path: Path) -> None:
    """Upgrading: the ledger mart of an earlier version has no sheet column; the next night adds it and reloads
    every current file, so a workbook's old lines carry their sheet."""
    import openpyxl

    settings = Settings(data_dir=tmp_path / "data")
    book = openpyxl.Workbook()
    book.active.title = "Jun"
    book.active.append(["Date", "Supplier Name", "Amount"])
    book.active.append(["2019-06-03", "Victim Support", 900])
    (settings.landing_dir / "transactions").mkdir(parents=True)
    book.save(settings.landing_dir / "transactions" / "spend-2019-06.xlsx")
    _land(settings, "transactions", "spend-2019-07.csv", JULY)
    _night(settings, tmp_path)
    settings.warehouse_db.chmod(0o644)
    with duckdb.connect(str(settings.warehouse_db)) as con:
        con.execute("ALTER TABLE marts.spend_transactions DROP COLUMN sheet")  # as an earlier version left it
    _night(settings, tmp_path)  # no new file
    with duckdb.connect(str(settings.warehouse_db), read_only=True) as con:
        lines = con.execute("SELECT supplier, sheet, line_number FROM marts.spend_transactions "
                            "ORDER BY 2 NULLS LAST").fetchall()
    assert lines == [("Victim Support", "Jun", 2), ("Victim Support", None, 2)]


def test_a_workbook_line_is_its_own_sheet_and_row_in_the_publications(tmp_path: Path) -> None:
    """Lines without a transaction number stand alone, and a workbook's line is its sheet and row: row 2 of
    August's sheet and row 2 of September's (£300 each) are two items under £500, never one of £600; awards
    without a reference on row 2 of two sheets are two 360Giving grants with two ids."""
    import openpyxl

    settings = demo_settings(data_dir=tmp_path / "data")  # the demo's publisher settings: 360Giving is written
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, day in (("Aug", "2019-08-05"), ("Sep", "2019-09-05")):
        ws = book.create_sheet(name)
        ws.append(["Body Name", "Date", "Expense Type", "Expense Area", "Supplier Name", "Amount"])
        ws.append([BODY, day, "Grants", AREA, f"{name} Supplies Ltd", 300])
    ws.append([BODY, "2019-09-06", "Grants", AREA, "Big Supplies Ltd", 700])  # Sep row 3: over £500
    (settings.landing_dir / "transactions").mkdir(parents=True)
    book.save(settings.landing_dir / "transactions" / "spend-2019-08-09.xlsx")
    # Grant awards without references, one on row 2 of each sheet: each its own 360Giving grant.
    grants = openpyxl.Workbook()
    grants.remove(grants.active)
    for name, day in (("Q2 2019", "2019-08-05"), ("Q3 2019", "2019-10-05")):
        ws = grants.create_sheet(name)
        ws.append(["Award Date", "Recipient", "Amount"])
        ws.append([day, f"{name} Youth Club", 1000])
    (settings.landing_dir / "grant_awards").mkdir(parents=True)
    grants.save(settings.landing_dir / "grant_awards" / "grants-2019-20.xlsx")
    _night(settings, tmp_path)
    outcome = generate(settings, tmp_path)
    assert outcome.released, outcome.message
    assert {c["id"]: c["status"] for c in outcome.checks if c["status"] != "PASS"} == {}
    spend = publications_dir(settings) / SPEND
    assert sorted(p.parent.name for p in spend.rglob("*.csv")) == ["2019-09"]
    [september] = spend.rglob("*.csv")
    assert [(r["BeneficiaryName"], r["Amount"]) for r in _read(september)] == [("Big Supplies Ltd", "700.00")]
    ids = sorted(json.loads(p.read_text(encoding="utf-8"))["grants"][0]["id"]
                 for p in (publications_dir(settings) / GIVING).rglob("*.json"))
    assert len(ids) == 2 and ids[0].endswith("-Q2-2019-2") and ids[1].endswith("-Q3-2019-2"), ids


def test_inputs_are_every_relation_the_candidates_and_their_checks_read() -> None:
    """The digest that lets a night skip the publications covers everything they read, or a change could be missed."""
    import re

    from opcc.config import PROJECT_ROOT
    from opcc.publications import INPUTS

    package = PROJECT_ROOT / "src" / "opcc" / "publications"
    texts = [(package / "candidates.sql").read_text(), (package / "names.py").read_text()]
    texts += [p.read_text() for p in (PROJECT_ROOT / "expectations" / "publications").rglob("*.sql")]
    named = {m for text in texts for m in re.findall(r"\b(?:marts|reference)\.[a-z_]+\b", text)}
    assert named == set(INPUTS)


def test_a_night_with_the_last_computing_nights_inputs_computes_nothing_and_a_changed_input_computes_again(
        published: Settings, tmp_path: Path) -> None:
    settings = _copy_published(published, tmp_path / "data")
    first = generate(settings, tmp_path)
    assert first.released and first.checks and first.written
    again = generate(settings, tmp_path / "again")
    assert again.released and again.written == [] and "the same marts" in again.message
    assert not (tmp_path / "again" / "data_docs_publications").exists()  # no check ran: their verdicts carried
    assert [(c["id"], c["status"]) for c in again.checks] == [(c["id"], c["status"]) for c in first.checks]
    assert again.latest_month == first.latest_month
    assert [(m.kind, m.month, m.items, m.total, m.files) for m in again.months] == [
        (m.kind, m.month, m.items, m.total, m.files) for m in first.months]
    # A setting the rows carry: every check runs again and the spend files gain their narrative column.
    narrative = demo_settings(data_dir=settings.data_dir, publish_narrative=True)
    changed = generate(narrative, tmp_path / "changed")
    assert (tmp_path / "changed" / "data_docs_publications").exists()
    assert f"{SPEND}/2019-06/spend-over-500-2019-06-v2.csv" in changed.written
    # A file gone from the publications folder: computed again, and that month written again.
    (publications_dir(settings) / SPEND / "2019-06" / "spend-over-500-2019-06-v2.csv").unlink()
    mended = generate(narrative, tmp_path / "mended")
    assert (tmp_path / "mended" / "data_docs_publications").exists()
    assert mended.written == [f"{SPEND}/2019-06/spend-over-500-2019-06-v2.csv"]


def test_a_change_to_the_redaction_code_computes_every_month_again(tmp_path: Path, monkeypatch) -> None:
    """The inputs' digest cannot see the code: every module of the package (the redaction's keys in names.py among
    them) is in the state's fingerprint, so a night after such a change never skips on its inputs alone."""
    from opcc.publications import state

    package = tmp_path / "publications"
    shutil.copytree(Path(state.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(Path(state.__file__).parents[1] / "csv_safe.py", tmp_path / "csv_safe.py")
    monkeypatch.setattr(state, "_PACKAGE", package)
    before = state.fingerprint()
    assert state.fingerprint() == before
    (package / "names.py").write_text((package / "names.py").read_text() + "\n# a new way to key a name\n")
    assert state.fingerprint() != before
