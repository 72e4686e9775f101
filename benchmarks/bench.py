"""`make bench` (`python benchmarks/bench.py`): the warehouse's speed and memory on this machine, in one run.

A development tool, not part of the installed `opcc` package: it drives `opcc` from outside, as an operator would.

Measures, each step as a child process with its own fresh `OPCC_DATA_DIR` under the work directory:

- synth     `opcc synth` of N transaction lines (default 10,000,000) and of one new day (30,000);
- floor     DuckDB's own `CREATE TABLE t AS SELECT * FROM read_csv(file)` of that transactions file;
- ingest    `opcc ingest --feed transactions file` into a fresh raw database, and its ratio to the floor;
- nightly   the synth extracts landed, then `opcc run` (ingest, dbt, GX, publish, report via Airflow);
- incremental  one new day landed after that, then `opcc run` again; then once more with nothing new
            (the fixed cost of a night);
- dag_parse the nightly DAG file parsed into a DagBag in a process where Airflow is already imported
            (and the cold import of Airflow itself);
- demo      `opcc demo` then `opcc run` on the bundled demo extracts;
- side_by_side  the same night of M lines (default 1,000,000; `--side-rows`) on the default DuckDB path and on a
            fresh `opcc cluster up` (PostgreSQL warehouse and metadata, Redis, two Celery workers), which is
            stopped afterwards: wall time of `opcc run`, Airflow's duration of its ingest, build, audit,
            publish and publications tasks, and peak memory. `--side-by-side-only` runs just this.

Peak memory is the largest sum of RSS over the child's whole process tree (sampled with psutil every
0.1 s), with the largest single process (getrusage via wait4) beside it. On the cluster the work is done
by processes `opcc run` did not start: the sum there is over the client's tree and every cluster part's
(PostgreSQL and its backends, Redis, API server, scheduler, DAG processor, the workers and their task
processes). The side-by-side also sums PSS (shared pages split among the processes sharing them; RSS
counts PostgreSQL's shared buffers once per backend) and gives the idle cluster's memory before the night.
A step that fails is recorded with its exit code and the tail of its log, and the benchmark carries on.
Prints a table (figure, target, PASS/MISS), the side-by-side as columns, and writes JSON (default
`$OPCC_DATA_DIR/bench/bench.json`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from opcc.config import data_dir_from_env, offline_environment

GIB = 1 << 30
STEPS = ("synth", "floor", "ingest", "nightly", "incremental", "dag_parse", "demo", "side_by_side")
# The nightly DAG's steps the side-by-side times (task id, or prefix of several), from Airflow's task durations.
PHASES = (("ingest", "ingest_"), ("build", "build"), ("audit", "audit"), ("publish", "publish"),
          ("publications", "publications"))


# -- measuring a child process tree ---------------------------------------------------------------

@dataclass
class Measured:
    command: list[str]
    seconds: float
    returncode: int
    peak_tree_rss: int  # bytes, largest sampled sum over the process tree
    peak_proc_rss: int  # bytes, largest single process in the tree (ru_maxrss)
    log: str
    stdout_tail: str = ""
    peak_tree_pss: int | None = None  # bytes, largest sampled sum of PSS (when asked for)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _tree_memory(roots: Sequence[psutil.Process], pss: bool) -> tuple[int, int]:
    """RSS (and PSS, if asked) summed over each root and its descendants, each process once; processes that
    exit meanwhile count as 0. PSS shares a page among the processes mapping it: PostgreSQL's backends all map
    its shared buffers, which RSS counts once per backend."""
    procs: dict[int, psutil.Process] = {}
    for root in roots:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:  # the root itself has exited
            continue
        procs.update((p.pid, p) for p in tree)
    rss = proportional = 0
    for proc in procs.values():
        try:
            if pss:
                full = proc.memory_full_info()
                rss, proportional = rss + full.rss, proportional + full.pss
            else:
                rss += proc.memory_info().rss
        except psutil.Error:
            pass
    return rss, proportional


def measure(command: list[str], env: dict[str, str], log: Path, cwd: Path | None = None,
            interval: float = 0.1, also: Sequence[psutil.Process] = (), pss: bool = False) -> Measured:
    """Run `command`, timing it and sampling the RSS of its process tree until it exits. The trees of `also`
    (processes already running that do the work for it: a cluster's servers and workers) are summed in."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        peak = peak_pss = 0
        done = threading.Event()
        # Taken before the child can be reaped: psutil then refuses a reused pid rather than measure a stranger.
        root = psutil.Process(proc.pid)

        def sample() -> None:
            nonlocal peak, peak_pss
            while not done.is_set():
                rss, proportional = _tree_memory([root, *also], pss)
                peak, peak_pss = max(peak, rss), max(peak_pss, proportional)
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    max_proc = usage.ru_maxrss * 1024  # KiB on Linux
    return Measured(command, seconds, proc.returncode, max(peak, max_proc), max_proc, str(log),
                    "\n".join(text.rstrip().splitlines()[-15:]), peak_pss if pss else None)


# -- results --------------------------------------------------------------------------------------

@dataclass
class Figure:
    step: str
    name: str
    value: float | None
    unit: str
    target: str = ""
    passed: bool | None = None  # None: no target, or not measured
    peak_tree_rss: int | None = None
    peak_proc_rss: int | None = None
    returncode: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.returncode not in (None, 0):
            return "FAILED"
        if self.passed is None:
            return "-" if self.value is not None else "n/a"
        return "PASS" if self.passed else "MISS"


def _cpu_model() -> str:
    """The CPU's marketing name (psutil has none); lscpu reads it for us, as the table shows it."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10,
                             env=dict(os.environ, LC_ALL="C")).stdout
    except (OSError, subprocess.SubprocessError):
        return platform.machine()
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def machine() -> dict[str, Any]:
    import duckdb

    return {"cores": psutil.cpu_count(), "memory_bytes": psutil.virtual_memory().total, "cpu_model": _cpu_model(),
            "psutil": psutil.__version__, "python": platform.python_version(),
            "platform": platform.platform(), "duckdb": duckdb.__version__, "hostname": platform.node(),
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def _gib(n: int | None) -> str:
    return "-" if n is None else f"{n / GIB:.2f} GiB"


def print_table(info: dict[str, Any], figures: list[Figure], out=sys.stdout) -> None:
    print(f"\nmachine: {info['cores']} cores, {info['memory_bytes'] / GIB:.1f} GiB, {info['cpu_model']}"
          f" (Python {info['python']}, DuckDB {info['duckdb']})", file=out)
    rows = [("measurement", "value", "target", "result", "peak RSS tree", "peak RSS proc", "exit")]
    for f in figures:
        if f.value is None:
            value = "-"
        elif f.unit == "s":
            value = f"{f.value:.2f} s"
        elif f.unit == "x":
            value = f"{f.value:.2f}x"
        elif f.unit == "%":
            value = f"{f.value:.1f}%"
        elif f.unit == "GiB":
            value = f"{f.value:.2f} GiB"
        else:
            value = f"{f.value:,.0f} {f.unit}"
        rows.append((f.name, value, f.target or "-", f.verdict, _gib(f.peak_tree_rss), _gib(f.peak_proc_rss),
                     "-" if f.returncode is None else str(f.returncode)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        cells = (c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        print("  ".join(cells), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
    notes = [f for f in figures if f.note]
    if notes:
        print("", file=out)
        for f in notes:
            print(f"- {f.name}: {f.note}", file=out)


def print_side_by_side(figures: list[Figure], out=sys.stdout) -> None:
    """The side-by-side figures as columns, one per path: wall time, the steps, peak memory."""
    paths = [f for f in figures if "side_by_side" in f.extra]
    if not paths:
        return

    def secs(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f} s"

    names = [name for f in paths for name in f.extra.get("phases", {})]
    rows = [("", *(f.extra["side_by_side"] for f in paths)),
            ("wall time (opcc run)", *(secs(f.value) for f in paths)),
            *((name, *(secs(f.extra.get("phases", {}).get(name)) for f in paths)) for name in dict.fromkeys(names)),
            ("peak RSS, summed", *(_gib(f.peak_tree_rss) for f in paths)),
            ("peak PSS, summed", *(_gib(f.extra.get("peak_tree_pss")) for f in paths)),
            ("cluster idle before (RSS / PSS)",
             *(f"{_gib(f.extra['idle_rss'])} / {_gib(f.extra['idle_pss'])}" if "idle_rss" in f.extra else "-"
               for f in paths)),
            ("exit", *("-" if f.returncode is None else str(f.returncode) for f in paths))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"\nside by side: {paths[0].name.split(': ', 1)[-1]}", file=out)
    for n, r in enumerate(rows):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))),
              file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def figures_page(result: dict[str, Any]) -> str:
    """The manual's page of figures (docs/performance-figures.md) from a run's JSON: dated, the machine named, the
    tables as the benchmark printed them."""
    import io

    info = result["machine"]
    figures = [Figure(**{k: v for k, v in f.items() if k != "verdict"}) for f in result["figures"]]
    tables = io.StringIO()
    print_table(info, figures, tables)
    print_side_by_side(figures, tables)
    when = dt.datetime.fromisoformat(info["when"])
    steps = sorted({f.step for f in figures}, key=lambda s: STEPS.index(s) if s in STEPS else len(STEPS))
    return (f"# Performance figures\n\n"
            f"<!-- Written by `benchmarks/bench.py --docs` from its JSON (`--docs-from FILE` writes it again): "
            f"edit the benchmark, not this page. -->\n\n"
            f"Measured {when:%Y-%m-%d %H:%M} UTC on `{info['hostname']}`: {info['cores']} cores, "
            f"{info['memory_bytes'] / GIB:.1f} GiB, {info['cpu_model']}; {info['platform']}, Python "
            f"{info['python']}, DuckDB {info['duckdb']}. {result['rows']:,} ledger lines, a new day of "
            f"{result['day_rows']:,}; steps {', '.join(steps)}; the benchmark took {result['total_seconds']:.0f} s. "
            f"How each figure is measured, and what the targets mean: [Performance](performance.md).\n\n"
            f"```\n{tables.getvalue().strip()}\n```\n")


# -- the benchmark --------------------------------------------------------------------------------

class Bench:
    def __init__(self, work: Path, rows: int, day_rows: int, seed: int, steps: set[str],
                 side_rows: int = 1_000_000) -> None:
        self.work = work
        self.rows = rows
        self.side_rows = side_rows
        self.day_rows = day_rows
        self.seed = seed
        self.steps = steps
        self.figures: list[Figure] = []
        self.python = sys.executable
        from opcc.synth import HISTORY_END

        self.day = HISTORY_END + dt.timedelta(days=1)

    # paths
    @property
    def synth_dir(self) -> Path:
        return self.work / "synth"

    @property
    def day_dir(self) -> Path:
        return self.work / "synth-day"

    def env(self, data_dir: Path | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(offline_environment())
        if data_dir is not None:
            env["OPCC_DATA_DIR"] = str(data_dir)
        return env

    def opcc(self, data_dir: Path, *args: str) -> list[str]:
        return [self.python, "-m", "opcc.cli", "--data-dir", str(data_dir), *args]

    def log(self, name: str) -> Path:
        return self.work / "logs" / f"{name}.log"

    def add(self, fig: Figure) -> Figure:
        self.figures.append(fig)
        status = fig.verdict if fig.value is not None or fig.returncode else "skipped"
        shown = "-" if fig.value is None else f"{fig.value:.2f} {fig.unit}"
        print(f"[bench] {fig.name}: {shown} ({status})", flush=True)
        return fig

    def step(self, step: str, name: str, m: Measured, target: str = "", limit: float | None = None,
             note: str = "") -> Figure:
        fig = Figure(step, name, m.seconds, "s", target, None, m.peak_tree_rss, m.peak_proc_rss, m.returncode,
                     note, {"command": " ".join(m.command), "log": m.log})
        if not m.ok:
            fig.note = (note + "; " if note else "") + f"exit {m.returncode}, see {m.log}"
            fig.extra["log_tail"] = m.stdout_tail
        elif limit is not None:
            fig.passed = m.seconds <= limit
        return self.add(fig)

    def transactions_file(self) -> Path | None:
        files = sorted((self.synth_dir / "transactions").glob("*.csv"))
        return files[0] if files else None

    # steps
    def run_synth(self) -> None:
        shutil.rmtree(self.synth_dir, ignore_errors=True)
        shutil.rmtree(self.day_dir, ignore_errors=True)
        m = measure([self.python, "-m", "opcc.synth", "--rows", str(self.rows), "--out", str(self.synth_dir),
                     "--seed", str(self.seed)], self.env(), self.log("synth"))
        tx = self.transactions_file()
        size = tx.stat().st_size if tx else 0
        fig = self.step("synth", f"synth {self.rows:,} lines", m, "< 60 s", 60.0,
                        note=f"{size / 1e6:,.0f} MB transactions file" if tx else "")
        fig.extra["transactions_bytes"] = size
        m = measure([self.python, "-m", "opcc.synth", "--rows", str(self.day_rows), "--out", str(self.day_dir),
                     "--seed", str(self.seed), "--day", self.day.isoformat()], self.env(), self.log("synth-day"))
        self.step("synth", f"synth one day ({self.day_rows:,} lines)", m)

    def run_floor(self) -> Figure | None:
        tx = self.transactions_file()
        if tx is None:
            return self.add(Figure("floor", "floor: DuckDB read_csv", None, "s", note="no transactions file"))
        folder = self.work / "floor"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        script = (
            "import json, sys, time\n"
            "t0 = time.perf_counter()\n"
            "import duckdb\n"
            "con = duckdb.connect(sys.argv[2])\n"
            "t1 = time.perf_counter()\n"
            "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[1]])\n"
            "t2 = time.perf_counter()\n"
            "n = con.execute('SELECT count(*) FROM t').fetchone()[0]\n"
            "con.close()\n"
            "print(json.dumps({'import_s': t1 - t0, 'read_csv_s': t2 - t1, 'rows': n}))\n"
        )
        m = measure([self.python, "-c", script, str(tx), str(folder / "floor.duckdb")], self.env(), self.log("floor"))
        fig = self.step("floor", "floor: DuckDB read_csv (process)", m, note="")
        if m.ok:
            inner = json.loads(m.stdout_tail.splitlines()[-1])
            fig.extra.update(inner)
            fig.note = f"read_csv itself {inner['read_csv_s']:.2f} s for {inner['rows']:,} rows"
        shutil.rmtree(folder, ignore_errors=True)
        return fig

    def run_ingest(self, floor: Figure | None) -> None:
        tx = self.transactions_file()
        if tx is None:
            self.add(Figure("ingest", "opcc ingest transactions", None, "s", note="no transactions file"))
            return
        data = self.work / "ingest"
        shutil.rmtree(data, ignore_errors=True)
        # As at night: the file waits in landing/ and is moved, not copied, once loaded.
        landing = data / "landing" / "transactions"
        landing.mkdir(parents=True)
        try:
            os.link(tx, landing / tx.name)
        except OSError:
            shutil.copy2(tx, landing / tx.name)
        m = measure(self.opcc(data, "ingest", "--feed", "transactions"), self.env(data), self.log("ingest"))
        fig = self.step("ingest", "opcc ingest transactions", m)
        if m.stdout_tail:
            fig.extra["output"] = m.stdout_tail.splitlines()[-1]
        if m.ok and "LOADED" not in m.stdout_tail:
            fig.note = "did not report LOADED: " + m.stdout_tail.splitlines()[-1][:200]
        if floor is not None and floor.value and m.ok:
            ratio = m.seconds / floor.value
            self.add(Figure("ingest", "ingest / floor", ratio, "x", "<= 1.30x", ratio <= 1.30))
        shutil.rmtree(data, ignore_errors=True)

    def _land(self, source: Path, data: Path) -> int:
        """Put synth extracts in landing/<feed>/ (hard links where possible: landing is moved, not copied), with what
        `opcc demo` lays beside its extracts: the demo's reference data they are made on, and its publisher settings
        where opcc.toml has none (so that 360Giving is written and timed too)."""
        from opcc.config import load_settings
        from opcc.datadir import lay_demo

        data.mkdir(parents=True, exist_ok=True)
        lay_demo(load_settings(data))
        count = 0
        for feed_dir in sorted(p for p in source.iterdir() if p.is_dir()):
            target = data / "landing" / feed_dir.name
            target.mkdir(parents=True, exist_ok=True)
            for f in sorted(feed_dir.glob("*.csv")):
                dst = target / f.name
                try:
                    os.link(f, dst)
                except OSError:
                    shutil.copy2(f, dst)
                count += 1
        return count

    def run_nightly(self, incremental: bool) -> None:
        data = self.work / "nightly"
        shutil.rmtree(data, ignore_errors=True)
        if not (self.synth_dir / "transactions").is_dir():
            self.add(Figure("nightly", "nightly full run", None, "s", note="no synth extracts"))
            return
        self._land(self.synth_dir, data)
        m = measure(self.opcc(data, "run"), self.env(data), self.log("nightly-full"))
        full = self.step("nightly", f"nightly full run ({self.rows:,} lines)", m, "<= 90 s", 90.0)
        self.add(Figure("nightly", "nightly full run peak RSS", m.peak_tree_rss / GIB, "GiB", "< 2 GiB",
                        m.peak_tree_rss < 2 * GIB if m.ok else None, returncode=m.returncode))
        if not incremental:
            return
        if not (self.day_dir / "transactions").is_dir():
            self.add(Figure("incremental", "incremental run", None, "s", note="no day extract"))
            return
        self._land(self.day_dir, data)
        m = measure(self.opcc(data, "run"), self.env(data), self.log("nightly-incremental"))
        inc = self.step("incremental", f"incremental run (+{self.day_rows:,} lines)", m, "<= 20 s", 20.0)
        if m.ok and full.returncode == 0 and full.value:
            share = 100 * m.seconds / full.value
            self.add(Figure("incremental", "incremental / full", share, "%", "<= 25%", share <= 25))
        elif not m.ok or full.returncode:
            inc.note = (inc.note + "; " if inc.note else "") + "no ratio: a run failed"
        # The same history with nothing new: what any night costs before it has data to process.
        m = measure(self.opcc(data, "run"), self.env(data), self.log("nightly-idle"))
        self.step("incremental", "idle night (no new files)", m,
                  note="fixed cost: Airflow, dbt start and tests, GX import, publish")

    def run_dag_parse(self) -> None:
        data = self.work / "dagparse"
        shutil.rmtree(data, ignore_errors=True)
        from opcc.airflow_runner import airflow_env
        from opcc.config import load_settings

        settings = load_settings(data)
        settings.airflow_home.mkdir(parents=True, exist_ok=True)
        env = airflow_env(settings)
        script = (
            "import json, sys, time\n"
            "t0 = time.perf_counter()\n"
            "import airflow\n"
            "try:\n"
            "    from airflow.dag_processing.dagbag import DagBag\n"
            "except ImportError:\n"
            "    from airflow.models.dagbag import DagBag\n"
            "t1 = time.perf_counter()\n"
            "runs = []\n"
            "for _ in range(3):\n"
            "    s = time.perf_counter()\n"
            "    try:\n"
            "        bag = DagBag(dag_folder=sys.argv[1], include_examples=False)\n"
            "    except TypeError:  # Airflow 3.3's DagBag has no examples to leave out\n"
            "        bag = DagBag(dag_folder=sys.argv[1])\n"
            "    runs.append(time.perf_counter() - s)\n"
            "stats = [{'file': str(st.file), 'duration_s': st.duration.total_seconds(), 'dags': st.dag_num,\n"
            "          'tasks': st.task_num} for st in bag.dagbag_stats]\n"
            "errors = {k: v[:500] for k, v in bag.import_errors.items()}\n"
            "print(json.dumps({'import_s': t1 - t0, 'parse_s': runs, 'stats': stats,\n"
            "                  'dags': sorted(bag.dag_ids), 'errors': errors}))\n"
        )
        m = measure([self.python, "-c", script, str(settings.dags_dir)], env, self.log("dag-parse"))
        if not m.ok:
            self.step("dag_parse", "DAG file parse", m, "< 1 s")
            return
        info = json.loads(m.stdout_tail.splitlines()[-1])
        # The first DagBag pays for importing what the DAG file imports; later ones show a parse as
        # the DAG processor (which has those modules loaded) does it.
        first, warm = info["parse_s"][0], min(info["parse_s"][1:])
        per_file = max((s["duration_s"] for s in info["stats"]), default=None)
        note = f"dags {', '.join(info['dags']) or 'none'}"
        if info["errors"]:
            note += f"; import errors: {info['errors']}"
        ok = bool(info["dags"]) and not info["errors"]
        self.add(Figure("dag_parse", "Airflow cold import", info["import_s"], "s",
                        peak_tree_rss=m.peak_tree_rss, peak_proc_rss=m.peak_proc_rss, returncode=m.returncode))
        self.add(Figure("dag_parse", "DAG parse, first (Airflow imported)", first, "s", "< 1 s",
                        first < 1.0 and ok, note=note, extra=info))
        self.add(Figure("dag_parse", "DAG parse, warm (DagBag per-file)", per_file if per_file is not None else warm,
                        "s", "< 1 s", (warm < 1.0) and ok))
        shutil.rmtree(data, ignore_errors=True)

    def run_demo(self) -> None:
        data = self.work / "demo"
        shutil.rmtree(data, ignore_errors=True)
        m1 = measure(self.opcc(data, "demo"), self.env(data), self.log("demo-land"))
        if not m1.ok:
            self.step("demo", "demo: opcc demo", m1)
            return
        m2 = measure(self.opcc(data, "run"), self.env(data), self.log("demo-run"))
        combined = Measured(m2.command, m1.seconds + m2.seconds, m2.returncode,
                            max(m1.peak_tree_rss, m2.peak_tree_rss), max(m1.peak_proc_rss, m2.peak_proc_rss),
                            m2.log, m2.stdout_tail)
        self.step("demo", "demo: opcc demo + opcc run", combined, "<= 60 s", 60.0)

    def run(self) -> list[Figure]:
        want = self.steps.__contains__
        if want("synth"):
            self.run_synth()
        floor = self.run_floor() if want("floor") else None
        if want("ingest"):
            self.run_ingest(floor)
        if want("nightly") or want("incremental"):
            self.run_nightly(incremental=want("incremental"))
        if want("dag_parse"):
            self.run_dag_parse()
        if want("demo"):
            self.run_demo()
        if want("side_by_side"):
            self.run_side_by_side()
        return self.figures

    # -- the same night on DuckDB and on the local cluster (PostgreSQL, two Celery workers) ---------------
    def _side_extracts(self) -> Path | None:
        """The side-by-side's extracts: the main synth's when it has that many lines, else a synth of its own."""
        if self.rows == self.side_rows and (self.synth_dir / "transactions").is_dir():
            return self.synth_dir
        folder = self.work / "synth-side"
        shutil.rmtree(folder, ignore_errors=True)
        m = measure([self.python, "-m", "opcc.synth", "--rows", str(self.side_rows), "--out", str(folder),
                     "--seed", str(self.seed)], self.env(), self.log("synth-side"))
        if not m.ok:
            self.step("side_by_side", f"synth {self.side_rows:,} lines (side-by-side)", m)
            return None
        return folder

    def _side_env(self, data: Path) -> dict[str, str]:
        env = self.env(data)
        env.pop("OPCC_WAREHOUSE_URL", None)  # it would win over each data directory's own opcc.toml
        return env

    def run_side_by_side(self) -> None:
        source = self._side_extracts()
        if source is None:
            return
        duck = self.work / "side-duckdb"
        shutil.rmtree(duck, ignore_errors=True)
        self._land(source, duck)
        m = measure(self.opcc(duck, "run"), self._side_env(duck), self.log("side-duckdb"), interval=0.25, pss=True)
        ducked = self._side_figure("DuckDB, opcc run", duck, m)
        pg = self._side_on_cluster(source)
        if pg is not None and pg.returncode == 0 and ducked.returncode == 0 and ducked.value and pg.value:
            self.add(Figure("side_by_side", "PostgreSQL+Celery / DuckDB", pg.value / ducked.value, "x"))

    def _side_on_cluster(self, source: Path) -> Figure | None:
        from opcc.cluster.local import LocalCluster
        from opcc.config import load_settings

        data = self.work / "side-postgres"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        env = self._side_env(data)
        up = measure(self.opcc(data, "cluster", "up"), env, self.log("side-cluster-up"))
        try:
            self.step("side_by_side", "opcc cluster up (fresh)", up,
                      note="PostgreSQL initdb, Airflow db migrate, API server, scheduler, DAG processor, 2 workers")
            if not up.ok:
                return None
            self._land(source, data)
            # Every process of the cluster, sampled with the client's: their descendants (PostgreSQL's backends,
            # Celery's pool and task processes, dbt) come and go with the work.
            cluster = LocalCluster(load_settings(data))
            parts = [psutil.Process(p.pid) for p in cluster.status() if p.pid is not None]
            idle = []  # what the cluster holds before the night starts
            for _ in range(5):
                idle.append(_tree_memory(parts, pss=True))
                time.sleep(0.5)
            m = measure(self.opcc(data, "run"), env, self.log("side-postgres"), interval=0.25, also=parts,
                        pss=True)
            return self._side_figure("PostgreSQL, 2 Celery workers", data, m,
                                     idle=(max(r for r, _ in idle), max(p for _, p in idle)))
        finally:
            if (data / "cluster" / "cluster.json").exists():
                LocalCluster(load_settings(data)).down()

    def _side_figure(self, label: str, data: Path, m: Measured, idle: tuple[int, int] | None = None) -> Figure:
        fig = self.step("side_by_side", f"{label}: nightly {self.side_rows:,} lines", m)
        fig.extra["side_by_side"] = label
        fig.extra["peak_tree_pss"] = m.peak_tree_pss
        if idle is not None:
            fig.extra["idle_rss"], fig.extra["idle_pss"] = idle
        phases = task_seconds(data)
        if phases and fig.value is not None:
            # Starting Airflow and the tasks' processes, scheduling, queueing: the night's wall time outside its tasks.
            phases["outside tasks"] = fig.value - sum(phases.values())
        fig.extra["phases"] = phases
        if phases:
            fig.note = "; ".join(f"{k} {v:.1f} s" for k, v in phases.items()) + (f"; {fig.note}" if fig.note else "")
        return fig


def task_seconds(data: Path) -> dict[str, float]:
    """How long the steps of the data directory's latest DagRun took, as Airflow recorded each task (its
    `duration`): the ingest tasks summed, then build, audit, publish, publications, and the other tasks together."""
    from opcc.airflow_runner import DAG_ID, latest_dag_run
    from opcc.config import load_settings
    from opcc.run_progress import metadata_rows

    settings = load_settings(data)
    run = latest_dag_run(settings)
    if run is None:
        return {}
    rows = metadata_rows(settings, "SELECT task_id, duration FROM task_instance WHERE dag_id = ? AND run_id = ?",
                         (DAG_ID, run.run_id))
    if not rows:
        return {}
    durations = {task_id: float(duration or 0) for task_id, duration in rows}
    out = {name: sum(v for t, v in durations.items() if t == prefix or (prefix.endswith("_") and t.startswith(prefix)))
           for name, prefix in PHASES}
    out["other tasks"] = sum(durations.values()) - sum(out.values())
    return out


def main(argv: list[str] | None = None) -> int:
    bench_dir = data_dir_from_env() / "bench"
    parser = argparse.ArgumentParser(prog="benchmarks/bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="transaction lines (default 10,000,000)")
    parser.add_argument("--day-rows", type=int, default=30_000, help="lines of the new day (default 30,000)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--work-dir", type=Path, default=bench_dir / "work",
                        help=f"scratch directory, emptied first (default {bench_dir / 'work'})")
    parser.add_argument("--json", type=Path, default=bench_dir / "bench.json", help="where to write the results")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help=f"comma-separated subset of {','.join(STEPS)} (default: all; floor and ingest "
                             "reuse the synth files already in the work dir when synth is left out)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory afterwards")
    parser.add_argument("--side-rows", type=int, default=1_000_000,
                        help="transaction lines of the side-by-side night, DuckDB against PostgreSQL with two "
                             "Celery workers (default 1,000,000)")
    parser.add_argument("--side-by-side-only", action="store_true",
                        help="run only the side-by-side (same as --steps side_by_side)")
    parser.add_argument("--docs", type=Path, default=None,
                        help="also write the figures as the manual's page (docs/performance-figures.md)")
    parser.add_argument("--docs-from", type=Path, default=None, metavar="JSON",
                        help="measure nothing: write --docs (default docs/performance-figures.md) from a run's JSON")
    args = parser.parse_args(argv)
    if args.docs_from is not None:
        page = args.docs or Path(__file__).resolve().parents[1] / "docs" / "performance-figures.md"
        page.write_text(figures_page(json.loads(args.docs_from.read_text(encoding="utf-8"))), encoding="utf-8")
        print(f"written: {page}")
        return 0
    steps = {s.strip() for s in ("side_by_side" if args.side_by_side_only else args.steps).split(",") if s.strip()}
    unknown = steps - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    work = args.work_dir.resolve()
    if "synth" in steps:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    os.environ.update(offline_environment())

    info = machine()
    print(f"[bench] work dir {work}; {args.rows:,} lines (side-by-side {args.side_rows:,}); "
          f"steps {', '.join(s for s in STEPS if s in steps)}", flush=True)
    started = time.perf_counter()
    bench = Bench(work, args.rows, args.day_rows, args.seed, steps, args.side_rows)
    try:
        figures = bench.run()
    finally:
        total = time.perf_counter() - started
    print_table(info, figures)
    print_side_by_side(figures)
    result = {"machine": info, "rows": args.rows, "day_rows": args.day_rows, "side_rows": args.side_rows,
              "seed": args.seed,
              "total_seconds": total, "work_dir": str(work),
              "figures": [asdict(f) | {"verdict": f.verdict} for f in figures]}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {args.json} (benchmark took {total:.0f} s)")
    if args.docs is not None:
        args.docs.write_text(figures_page(json.loads(args.json.read_text(encoding="utf-8"))), encoding="utf-8")
        print(f"figures page: {args.docs}")
    if not args.keep and "synth" in steps:
        for sub in ("synth", "synth-day", "nightly", "demo"):
            shutil.rmtree(work / sub, ignore_errors=True)
    if not args.keep:  # the side-by-side makes its own extracts, so they go whatever the steps
        for sub in ("synth-side", "side-duckdb", "side-postgres"):
            shutil.rmtree(work / sub, ignore_errors=True)
    return 0 if all(f.verdict in ("PASS", "-", "n/a") for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
