"""Running dbt against a build database, offline, with the raw database attached read-only."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from opcc.config import PROJECT_ROOT, Settings, offline_environment
from opcc.faults import machine_fault_in
from opcc.plain_text import plain

# What a build's SQL, tests and docs follow from (dbt's own target/ and logs/ are outputs).
PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "snapshots")


@dataclass(frozen=True)
class DbtResult:
    ok: bool
    message: str
    failed_nodes: list[str]
    # (what happened, what to do) when dbt failed for a fault of the machine (a full disk), not of the data
    machine_fault: tuple[str, str] | None = None


def dbt_target_dir(settings: Settings) -> Path:
    """Where dbt writes its manifest, run results and docs."""
    return settings.data_dir / "dbt" / "target"


def dbt_env(settings: Settings, build_db: Path | str) -> dict[str, str]:
    """dbt's environment. `build_db` is the build as the engine names it (opcc.engine.base: the build's DuckDB
    file, or on PostgreSQL the suffix of the build's schemas; empty builds into the published schemas)."""
    from opcc.engine import engine_for

    env = dict(os.environ)
    env.update(offline_environment())
    env["OPCC_SCHEMA_SUFFIX"] = ""  # macros/generate_schema_name.sql; never one inherited from the shell
    env.update({
        "OPCC_REFERENCE_SEEDS": str(settings.reference_seeds_dir),  # opcc.reference.prepare writes it
        "DBT_LOG_PATH": str(settings.data_dir / "dbt" / "logs"),
        "DBT_TARGET_PATH": str(dbt_target_dir(settings)),
        "DBT_PROFILES_DIR": str(settings.dbt_project_dir),
        "DBT_PROJECT_DIR": str(settings.dbt_project_dir),
    })
    env.update(engine_for(settings).dbt_environment(str(build_db)))
    return env


def dbt_vars(settings: Settings) -> dict[str, object]:
    return {"recommissioning_window_months": settings.recommissioning_window_months,
            # as text, so the thresholds stay exact decimals in the SQL
            **{name: str(getattr(settings, name))
               for name in ("rag_red_overspend", "rag_amber_overspend", "rag_amber_underspend")}}


def project_fingerprint(settings: Settings) -> str:
    """A hash of everything a build's models, tests and docs follow from: the dbt project, the data directory's
    checked reference (as seeded), the vars and the dbt versions. Equal fingerprints mean the same SQL and the
    same tests."""
    from importlib.metadata import version

    from opcc.engine import engine_for

    adapter = engine_for(settings).dbt_adapter
    digest = hashlib.sha256(json.dumps([version("dbt-core"), adapter, version(adapter), dbt_vars(settings)]).encode())
    roots = [(settings.dbt_project_dir / name, PROJECT_ROOT) for name in PROJECT_INPUTS]
    roots.append((settings.reference_seeds_dir, settings.reference_seeds_dir.parent))
    for root, base in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_dbt(settings: Settings, build_db: Path | str, *args: str, env: dict[str, str] | None = None) -> DbtResult:
    """`dbt <args>` in a subprocess (dbt is not thread-safe and holds the build file while it runs). The data
    directory's reference is checked and written where dbt seeds it from first: a reference that fails its checks
    fails here, with its problems, before dbt starts."""
    from opcc.engine import engine_for
    from opcc.reference import ReferenceInvalid, prepare

    try:
        if args[0] != "debug":  # dbt debug only tries the connection
            prepare(settings)
    except ReferenceInvalid as exc:
        return DbtResult(False, f"dbt {args[0]} not run: {exc}", [])
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt) if dbt.exists() else "dbt", *args, "--vars", json.dumps(dbt_vars(settings)),
               "--target", engine_for(settings).dbt_target]
    proc = subprocess.run(command, env=dbt_env(settings, build_db) | (env or {}), cwd=settings.dbt_project_dir,
                          capture_output=True, text=True)
    stdout, stderr = plain(proc.stdout), plain(proc.stderr)
    # dbt writes its own log; keep the console output beside it for the run's log too.
    sys.stdout.write(stdout[-20000:])
    sys.stderr.write(stderr[-5000:])
    failed = _failed_nodes(dbt_target_dir(settings) / "run_results.json")
    if proc.returncode == 0:
        return DbtResult(True, f"dbt {args[0]} passed", [])
    tail = [line for line in stdout.splitlines() if "ERROR" in line or "FAIL" in line][-5:]
    message = f"dbt {args[0]} failed (exit {proc.returncode})" + (": " + " | ".join(tail) if tail else "")
    return DbtResult(False, message, failed, machine_fault_in(stdout + stderr))


def _failed_nodes(run_results: Path) -> list[str]:
    if not run_results.exists():
        return []
    data = json.loads(run_results.read_text())
    return [r["unique_id"] for r in data.get("results", []) if r.get("status") in ("error", "fail")]


def docs_generate(settings: Settings, build_db: Path | str, out_dir: Path, fingerprint: str) -> Path | None:
    """dbt's documentation site for this build, as one static page beside the report.

    The site shows the project and the relations' columns, no row counts, so a build from the same
    project gets the same site: it is generated once per project fingerprint and copied after that."""
    cache = settings.data_dir / "dbt" / "docs" / f"{fingerprint}.html"
    if not cache.exists():
        result = run_dbt(settings, build_db, "docs", "generate", "--static")
        static = dbt_target_dir(settings) / "static_index.html"
        if not result.ok or not static.exists():
            return None
        shutil.rmtree(cache.parent, ignore_errors=True)  # sites of earlier projects
        cache.parent.mkdir(parents=True)
        shutil.copyfile(static, cache)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    shutil.copyfile(cache, target)
    return target
