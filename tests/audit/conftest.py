import sys
from pathlib import Path

# audit_fixture.py (the crafted-database builder) is shared with tests/report.
sys.path.insert(0, str(Path(__file__).parent))
