import sys
from pathlib import Path

# The audit tests' crafted raw + build databases (tests/audit/audit_fixture.py).
sys.path.insert(0, str(Path(__file__).parents[1] / "audit"))
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))  # smtp_sink: a local SMTP server
