"""`make bench` at a small scale: every step runs and every figure comes out with its target; the side-by-side
(DuckDB against the local cluster) runs the same night on both and stops its cluster.

The figures themselves are measured by the benchmark, never asserted here (no timed unit tests)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).parents[2] / "benchmarks" / "bench.py"  # a development tool, not in the package


def _bench_steps() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("opcc_benchmarks_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return tuple(module.STEPS)

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
    # every step but the side-by-side, which brings a cluster up (the test below)
    steps = ",".join(s for s in _bench_steps() if s != "side_by_side")
    page = tmp_path / "performance-figures.md"
    proc = subprocess.run([sys.executable, str(BENCH), "--rows", "20000", "--day-rows", "500", "--steps", steps,
                           "--work-dir", str(tmp_path / "work"), "--json", str(out), "--docs", str(page)],
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
        # and so does the manual's page, dated, with the machine named
        assert row in page.read_text(encoding="utf-8")
    machine = json.loads(out.read_text())["machine"]
    assert f"Measured {machine['when'][:10]}" in page.read_text(encoding="utf-8")
    assert machine["cpu_model"] in page.read_text(encoding="utf-8")
    assert figures["nightly full run (20,000 lines)"]["peak_tree_rss"] > 0
    assert proc.returncode == (1 if any(f["verdict"] == "MISS" for f in figures.values()) else 0)


def _processes_using(folder: Path) -> list[str]:
    """Processes whose command line or working directory is under `folder` (a cluster's servers are)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "cwd"]):
        cmdline, cwd = " ".join(proc.info["cmdline"] or []), proc.info["cwd"] or ""
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(f"{proc.pid} {cmdline[:200]}")
    return found


def test_side_by_side_runs_the_same_night_on_duckdb_and_on_the_cluster_then_stops_it(outside_pytest_tmp: Path) -> None:
    out, work = outside_pytest_tmp / "bench.json", outside_pytest_tmp / "work"
    proc = subprocess.run([sys.executable, str(BENCH), "--side-by-side-only", "--side-rows", "20000",
                           "--work-dir", str(work), "--json", str(out)],
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    figures = {f["name"]: f for f in json.loads(out.read_text())["figures"]}
    duck = figures["DuckDB, opcc run: nightly 20,000 lines"]
    cluster = figures["PostgreSQL, 2 Celery workers: nightly 20,000 lines"]
    for night in (duck, cluster):
        assert night["returncode"] == 0 and night["value"] > 0, night
        # Airflow's own record of the night's steps, each of which ran
        assert all(night["extra"]["phases"][step] > 0 for step in ("ingest", "build", "audit", "publish")), night
        assert night["peak_tree_rss"] > 0 and night["extra"]["peak_tree_pss"] > 0
    # the cluster's memory counts its servers and workers, not only the `opcc run` that triggered the night
    assert cluster["extra"]["idle_rss"] > 0 and cluster["peak_tree_rss"] > cluster["extra"]["idle_rss"]
    assert cluster["peak_tree_rss"] > cluster["peak_proc_rss"]
    assert "PostgreSQL+Celery / DuckDB" in figures
    table = proc.stdout[proc.stdout.index("side by side: nightly 20,000 lines"):]
    assert "DuckDB, opcc run" in table and "PostgreSQL, 2 Celery workers" in table and "peak PSS, summed" in table
    assert _processes_using(work) == []  # the cluster it started is stopped
