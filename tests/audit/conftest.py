import sys
from pathlib import Path

# audit_fixture.py (raw + build databases made by ingestion and dbt from crafted extracts) is shared with tests/report.
sys.path.insert(0, str(Path(__file__).parent))
