"""The GX issue 11579 workaround runs only on the Great Expectations release it was written for."""

from __future__ import annotations

import great_expectations
import pytest
from audit_fixture import build_fixture

from opcc.audit import run_audit
from opcc.engine.duckdb_checks import UnsupportedGxVersion, _keep_duckdb_connection_persistent


def test_the_installed_gx_is_the_one_the_workaround_was_written_for() -> None:
    from great_expectations.execution_engine import (
        sqlalchemy_execution_engine as engine_module,
    )

    _keep_duckdb_connection_persistent()
    assert "duckdb" in [str(getattr(d, "value", d)) for d in engine_module._PERSISTED_CONNECTION_DIALECTS]


@pytest.mark.parametrize("version", ["1.25.0", "2.0.0", "1.2.4"])
def test_another_gx_version_is_refused_saying_why(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    monkeypatch.setattr(great_expectations, "__version__", version)
    with pytest.raises(UnsupportedGxVersion, match=rf"Great Expectations {version} is installed.*11579.*1\.24\.x"):
        _keep_duckdb_connection_persistent()


def test_on_another_gx_version_no_check_passes_and_each_says_why(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    fx = build_fixture(tmp_path)
    monkeypatch.setattr(great_expectations, "__version__", "1.25.0")
    checks = run_audit(fx.settings, fx.build_db, fx.run_dir)
    # A FAIL check fails (so nothing is published), a WARN check warns: none passes unchecked.
    assert checks and all(c["status"] == c["severity"] for c in checks)
    assert all("Great Expectations 1.25.0 is installed" in c["error"] for c in checks), checks[0]
