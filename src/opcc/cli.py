"""`opcc`: the one command line for the warehouse."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from opcc import run_outcome, run_record
from opcc.cli_errors import fault_line
from opcc.config import FEEDS, Settings, SettingsError, load_settings, offline_environment
from opcc.engine import engine_for
from opcc.environment import variable


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Copy the bundled Dorset 2018/19–2020/21 demo extracts into the landing area."""
    copied = 0
    for feed in FEEDS:
        src = settings.demo_dir / feed
        dst = settings.landing_dir / feed
        dst.mkdir(parents=True, exist_ok=True)
        for path in sorted(src.glob("*")):
            if path.is_file():
                shutil.copy2(path, dst / path.name)
                copied += 1
    print(f"demo: {copied} extracts copied into {settings.landing_dir}")
    from opcc.datadir import lay_demo

    for line in lay_demo(settings):  # the demo's reference and settings, where the data directory has none
        print(line)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Make a data directory: opcc.toml (every setting, commented), its reference data (blank, or the demo's with
    --demo) and the landing folders. Nothing that exists is overwritten."""
    from opcc.datadir import init

    try:
        done = init(args.dir, args.demo)
    except SettingsError as exc:  # an opcc.toml kept from before, with a mistake in it
        print(f"opcc: {exc}", file=sys.stderr)
        return 2
    for line in done:
        print(line)
    return 0


def cmd_check_reference(settings: Settings, args: argparse.Namespace) -> int:
    """Check the data directory's reference data: one line per problem, naming file, row, column, value and what
    was expected; exit 1 when there is any."""
    from opcc import reference

    checked = reference.check(settings)
    for name in checked.ignored:
        print(f"ignored: {name} (not a reference table)")
    for problem in checked.problems:
        print(problem)
    if checked.ok:
        from opcc.reference import history

        rows = sum(len(r) for r in checked.tables.values())
        print(f"reference data OK: {len(checked.tables)} tables, {rows} rows in {checked.folder}")
        seen = history.compare(settings.reference_history_dir, checked)
        if seen["previous"] is not None and seen["changed"]:  # what the next night will record as changed
            print(f"changed since the version in use ({seen['previous']}):")
            for change in seen["changes"]:
                print(f"  {history.describe_change(change)}")
        return 0
    print(f"{len(checked.problems)} problem(s) in {checked.folder}: a night with this reference publishes nothing",
          file=sys.stderr)
    return 1


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the nightly DAG once, through Airflow; exit non-zero unless it published."""
    from opcc.airflow_runner import RunInProgress, run_dag

    def show_log(log: Path) -> None:
        print(f"Airflow's log: {log}" + ("" if args.verbose else " (opcc run --verbose shows it here)"), flush=True)

    try:
        outcome = run_dag(settings, use_executor=args.use_executor, parallelism=args.parallelism,
                          echo_log=args.verbose, on_task=lambda line: print(line, flush=True), on_log=show_log)
    except RunInProgress as exc:
        print(f"opcc run: {exc}", file=sys.stderr)
        return 2
    reported = {line.task_id for line in outcome.lines}
    for task_id, state in outcome.tasks.items():  # tasks that never finished (the run stopped first)
        if task_id not in reported:
            print(f"{task_id:<24} {state or 'not run'}")
    print(f"\nDagRun {outcome.run_id}: {outcome.state.upper()}")
    print(f"warehouse: {engine_for(settings).location()}")
    this_run = run_record.latest_run(settings.reports_dir)
    print(f"report:    {settings.reports_dir / 'index.html'}"
          + (f" (this run: {this_run / 'index.html'})" if this_run is not None else ""))
    for notice in run_record.read_notices(this_run) if this_run is not None else []:
        print(f"notice:    {notice}")  # what the night found and mended before it began (a damaged warehouse...)
    if not outcome.ok:
        print(f"failed:    {', '.join(outcome.failed_tasks) or 'no task'}; the full log: {outcome.log}")
        unfinished = [t for t, state in outcome.tasks.items() if state == "running"]
        if outcome.state == "running" and unfinished:  # Airflow itself stopped: its own record is the last word
            print(f"why:       not published: the night stopped while {', '.join(unfinished)} ran, before Airflow "
                  f"could record its end{_low_space(settings)}; see the full log")
        else:
            print(f"why:       {_why_not_published(settings)}")
    return 0 if outcome.ok else 1


def _low_space(settings: Settings) -> str:
    """`; the disk ... has only N MB free: ...` when the data directory's disk is nearly full (Airflow's metadata
    database lives there), else nothing."""
    from opcc.preflight import SLACK_BYTES, free_space_line

    return free_space_line(settings, below=SLACK_BYTES)


def _why_not_published(settings: Settings) -> str:
    """Why the newest run did not publish (see run_outcome.explain)."""
    latest = run_record.latest_run(settings.reports_dir)
    if latest is None:
        return f"the run stopped before it began; see {settings.airflow_home / 'logs'}"
    outcome = run_outcome.explain(run_record.read(latest))
    if outcome.published and not outcome.publications_blocked:
        return f"{outcome.why}, but a later step failed"
    return outcome.why


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Load files into the raw database without running the rest."""
    from opcc.faults import MachineFault
    from opcc.ingest import ingest_feed, ingest_paths

    try:
        if args.paths:
            results = ingest_paths(settings, [Path(p).resolve() for p in args.paths], args.feed)
        else:
            feeds = [args.feed] if args.feed else list(FEEDS)
            results = [r for feed in feeds for r in ingest_feed(settings, feed)]
    except MachineFault as fault:  # a full disk...: the file stays where it is, said in one line
        for r in fault.done:
            print(r.line())  # type: ignore[attr-defined]
        print(f"opcc ingest: {fault}; the file stays where it is", file=sys.stderr)
        return 1
    for r in results:
        print(r.line())
    if not results:
        print(f"no files waiting in {settings.landing_dir}/<feed>/")
    return 1 if any(r.status == "rejected" for r in results) else 0


def cmd_inspect(settings: Settings, args: argparse.Namespace) -> int:
    """Show how a file would be read (encoding, header, column mapping, parsed lines), loading nothing."""
    from opcc.ingest.inspect import inspect_file

    code, report = inspect_file(settings, Path(args.file).resolve(), args.feed)
    print(report)
    return code


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> int:
    """Publish an earlier warehouse version again. Each is verified before it is switched to: a damaged one is
    skipped, or refused when named; nothing to roll back to is one line and exit 1."""
    from opcc.engine.base import WarehouseDamaged

    engine = engine_for(settings)
    try:
        if args.list:
            for version in engine.list_versions():
                print(version)
            return 0
        print(f"rolled back: {engine.rollback(args.version, on_skip=lambda line: print(f'opcc rollback: {line}'))}")
    except (FileNotFoundError, WarehouseDamaged) as exc:
        nothing = str(exc).startswith("no earlier versions")
        print(f"opcc rollback: {'nothing to roll back: ' if nothing else ''}{exc}", file=sys.stderr)
        return 1
    return 0


def cmd_requeue(settings: Settings, args: argparse.Namespace) -> int:
    """Put a file set aside in quarantine/ by mistake back in landing/, its rejection undone: it loads next run."""
    from opcc.ingest.requeue import CannotRequeue, requeue

    try:
        print(requeue(settings, args.file))
    except CannotRequeue as exc:
        print(f"opcc requeue: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_publications(settings: Settings, args: argparse.Namespace) -> int:
    """Regenerate the transparency publications from the published warehouse (a changed month gets a new version)."""
    from opcc.publications import generate, publications_dir

    outcome = generate(settings, month=args.month)
    for check in outcome.checks:
        if check["status"] != "PASS":
            print(f"{check['status']:4}  {check['id']}: expected {check['expected']}, actual {check['actual']}")
    for path in outcome.written:
        print(f"written: {publications_dir(settings) / path}")
    print(outcome.message)
    return 0 if outcome.released else 1


def cmd_bi_role(settings: Settings, args: argparse.Namespace) -> int:
    """Create or update the read-only LOGIN role BI tools use on the PostgreSQL warehouse (SELECT on the
    published schemas only); its password from $OPCC_BI_PASSWORD, else kept in the data directory."""
    from opcc.engine.base import NotOnThisEngine

    try:
        lines = engine_for(settings).bi_access(args.name, new_password=args.new_password)
    except NotOnThisEngine as exc:
        print(f"opcc bi-role: {exc} (BI opens warehouse.duckdb read-only); set warehouse_url for PostgreSQL",
              file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def cmd_ui(settings: Settings, args: argparse.Namespace) -> int:
    """Start Airflow (scheduler, UI, DAG processor) for this data directory."""
    from opcc.airflow_runner import start_ui

    if settings.airflow_database_url is not None:  # a standalone Airflow beside it would run the DAG twice
        print("opcc ui: this data directory uses a running Airflow (airflow_database_url in opcc.toml); use its UI "
              "(`opcc cluster status` shows the local cluster's)", file=sys.stderr)
        return 2
    return start_ui(settings, args.port, args.host)


def cmd_cluster(settings: Settings, args: argparse.Namespace) -> int:
    """Start, stop or show the local cluster: PostgreSQL, Redis, Airflow's API server, scheduler, DAG processor
    and two Celery workers, on loopback ports under $OPCC_DATA_DIR/cluster/."""
    from opcc.cluster.local import LocalCluster, bi_reader_url

    cluster = LocalCluster(settings)
    if args.action != "up" and not cluster.exists():
        print(f"no cluster in {cluster.folder}: `opcc cluster up` starts one")
        return 0
    if args.action == "down":
        cluster.down()
        print(f"cluster stopped; its data stays in {cluster.folder} for the next `opcc cluster up`")
        return 0
    if args.action == "up":
        cluster.up(warehouse=args.warehouse)
    parts = cluster.status()
    for part in parts:
        print(part)
    if args.action == "up":
        print(f"\nAirflow UI: {cluster.api_url} (admin; password in {cluster.folder / 'passwords.json'})")
        print(f"opcc.toml: {settings.data_dir / 'opcc.toml'} now points `opcc run` at this cluster"
              + (f"; warehouse {cluster.warehouse_url}" if args.warehouse == "postgres" else "; warehouse on DuckDB"))
        if args.warehouse == "postgres":
            print(f"BI (read-only): {bi_reader_url(load_settings(settings.data_dir))}")
    return 0 if all(p.running for p in parts) or args.action == "status" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="opcc", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="data directory (default $OPCC_DATA_DIR or ./data)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("demo", help=cmd_demo.__doc__).set_defaults(func=cmd_demo)

    init = sub.add_parser("init", help=cmd_init.__doc__)
    init.add_argument("dir", type=Path, help="the data directory to make (then export OPCC_DATA_DIR=DIR)")
    init.add_argument("--demo", action="store_true", help="start from the demo's reference data and settings")
    init.set_defaults(func=cmd_init)

    sub.add_parser("check-reference", help=cmd_check_reference.__doc__).set_defaults(func=cmd_check_reference)

    run = sub.add_parser("run", help=cmd_run.__doc__)
    run.add_argument("--use-executor", action="store_true",
                     help="run tasks through the LocalExecutor as the scheduler would")
    run.add_argument("--parallelism", type=int, default=4)
    run.add_argument("--verbose", action="store_true",
                     help="show Airflow's full log as it runs (it is always kept in a file)")
    run.set_defaults(func=cmd_run)

    ingest = sub.add_parser("ingest", help=cmd_ingest.__doc__)
    ingest.add_argument("--feed", choices=FEEDS)
    ingest.add_argument("paths", nargs="*", help="files to load (default: everything in landing/)")
    ingest.set_defaults(func=cmd_ingest)

    inspect = sub.add_parser("inspect", help=cmd_inspect.__doc__)
    inspect.add_argument("file", help="the extract to look at")
    inspect.add_argument("--feed", choices=FEEDS, help="the feed it is for (default: read from its header)")
    inspect.set_defaults(func=cmd_inspect)

    rb = sub.add_parser("rollback", help=cmd_rollback.__doc__)
    rb.add_argument("version", nargs="?", help="part of a version's name (default: the newest earlier one)")
    rb.add_argument("--list", action="store_true", help="list the versions kept")
    rb.set_defaults(func=cmd_rollback)

    rq = sub.add_parser("requeue", help=cmd_requeue.__doc__)
    rq.add_argument("file", help="the file in quarantine/<feed>/ (a path, or its name)")
    rq.set_defaults(func=cmd_requeue)

    bi = sub.add_parser("bi-role", help=cmd_bi_role.__doc__)
    bi.add_argument("--name", help="the role's name (default opcc_bi)")
    bi.add_argument("--new-password", action="store_true", help="replace the password kept for it")
    bi.set_defaults(func=cmd_bi_role)

    from opcc import synth

    sy = sub.add_parser("synth", help="generate realistic extracts at any scale (deterministic)")
    synth.add_arguments(sy)
    sy.set_defaults(func=lambda settings, args: synth.run(args))

    pubs = sub.add_parser("publications", help=cmd_publications.__doc__)
    pubs.add_argument("--month", help="only this month, YYYY-MM (default: every complete month)")
    pubs.set_defaults(func=cmd_publications)

    ui = sub.add_parser("ui", help=cmd_ui.__doc__)
    ui.add_argument("--port", type=int, default=8080)
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for other machines)")
    ui.set_defaults(func=cmd_ui)

    cl = sub.add_parser("cluster", help=cmd_cluster.__doc__)
    cl.add_argument("action", choices=("up", "down", "status"))
    cl.add_argument("--warehouse", choices=("postgres", "duckdb"), default="postgres",
                    help="where `opcc run` on the cluster builds the warehouse (default: the cluster's PostgreSQL)")
    cl.set_defaults(func=cmd_cluster)

    args = parser.parse_args(argv)
    if args.command == "init":  # its directory is the one to make: no settings to read yet
        return cmd_init(args)
    try:
        settings = load_settings(args.data_dir)
    except SettingsError as exc:  # a mistake in opcc.toml: one line saying what to fix, not a traceback
        print(f"opcc: {exc}", file=sys.stderr)
        return 2
    os.environ[variable("data_dir")] = str(settings.data_dir)
    os.environ.update(offline_environment())  # whatever the caller's shell says: no telemetry
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        code: int = args.func(settings, args)
    except Exception as exc:  # a full disk and other faults of the machine: one line saying what to do
        line = fault_line(exc, settings.data_dir)
        if line is None:
            raise
        print(f"opcc {args.command}: {line}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
