"""What the cluster's night tests watch in the PostgreSQL warehouse while Airflow runs: every mart's rows as one
fingerprint, a BI reader looping over the marts through a run, the published state a failed night must leave
alone, and the night's dbt build process (to kill it mid-build)."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import cursor

from opcc.postgres.dialect import BUILD_SCHEMAS

# One mart's rows, whatever its columns: how many and a digest of them all, in a stable order.
_ROWS = "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} AS t"

Fingerprint = dict[str, tuple[int, str]]  # mart -> (rows, md5 of the rows)


def tables(cur: cursor, schema: str) -> list[str]:
    """The tables and views of `schema` the connected role may see."""
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", (schema,))
    return [name for (name,) in cur.fetchall()]


def fingerprint(cur: cursor, schema: str = "marts") -> Fingerprint:
    marts: Fingerprint = {}
    for table in tables(cur, schema):
        cur.execute(sql.SQL(_ROWS).format(sql.Identifier(schema, table)))
        rows, digest = cur.fetchone()
        marts[table] = (int(rows), str(digest))
    return marts


def fingerprint_of(url: str, schema: str = "marts") -> Fingerprint:
    con = psycopg2.connect(url)
    try:
        with con, con.cursor() as cur:
            return fingerprint(cur, schema)
    finally:
        con.close()


def published_state(url: str) -> tuple[list[tuple[object, ...]], Fingerprint, list[tuple[object, ...]]]:
    """Every relation of the schemas publish renames, with its OID; every mart's rows; what publish recorded."""
    con = psycopg2.connect(url)
    try:
        with con, con.cursor() as cur:
            cur.execute("""SELECT n.nspname, c.relname, c.oid::bigint FROM pg_class c
                           JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = ANY(%s) ORDER BY 1, 2""", (list(BUILD_SCHEMAS),))
            relations = cur.fetchall()
            marts = fingerprint(cur)
            cur.execute("SELECT * FROM opcc_meta.published ORDER BY 1")
            return relations, marts, cur.fetchall()
    finally:
        con.close()


@dataclass
class InBackground:
    """Runs `_loop` in a daemon thread for the length of a `with` block; `_loop` ends once `_stop` is set."""

    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._loop, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)

    def _loop(self) -> None:
        raise NotImplementedError


@dataclass
class BiReader(InBackground):
    """A BI tool on the read-only role: reads every mart, each pass in one read-only REPEATABLE READ
    transaction (what one consistent dashboard refresh sees), until stopped. Records each pass and any error."""

    url: str
    passfile: Path
    passes: list[Fingerprint] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def _loop(self) -> None:
        try:
            con = psycopg2.connect(self.url, passfile=str(self.passfile))
        except psycopg2.Error as exc:
            self.errors.append(f"connect: {exc}")
            return
        con.set_session(isolation_level="REPEATABLE READ", readonly=True)
        try:
            while not self._stop.is_set():
                try:
                    with con, con.cursor() as cur:
                        self.passes.append(fingerprint(cur))
                except psycopg2.Error as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                time.sleep(0.2)  # a dashboard's refreshes have gaps; publish takes its locks in one
        finally:
            con.close()


def dbt_build_pids(data_dir: Path) -> list[int]:
    """The `dbt build` processes of the night running for `data_dir` (their dbt target path is under it), and
    no other session's."""
    target = f"DBT_TARGET_PATH={data_dir / 'dbt' / 'target'}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"build" not in argv or not any(os.path.basename(a) == b"dbt" for a in argv):
                continue
            if target in (proc / "environ").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except OSError:  # gone meanwhile
            continue
    return pids


@dataclass
class BuildKiller(InBackground):
    """Kills the night's dbt build (SIGKILL, as an OOM killer or a lost machine would) once it has built at
    least `after_marts` tables in marts__build: a build caught half way."""

    data_dir: Path
    warehouse_url: str
    after_marts: int = 3
    killed: list[tuple[int, int]] = field(default_factory=list)  # (pid, marts built when killed)

    def _built_marts(self) -> int:
        con = psycopg2.connect(self.warehouse_url)
        try:
            with con, con.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'marts__build'")
                return int(cur.fetchone()[0])
        finally:
            con.close()

    def _loop(self) -> None:
        while not self._stop.is_set() and not self.killed:
            pids = dbt_build_pids(self.data_dir)
            if pids and (built := self._built_marts()) >= self.after_marts:
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append((pid, built))
            time.sleep(0.2)
