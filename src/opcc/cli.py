"""`opcc`: the one command line for the warehouse."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from opcc.config import FEEDS, Settings, load_settings, offline_environment


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
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the nightly DAG once, through Airflow; exit non-zero unless it published."""
    from opcc.airflow_runner import RunInProgress, run_dag

    try:
        outcome = run_dag(settings, use_executor=args.use_executor, parallelism=args.parallelism)
    except RunInProgress as exc:
        print(f"opcc run: {exc}", file=sys.stderr)
        return 2
    width = max(len(t) for t in outcome.tasks) if outcome.tasks else 0
    print(f"\nDagRun {outcome.run_id}: {outcome.state.upper()}")
    for task_id, state in sorted(outcome.tasks.items()):
        print(f"  {task_id:<{width}}  {state}")
    print(f"warehouse: {settings.warehouse_db}")
    print(f"report:    {settings.reports_dir / 'index.html'}")
    if not outcome.ok:
        print(f"why:       {_why_not_published(settings)}")
    return 0 if outcome.ok else 1


def _why_not_published(settings: Settings) -> str:
    """Why the newest run did not publish (see pipeline.why_not_published)."""
    from opcc.pipeline import why_not_published

    runs = sorted(p for p in settings.reports_dir.glob("20*") if (p / "run.json").exists())
    if not runs:
        return f"the run stopped before it began; see {settings.airflow_home / 'logs'}"
    return why_not_published(runs[-1])


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Load files into the raw database without running the rest."""
    from opcc.ingest import ingest_feed, ingest_paths

    if args.paths:
        results = ingest_paths(settings, [Path(p).resolve() for p in args.paths], args.feed)
    else:
        feeds = [args.feed] if args.feed else list(FEEDS)
        results = [r for feed in feeds for r in ingest_feed(settings, feed)]
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
    """Publish an earlier warehouse version again."""
    from opcc.publish import list_versions, rollback

    if args.list:
        for v in list_versions(settings):
            print(v.name)
        return 0
    chosen = rollback(settings, args.version)
    print(f"rolled back: {settings.warehouse_db} is now {chosen.name}")
    return 0


def cmd_ui(settings: Settings, args: argparse.Namespace) -> int:
    """Start Airflow (scheduler, UI, DAG processor) for this data directory."""
    from opcc.airflow_runner import start_ui

    return start_ui(settings, args.port, args.host)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="opcc", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="data directory (default $OPCC_DATA_DIR or ./data)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("demo", help=cmd_demo.__doc__).set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help=cmd_run.__doc__)
    run.add_argument("--use-executor", action="store_true",
                     help="run tasks through the LocalExecutor as the scheduler would")
    run.add_argument("--parallelism", type=int, default=4)
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

    from opcc import synth

    sy = sub.add_parser("synth", help="generate realistic extracts at any scale (deterministic)")
    synth.add_arguments(sy)
    sy.set_defaults(func=lambda settings, args: synth.run(args))

    ui = sub.add_parser("ui", help=cmd_ui.__doc__)
    ui.add_argument("--port", type=int, default=8080)
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for other machines)")
    ui.set_defaults(func=cmd_ui)

    args = parser.parse_args(argv)
    settings = load_settings(args.data_dir)
    os.environ["OPCC_DATA_DIR"] = str(settings.data_dir)
    os.environ.update(offline_environment())  # whatever the caller's shell says: no telemetry
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
