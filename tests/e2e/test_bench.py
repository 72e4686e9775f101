"""`make bench` at a small scale: every step runs and every figure comes out with its target.

The figures themselves are measured by the benchmark, never asserted here (no timed unit tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "benchmarks" / "bench.py"  # a development tool, not in the package

TARGETS = {
    "ingest / floor": "<= 1.30x",
    "nightly full run (20,000 lines)": "<= 90 s",
    "nightly full run peak RSS": "< 2 GiB",
    "incremental run (+500 lines)": "<= 20 s",
    "incremental / full": "<= 25%",
    "DAG parse, first (Airflow imported)": "< 1 s",
    "demo: opcc demo + opcc run": "<= 60 s",
}


def test_bench_measures_every_step_and_prints_each_target(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--rows", "20000", "--day-rows", "500",
                           "--work-dir", str(tmp_path / "work"), "--json", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]  # 1: a target missed
    figures = {f["name"]: f for f in json.loads(out.read_text())["figures"]}
    for name in ("floor: DuckDB read_csv (process)", "opcc ingest transactions", "idle night (no new files)",
                 *TARGETS):
        assert name in figures, f"{name} missing from {sorted(figures)}"
        assert figures[name]["verdict"] != "FAILED", figures[name]
        assert figures[name]["value"] is not None and figures[name]["value"] > 0, figures[name]
    for name, target in TARGETS.items():
        assert figures[name]["target"] == target
        assert figures[name]["verdict"] in ("PASS", "MISS")
        # the printed table carries the same figure, target and verdict
        row = next(line for line in proc.stdout.splitlines() if line.startswith(name))
        assert target in row and figures[name]["verdict"] in row
    assert figures["nightly full run (20,000 lines)"]["peak_tree_rss"] > 0
    assert proc.returncode == (1 if any(f["verdict"] == "MISS" for f in figures.values()) else 0)
