import csv
import datetime as dt
from decimal import Decimal

from opcc.csv_safe import neutralise, safe_cell, write_csv, write_dicts


def read(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_formula_supplier_comes_out_as_text(tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        ["supplier", "amount", "reference", "note"],
        [['=HYPERLINK("http://x","y")', Decimal("-1250.00"), "-1250.00", "+44 1202 000000"],
         ["@SUM(A1:A2)", -3, "\tTabbed", "\rReturn"],
         ["Victim Support", 1.5, "-REF", "plain"]],
        numeric_columns=["amount"],
    )
    rows = read(path)
    assert rows[0] == ["supplier", "amount", "reference", "note"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\",\"y\")", "-1250.00", "'-1250.00", "'+44 1202 000000"]
    assert rows[2] == ["'@SUM(A1:A2)", "-3", "'\tTabbed", "'\rReturn"]
    assert rows[3] == ["Victim Support", "1.5", "'-REF", "plain"]


def test_numeric_strings_in_numeric_columns_stay_numbers(tmp_path):
    path = write_dicts(tmp_path / "y.csv",
                       [{"amount": "-1250.00", "name": "-1250.00"}, {"amount": "-£5", "name": "ok"}],
                       numeric_columns={"amount"})
    rows = read(path)
    assert rows[1] == ["-1250.00", "'-1250.00"]
    # Not a plain number, so treated as text even in a numeric column.
    assert rows[2] == ["'-£5", "ok"]


def test_cells():
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(Decimal("-0.50")) == "-0.50"
    assert safe_cell(dt.date(2019, 4, 1)) == "2019-04-01"
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("Dorset") == "Dorset"


def test_package_imports_without_great_expectations():
    """DAG files import opcc: Great Expectations (5 s to import) must load only inside run_audit."""
    import subprocess
    import sys

    code = "import sys, opcc.audit, opcc.report, opcc.csv_safe; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
