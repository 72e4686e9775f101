"""Test-wide environment: offline, and an Airflow home of the tests' own (never ~/airflow)."""

from __future__ import annotations

import os
import tempfile

_home = tempfile.mkdtemp(prefix="opcc-test-airflow-")
os.environ.setdefault("AIRFLOW_HOME", _home)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_home}/airflow.db")
for key, value in {"DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false",
                   "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}.items():
    os.environ.setdefault(key, value)
