"""The layers contract (.importlinter) holds on the code, and fails, naming the import, when a stage reaches past
the engine into PostgreSQL's implementation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the package `opcc` found in `package_parent`, with the project's contracts."""
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(lint), "--no-cache", str(ROOT / ".importlinter")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def with_import(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package in `tmp_path` whose `module` (a path under opcc/) ends with the import `line`."""
    shutil.copytree(ROOT / "src" / "opcc", tmp_path / "opcc", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "opcc" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_a_stage_importing_the_postgresql_implementation_breaks_the_contract(tmp_path: Path) -> None:
    result = lint_imports(with_import(tmp_path, "audit/runner.py", "from opcc.postgres.checks import PostgresChecks"))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "a stage asks the engine, never an engine's implementation or plumbing BROKEN" in result.stdout
    assert "opcc.audit.runner -> opcc.postgres.checks" in result.stdout
    assert "cli -> pipeline -> stages -> engine -> plumbing -> config KEPT" in result.stdout


def test_the_engine_importing_a_stage_breaks_the_layers(tmp_path: Path) -> None:
    result = lint_imports(with_import(tmp_path, "postgres/wap.py", "from opcc.audit.compare import Checks"))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "cli -> pipeline -> stages -> engine -> plumbing -> config BROKEN" in result.stdout
    assert "opcc.postgres is not allowed to import opcc.audit" in result.stdout


def test_the_engine_is_chosen_in_one_place() -> None:
    """`settings.on_postgres` is read by `opcc.engine.engine_for` only: every stage asks the engine it is given."""
    readers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py")
                     if ".on_postgres" in p.read_text(encoding="utf-8"))
    assert readers == ["src/opcc/engine/__init__.py"]


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "src").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}
