"""Every environment variable the project reads, as one typed object (pydantic-settings): each one's name, type
and meaning live here and nowhere else. docs/development.md lists them; tests/test_environment.py checks that the
list is whole and that no other module reads an `OPCC_` variable itself.

The variables the pipeline sets for the processes it starts (dbt's, from `opcc.engine.base.Engine.dbt_environment`)
are not read here: they are its own plumbing, never read from a user's shell.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "OPCC_"


class Environment(BaseSettings):
    """The environment as the project reads it. An empty variable counts as unset."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("data"), description="the data directory (default `./data`); `--data-dir` on the command line")
    warehouse_url: str | None = Field(
        default=None, description="`warehouse_url`, which wins over `opcc.toml`'s (a cluster, a secret store): "
                                  "PostgreSQL")
    bi_password: SecretStr | None = Field(
        default=None, description="the password `opcc bi-role` gives the BI role on PostgreSQL, instead of a "
                                  "generated one kept in `secrets/`")
    dag_without_deadline: bool = Field(
        default=False, description="set by `opcc run`: the DAG is parsed without its publish-by Deadline Alert, "
                                   "which `airflow dags test` cannot run")
    worker_name: str | None = Field(
        default=None, description="set by `opcc cluster` for each Celery worker it starts: the name Airflow "
                                  "records for the tasks it runs")

def environment() -> Environment:
    """The environment now (read again on each call: a test or `opcc` may have just set a variable)."""
    return Environment()


def variable(field: str) -> str:
    """The environment variable of `field`, for a process we start: `variable("worker_name")` is OPCC_WORKER_NAME."""
    if field not in Environment.model_fields:
        raise KeyError(f"{field}: not a field of opcc.environment.Environment")
    return PREFIX + field.upper()
