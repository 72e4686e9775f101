import sys
from pathlib import Path

# The crafted-database builder lives with the audit tests.
sys.path.insert(0, str(Path(__file__).parents[1] / "audit"))
sys.path.insert(0, str(Path(__file__).parent))
