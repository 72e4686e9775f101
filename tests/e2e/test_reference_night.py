"""End to end, through the real stack: a night whose reference data fails its checks publishes nothing. The
warehouse BI reads stays byte-identical, the run fails with the file and row to fix, and the report and the
alert email say so. A good night before it records the reference version it used."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from smtp_sink import SmtpSink
from test_nightly_run import opcc

from opcc import run_record

pytestmark = pytest.mark.e2e

PROBLEM = ("funds.csv row 4, column funding_source_code = 'PCC': expected a ring-fenced funding source "
           "(ring_fenced = true in funding_sources): a ring-fenced fund's money comes from a ring-fenced grant, "
           "because ring_fenced = true; funding_sources.csv row 2 has ring_fenced = false")


def test_a_broken_reference_publishes_nothing_and_names_the_row_to_fix(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert opcc(data, "demo").returncode == 0
    good = opcc(data, "run")
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    first = run_record.read(run_record.latest_run(data / "reports"))
    assert first.reference is not None and first.reference["ok"] and first.reference["previous"] is None
    assert any(line.split()[:2] == ["check_reference", "success"] for line in good.stdout.splitlines())
    warehouse = data / "warehouse.duckdb"
    digest = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    marts = sorted((data / "marts").resolve().rglob("*"))

    # Finance moves the Victims Core Fund (ring-fenced) onto the PCC's own budget, which is not ring-fenced.
    funds = data / "reference" / "funds.csv"
    funds.write_text(funds.read_text(encoding="utf-8").replace("VCF,Victims Core Fund,Priority Commissioning,MOJ",
                                                              "VCF,Victims Core Fund,Priority Commissioning,PCC"))
    with (data / "opcc.toml").open("a", encoding="utf-8") as fh:
        fh.write('alert_email = "treasurer@opcc.test"\n')
    with SmtpSink() as smtp:
        bad = opcc(data, "run", AIRFLOW__SMTP__SMTP_HOST="127.0.0.1", AIRFLOW__SMTP__SMTP_PORT=str(smtp.port))
    assert bad.returncode == 1
    assert any(line.split()[:2] == ["check_reference", "failed"] for line in bad.stdout.splitlines())
    assert f"why:       not published: the reference data has 1 problem(s) to fix in {data / 'reference'}: " \
           f"{PROBLEM}" in bad.stdout
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == digest  # the last good warehouse stays
    assert sorted((data / "marts").resolve().rglob("*")) == marts

    record = run_record.read(run_record.latest_run(data / "reports"))
    assert record.dbt is None and record.publish is None or not record.publish.published
    assert record.reference is not None and record.reference["problems"] == [PROBLEM]
    assert [c["table"] for c in record.reference["changes"]] == ["funds"]  # what changed since the good night
    html = (data / "reports" / "index.html").read_text(encoding="utf-8")
    assert "FAILED at step: reference data" in html and PROBLEM.replace("'", "&#39;") in html
    [mail] = smtp.messages
    assert mail["To"] == "treasurer@opcc.test" and PROBLEM in mail.get_payload(decode=True).decode()
