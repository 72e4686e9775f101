import sys
from pathlib import Path

# warehouse_watch.py (this folder) and tests/postgres' mart comparison (marts_compare: both engines' marts
# read the same way), reused by the cluster's nights rather than copied.
sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1] / "postgres")]
