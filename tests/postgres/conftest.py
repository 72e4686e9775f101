import sys
from pathlib import Path

# duckdb_copy.py (this folder), audit_fixture.py (tests/audit: the crafted build, made once by dbt on DuckDB).
sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1] / "audit"),
                str(Path(__file__).parents[1] / "publications")]  # name_variants.py: names to redact
