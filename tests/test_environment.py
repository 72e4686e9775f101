"""Every environment variable the project reads is a field of opcc.environment.Environment, listed in the manual."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opcc.config import PROJECT_ROOT, load_settings
from opcc.environment import Environment, environment, variable

# A read of an OPCC_ variable: os.environ["OPCC_…"], os.environ.get("OPCC_…"), os.getenv("OPCC_…").
_READ = re.compile(r"""(environ\s*(\.get\s*\(|\[)|getenv\s*\()\s*["']OPCC_""")


def test_no_module_reads_an_opcc_variable_but_the_environment():
    readers = [str(path.relative_to(PROJECT_ROOT)) for folder in ("src", "dags")
               for path in sorted((PROJECT_ROOT / folder).rglob("*.py")) if _READ.search(path.read_text())]
    assert readers == []


def test_the_manual_lists_every_variable_with_its_meaning():
    page = (PROJECT_ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `(OPCC_[A-Z_]+)` \| (.+) \|$", page, flags=re.MULTILINE))
    assert listed == {variable(name): field.description for name, field in Environment.model_fields.items()}


def test_the_variables_are_read_typed_and_empty_counts_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("OPCC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPCC_WAREHOUSE_URL", "")
    monkeypatch.setenv("OPCC_BI_PASSWORD", "s3cret")
    monkeypatch.setenv("OPCC_DAG_WITHOUT_DEADLINE", "1")
    env = environment()
    assert env.data_dir == Path(tmp_path) and env.warehouse_url is None and env.dag_without_deadline is True
    assert env.bi_password is not None and env.bi_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(env)  # a secret never reaches a log through the object's text
    settings = load_settings()
    assert settings.data_dir == tmp_path.resolve() and not settings.on_postgres
    monkeypatch.setenv("OPCC_WAREHOUSE_URL", "postgresql://opcc@127.0.0.1:5432/opcc")
    assert load_settings().warehouse_url == "postgresql://opcc@127.0.0.1:5432/opcc"


def test_a_field_that_does_not_exist_has_no_variable():
    assert variable("worker_name") == "OPCC_WORKER_NAME"
    with pytest.raises(KeyError, match="not a field"):
        variable("workername")
