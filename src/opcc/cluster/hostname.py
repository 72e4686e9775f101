"""The hostname Airflow records for a task instance (`[core] hostname_callable`).

Two Celery workers on one machine would both record that machine's name; a worker started with
OPCC_WORKER_NAME records that name instead, so the metadata database shows which worker ran each task.
Anywhere else (a worker per machine) it is the machine's name, as Airflow's default gives.
"""

from __future__ import annotations

import socket

from opcc.environment import environment


def hostname() -> str:
    return environment().worker_name or socket.getfqdn()
