"""The transparency publications a PCC must make (SI 2011/3050 as amended), from the published warehouse.

Per complete month: spend over £500 (para 3(g)), grants made (para 3(f)), the contracts register as at the month
(para 4: over £10,000 individually, then the list of those of £10,000 or less, one file) and the Community Grant
Scheme's awards as 360Giving (JSON data package and CSV). The candidates are temp tables (`candidates.sql`) on a
read-only connection to the published warehouse; the checks in `expectations/publications/` run on them
through the audit runner and GX. Any FAIL blocks every publication that night (never the warehouse).

Files land in `$OPCC_DATA_DIR/publications/<kind>/<YYYY-MM>/<kind>-<YYYY-MM>-v<N>.<ext>`. A month is written
when it has no file yet or when its content differs from its latest version (a superseding extract
changed its lines): what was published is a public record, so earlier versions are never rewritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opcc.config import PER_OPCC
from opcc.csv_safe import neutralise, safe_cell
from opcc.publications import names, state

if TYPE_CHECKING:
    from opcc.audit.compare import Checks
    from opcc.audit.results import CheckResult
    from opcc.engine.base import SqlSession

CANDIDATES_SQL = Path(__file__).with_name("candidates.sql")
REDACTED = names.REDACTED
SPEND, GRANTS, CONTRACTS, GIVING = "spend-over-500", "grants", "contracts", "360giving"
KINDS = (SPEND, GRANTS, CONTRACTS, GIVING)
GIVING_CHECKS = "threesixty"  # expectations/publications/threesixty/: the 360Giving checks

# LGA spend schema names where one exists (Purpose: the fund the spend is for; ExpenseType: the ledger's).
SPEND_COLUMNS = (
    ("OrganisationLabel", "organisation"), ("EffectiveDate", "effective_date"),
    ("OrganisationalUnit", "service_area"), ("BeneficiaryName", "beneficiary"), ("PaymentDate", "payment_date"),
    ("TransactionNumber", "transaction_number"), ("Amount", "amount"),
    ("IrrecoverableVATAmount", "irrecoverable_vat"), ("Purpose", "purpose"), ("ExpenseType", "expense_type"))
NARRATIVE_COLUMN = ("Narrative", "narrative")  # only with the setting publish_narrative
GRANT_COLUMNS = (
    ("Grant Programme", "programme"), ("Reference", "reference"), ("Date", "grant_date"),
    ("Recipient", "recipient"), ("Recipient Org:Identifier", "recipient_org_id"), ("Purpose", "purpose"),
    ("Conditions", "conditions"), ("Amount", "amount"))
# Para 4: value, parties (the contracting body and the supplier) and purpose; start, end and the document's link.
CONTRACT_COLUMNS = (
    ("Register", "section"), ("Reference", "reference"), ("Purpose", "purpose"),
    ("Agreement Type", "commitment_type"), ("Contracting Body", "organisation"), ("Supplier", "supplier"),
    ("Start Date", "start_date"), ("End Date", "end_date"), ("Annual Value", "annual_value"),
    ("Contract Value", "contract_value"), ("Contract Document", "contract_url"))
# The 360Giving spreadsheet's column titles (Data Standard 1.4).
GIVING_COLUMNS = (
    ("Identifier", "id"), ("Title", "title"), ("Description", "description"), ("Currency", "currency"),
    ("Amount Awarded", "amount_awarded"), ("Award Date", "award_date"),
    ("Recipient Org:Identifier", "recipient_org_id"), ("Recipient Org:Name", "recipient_name"),
    ("Funding Org:Identifier", "funding_org_id"), ("Funding Org:Name", "funding_org_name"),
    ("Grant Programme:Code", "programme_code"), ("Grant Programme:Title", "programme_title"),
    ("Beneficiary Location:Name", "location_name"), ("Beneficiary Location:Geographic Code", "location_code"),
    ("Beneficiary Location:Geographic Code Type", "location_code_type"),
    ("Last Modified", "date_modified"), ("Data Source", "data_source"))
NUMERIC = {"amount", "irrecoverable_vat", "amount_awarded", "annual_value", "contract_value"}
# Every relation of the published warehouse the candidates (candidates.sql, names.py) and their checks
# (expectations/publications/) read. With the night's parameters and the checks, their content decides every file
# and every verdict: a night whose inputs are the last night's computes nothing (tests/publications hold the list
# to what the SQL names).
INPUTS = ("marts.commitments", "marts.community_grant_awards", "marts.community_grant_fund",
          "marts.contracts_register", "marts.load_audit", "marts.spend_transactions", "reference.payees",
          "reference.pillars")


@dataclass
class MonthSummary:
    kind: str
    month: str
    items: int  # spend: transactions; grants: grants; contracts: contracts
    lines: int
    total: str  # Decimal as text
    lines_redacted: int
    files: list[str] = field(default_factory=list)  # relative to the publications folder
    written: bool = False  # a new version was written by this run
    detail: str = ""  # contracts: how many are over the threshold and how many at or below it


@dataclass
class PublicationsOutcome:
    released: bool  # False: a FAIL check blocked every publication
    message: str
    latest_month: str | None
    months: list[MonthSummary]
    written: list[str]  # files written this run, relative to the publications folder
    checks: list[CheckResult]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def publications_dir(settings: Any) -> Path:
    return Path(settings.data_dir) / "publications"


def _param_values(settings: Any, today: dt.date) -> list[Any]:
    first_open = today.replace(day=1)  # the month in progress is not complete: never published
    return [first_open, today, settings.publisher_prefix, settings.funding_org_id, settings.funding_org_name,
            settings.funding_org_name, settings.police_force_area_code, settings.police_force_area_name,
            settings.publications_url, settings.grant_conditions, settings.publish_narrative]


def _params(con: SqlSession, settings: Any, today: dt.date) -> None:
    con.execute(
        """CREATE TEMP TABLE pub_params AS SELECT
             CAST(? AS DATE) AS first_open_month, CAST(? AS DATE) AS today, ? AS prefix, ? AS funding_org_id,
             ? AS funding_org_name, ? AS organisation, ? AS area_code, ? AS area_name, ? AS data_source,
             ? AS grant_conditions, ? AS publish_narrative""",
        _param_values(settings, today))


def inputs_digest(con: Checks, settings: Any, today: dt.date, checks_dir: Path, unset: list[str]) -> str:
    """What decides the night's publications and checks, as one digest: the content of INPUTS, the parameters
    (but `today`, which only dates the files' Last Modified within the same first open month), the checks' files
    and the settings left unset. A few seconds at ten million lines, where computing the candidates takes most
    of a minute."""
    params = _param_values(settings, today)
    # `today` dates nothing published, and its one check (no 360Giving award in the future) that passed on an
    # earlier day passes on a later one: a night that was blocked saved no inputs, so it is computed again.
    params[1] = None
    digest = hashlib.sha256(json.dumps([[con.content_digest(r) for r in INPUTS], params, unset], default=str)
                            .encode())
    for path in sorted(checks_dir.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(checks_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def prepare(con: SqlSession, settings: Any, today: dt.date,
            unchanged: Iterable[tuple[str, str, str]] = ()) -> dict[tuple[str, str], str]:
    """The candidate publications as temp tables, redacted, with every cell of the selected months keyed for the
    redaction check: every month, but those whose (publication, month, digest) is in `unchanged` (written before,
    and the same rows now). Returns each publication's month digest."""
    _params(con, settings, today)
    names.prepare_redaction(con, settings.publish_narrative)
    con.execute(CANDIDATES_SQL.read_text(encoding="utf-8"))
    current = {(p, m): d for p, m, d in con.execute("SELECT publication, month, digest FROM pub_digests").fetchall()}
    same = [(p, m) for p, m, d in unchanged if current.get((p, m)) == d]
    for start in range(0, len(same), 500):
        batch = same[start:start + 500]
        marks = " OR ".join("(publication = ? AND month = ?)" for _ in batch)
        con.execute(f"DELETE FROM pub_selected WHERE {marks}", [v for pair in batch for v in pair])
    names.key_published_cells(con)
    return current


def _rows(con: SqlSession, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def csv_bytes(columns: tuple[tuple[str, str], ...], rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel then shows £ and accents intact), CRLF, formula-safe text cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(title) for title, _ in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(key), key in NUMERIC) for _, key in columns])
    return buf.getvalue().encode("utf-8-sig")


def giving_package(rows: list[dict[str, Any]], settings: Any, month: str) -> dict[str, Any]:
    """A 360Giving data package (Data Standard 1.4) of the month's grants."""
    grants = []
    for r in rows:
        grants.append({
            "id": r["id"],
            "title": r["title"],
            "description": r["description"],
            "currency": r["currency"],
            # JSON numbers: exact to the penny as written (Decimal -> float only at this last step).
            "amountAwarded": float(r["amount_awarded"]),
            # Full date-time: the schema's awardDate is oneOf(date-time format, date pattern), and validators that
            # do not check formats find a plain date valid under both, so reject it.
            "awardDate": f"{r['award_date'].isoformat()}T00:00:00+00:00",
            "recipientOrganization": [{"id": r["recipient_org_id"], "name": r["recipient_name"]}],
            "fundingOrganization": [{"id": r["funding_org_id"], "name": r["funding_org_name"]}],
            "grantProgramme": [{"code": r["programme_code"], "title": r["programme_title"]}],
            "beneficiaryLocation": [{"name": r["location_name"], "geoCode": r["location_code"],
                                     "geoCodeType": r["location_code_type"], "countryCode": "GB"}],
            "dateModified": r["date_modified"],
            "dataSource": r["data_source"],
        })
    return {
        "version": "1.4",
        "title": f"{settings.funding_org_name}: Community Grant Scheme grants, {month}",
        "grants": grants,
    }


def _latest(folder: Path, stem: str, ext: str) -> tuple[int, Path | None]:
    versions = []
    for path in folder.glob(f"{stem}-v*.{ext}"):
        number = path.name[len(stem) + 2:-len(ext) - 1]
        if number.isdigit():
            versions.append((int(number), path))
    return max(versions) if versions else (0, None)


def _write_version(root: Path, kind: str, month: str, ext: str, content: bytes) -> tuple[str, bool]:
    """The month's file, as a new version when its content changed; earlier versions stay untouched."""
    folder = root / kind / month
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}-{month}"
    number, latest = _latest(folder, stem, ext)
    if latest is not None and latest.read_bytes() == content:
        return str(latest.relative_to(root)), False
    target = folder / f"{stem}-v{number + 1}.{ext}"
    tmp = target.with_name("." + target.name + ".tmp")
    tmp.write_bytes(content)
    tmp.replace(target)  # whole or absent
    target.chmod(0o444)  # a public record: never rewritten
    return str(target.relative_to(root)), True


def generate(settings: Any, run_dir: Path | None = None, month: str | None = None,
             today: dt.date | None = None) -> PublicationsOutcome:
    """Check and write the publications from the published warehouse. `month` (YYYY-MM) limits the writing
    to that month; the checks always cover every month. Checks' Data Docs go to `run_dir/data_docs_publications`."""
    from opcc.audit.results import build_result
    from opcc.audit.runner import checks_on_published
    from opcc.audit.suites import load_checks, suite_descriptions, views_sql

    today = today or dt.date.today()
    root = publications_dir(settings)
    checks_dir = Path(settings.expectations_dir) / "publications"
    checks = load_checks(checks_dir)
    # 360Giving names the funder, its prefix, the police force area and the page: each OPCC's own settings, with
    # no default. Unset, its files are not written (and not checked); the rest are, and the message says why.
    unset = [name for name in PER_OPCC if getattr(settings, name, None) is None]
    if unset:
        checks = [c for c in checks if not c.check_id.startswith(f"{GIVING_CHECKS}.")]
    con = checks_on_published(settings)  # DuckDB or PostgreSQL: the same SQL runs on either
    if con is None:
        return PublicationsOutcome(False, "no published warehouse yet: nothing to publish", None, [], [], [])
    saved = state.load(settings.data_dir, root)
    known = saved.months  # the months written before, with their digests and summaries
    try:
        # A night limited to one month leaves others unwritten: its inputs do not stand for every month.
        inputs = inputs_digest(con, settings, today, checks_dir, unset) if month is None else None
        if saved.night is not None and saved.night["inputs"] == inputs:  # the same rows and verdicts as then
            return _as_last_night(saved, unset)
        digests = prepare(con, settings, today, [(p, m, entry["digest"]) for (p, m), entry in known.items()])
        if views := views_sql(checks_dir):
            con.execute(views)
        compared = {c.check_id: con.compare(c) for c in checks}
        with tempfile.TemporaryDirectory() as scratch:
            docs = Path(run_dir) / "data_docs_publications" if run_dir else Path(scratch) / "docs"
            outcomes = con.validate(checks, suite_descriptions(checks_dir), docs, compared)
        results = [build_result(c, compared[c.check_id], outcomes.get(c.check_id)) for c in checks]
        for r in results:
            r["id"] = f"publications.{r['id']}"
        fails = [r for r in results if r["status"] == "FAIL"]
        months = [m for (m,) in con.execute("SELECT month FROM pub_months ORDER BY 1").fetchall()]
        latest = months[-1] if months else None
        if fails:
            why = "; ".join(f"{r['id']} failed (expected {r['expected']}, actual {r['actual']})" for r in fails)
            return PublicationsOutcome(False, f"publications blocked: {why}", latest, [], [], results)
        summaries: list[MonthSummary] = []
        written: list[str] = []
        selected = {(p, m) for p, m in con.execute("SELECT publication, month FROM pub_selected").fetchall()}
        kept = {key: entry for key, entry in known.items() if key in digests}  # a month gone from the marts: dropped
        for m in months:
            kinds = [k for k in KINDS if (k, m) in digests and (k != GIVING or not unset)]
            render = [k for k in kinds if (k, m) in selected and (month is None or m == month)]
            made = {s.kind: s for s in _publish_month(con, settings, root, m, written, render)} if render else {}
            for k in kinds:
                if k in made:
                    kept[(k, m)] = {"digest": digests[(k, m)], "summary": asdict(made[k]) | {"written": False}}
                    summaries.append(made[k])
                elif (k, m) in known and (k, m) not in selected:  # unchanged since written: as it was
                    summaries.append(MonthSummary(**known[(k, m)]["summary"]))
        state.save(settings.data_dir, kept,
                   {"inputs": inputs, "latest_month": latest, "checks": results} if inputs else None)
    finally:
        con.close()
    message = f"{len(written)} publication file(s) written" if written else UNCHANGED
    return PublicationsOutcome(True, message + _unset_note(unset), latest, summaries, written, results)


UNCHANGED = "publications unchanged: nothing new"


def _unset_note(unset: list[str]) -> str:
    return (f"; 360Giving not written: opcc.toml does not set {', '.join(unset)} (your OPCC's own: `opcc init` "
            "lists them)") if unset else ""


def _as_last_night(saved: state.Saved, unset: list[str]) -> PublicationsOutcome:
    """The outcome of a night whose inputs are the last computing night's: its months as they were and its
    checks' verdicts (the same rows have the same verdicts), nothing written and nothing run again."""
    order = {kind: i for i, kind in enumerate(KINDS)}
    months = sorted(saved.months.items(), key=lambda item: (item[0][1], order.get(item[0][0], len(order))))
    summaries = [MonthSummary(**entry["summary"]) for _, entry in months]
    night = saved.night or {}
    return PublicationsOutcome(True, f"{UNCHANGED} (the same marts, reference and settings as the night that "
                               f"computed them)" + _unset_note(unset), night.get("latest_month"), summaries, [],
                               night.get("checks", []))


def _publish_month(con: SqlSession, settings: Any, root: Path, month: str, written: list[str],
                   kinds: Iterable[str] = KINDS) -> list[MonthSummary]:
    """The month's files of the publications `kinds`, each a new version where its content changed."""
    out = []
    kinds = set(kinds)

    def read(kind: str, sql: str) -> list[dict[str, Any]]:
        return _rows(con, sql, [month]) if kind in kinds else []

    spend = read(SPEND, "SELECT * FROM pub_spend WHERE month = ? ORDER BY payment_date, transaction_number, file_id, "
                        "sheet, line_number")
    grants = read(GRANTS, "SELECT * FROM pub_grants WHERE month = ? ORDER BY grant_date, programme, reference")
    giving_rows = read(GIVING, "SELECT * FROM pub_360 WHERE month = ? ORDER BY award_date, id")
    # Over £10,000 first, each individually; then the list of those of £10,000 or less.
    contracts = read(CONTRACTS, "SELECT * FROM pub_contracts WHERE month = ? ORDER BY over_threshold DESC, "
                                "start_date, reference")
    spend_columns = SPEND_COLUMNS + ((NARRATIVE_COLUMN,) if settings.publish_narrative else ())
    for kind, rows, cols, money in ((SPEND, spend, spend_columns, "amount"), (GRANTS, grants, GRANT_COLUMNS, "amount"),
                                    (CONTRACTS, contracts, CONTRACT_COLUMNS, "contract_value")):
        if not rows:
            continue
        path, new = _write_version(root, kind, month, "csv", csv_bytes(cols, rows))
        items = len({r["item_key"] for r in rows}) if kind == SPEND else len(rows)
        total = format(sum((r[money] for r in rows), Decimal(0)), "f")
        redacted = sum(1 for r in rows if r["redacted"])
        # Contracts: how many in each section of the register (rows come over the threshold first).
        detail = "; ".join(f"{section}: {n}" for section, n in Counter(r["section"] for r in rows).items()
                           ) if kind == CONTRACTS else ""
        out.append(MonthSummary(kind, month, items, len(rows), total, redacted, [path], new, detail))
        if new:
            written.append(path)
    if giving_rows:
        package = json.dumps(giving_package(giving_rows, settings, month), indent=2, ensure_ascii=False) + "\n"
        files, any_new = [], False
        for ext, content in (("json", package.encode("utf-8")), ("csv", csv_bytes(GIVING_COLUMNS, giving_rows))):
            path, new = _write_version(root, GIVING, month, ext, content)
            files.append(path)
            any_new = any_new or new
            if new:
                written.append(path)
        redacted = sum(1 for r in giving_rows if r["recipient_name"] == REDACTED)
        out.append(MonthSummary(GIVING, month, len(giving_rows), len(giving_rows),
                                format(sum((r["amount_awarded"] for r in giving_rows), Decimal(0)), "f"), redacted,
                                files, any_new))
    return out
