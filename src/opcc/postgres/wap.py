"""Write-audit-publish on PostgreSQL: a night builds into `<schema>__build`, publishing renames schemas.

Every schema dbt builds (dialect.BUILD_SCHEMAS: the published marts, reference, snapshots and the pipeline's
staging and intermediate views) is built as `<schema>__build`. `publish` then, in ONE transaction, renames
each published `<schema>` to `<schema>__v<its version>` and each `<schema>__build` to `<schema>`. Views bind
to their relations by OID, so views renamed together keep pointing into the same version.

A reader sees the old marts or the new ones, never a mix, within a transaction: renaming a schema takes no
lock on its tables, so publish first takes ACCESS EXCLUSIVE locks on every published table. It gets them
only once no reader transaction holds one, and a reader that asks after that waits for the commit and then
finds the new tables (PostgreSQL looks a name up again after waiting for its lock). Publish waits for each
lock at most LOCK_TIMEOUT, below PostgreSQL's deadlock_timeout (1 s), then starts again: a reader is never
picked as a deadlock victim, it only waits that long.

The last `keep_versions` earlier versions stay (`rollback` publishes one again the same way);
opcc_meta.published records each publish. A night whose checks FAIL never calls `publish`: only the
`__build` schemas were touched.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from psycopg2 import errors, sql

from opcc.config import PUBLISHED_SCHEMAS, Settings
from opcc.postgres import roles
from opcc.postgres.connect import address, connect
from opcc.postgres.dialect import BUILD_SCHEMAS, BUILD_SUFFIX

if TYPE_CHECKING:
    from psycopg2.extensions import cursor

META_SCHEMA = "opcc_meta"
# Published schemas whose tables the next build starts from, so dbt snapshots carry their history on.
# Incremental marts are not carried: dbt-postgres would refuse them (their contract's `varchar` columns against
# the `text` its incremental query gives: "source and target schemas ... out of sync"), so each night builds
# them whole. Same rows, more work.
CARRIED_SCHEMAS = ("snapshots",)
_VERSIONED = re.compile(r"^(?P<schema>.+)__v(?P<version>\d+)$")
# prepare_build, publish and rollback one at a time (a retried task beside a slow one).
_LOCK_KEY = "opcc.wap"
# Below deadlock_timeout (1 s): publish gives way rather than a reader being cancelled.
LOCK_TIMEOUT = "200ms"
# How long publish keeps trying for its locks while readers hold the published tables.
PUBLISH_WAIT_SECONDS = 600.0

T = TypeVar("T")


def _ident(*parts: str) -> sql.Composable:
    return sql.SQL(".").join(sql.Identifier(p) for p in parts)


def _ensure_meta(cur: cursor) -> None:
    cur.execute(f"""
        CREATE SCHEMA IF NOT EXISTS {META_SCHEMA};
        CREATE SEQUENCE IF NOT EXISTS {META_SCHEMA}.version_numbers;
        CREATE TABLE IF NOT EXISTS {META_SCHEMA}.published (
            id bigserial PRIMARY KEY,
            version bigint NOT NULL,
            project_fingerprint text,
            published_at timestamptz NOT NULL DEFAULT now()
        )""")


def _schemas(cur: cursor) -> set[str]:
    cur.execute("SELECT nspname FROM pg_namespace")
    return {name for (name,) in cur.fetchall()}


def _tables(cur: cursor, schema: str) -> list[str]:
    cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'm') ORDER BY 1""", (schema,))
    return [name for (name,) in cur.fetchall()]


def _earlier_versions(existing: set[str]) -> dict[int, list[str]]:
    """Kept versions and their schemas (`<schema>__v<n>`), newest first: the catalog is the record."""
    versions: dict[int, list[str]] = {}
    for name in existing:
        if (m := _VERSIONED.match(name)) is not None:
            versions.setdefault(int(m["version"]), []).append(name)
    return dict(sorted(versions.items(), reverse=True))


def _current_version(cur: cursor) -> int | None:
    info = _published_row(cur)
    return None if info is None else int(info[0])


def _published_row(cur: cursor) -> tuple[int, str | None, dt.datetime] | None:
    """The last publish recorded (version, project_fingerprint, published_at); None before the first."""
    cur.execute(f"SELECT to_regclass('{META_SCHEMA}.published') IS NOT NULL")
    if not cur.fetchone()[0]:
        return None
    cur.execute(f"""SELECT version, project_fingerprint, published_at FROM {META_SCHEMA}.published
                    ORDER BY id DESC LIMIT 1""")
    row = cur.fetchone()
    return None if row is None else (int(row[0]), row[1], row[2])


def _next_version(cur: cursor) -> int:
    cur.execute(f"SELECT nextval('{META_SCHEMA}.version_numbers')")
    return int(cur.fetchone()[0])


def _read(settings: Settings, work: Callable[[cursor], T]) -> T:
    """Run `work` in a read-only transaction of its own (no WAP lock: it sees the last committed publish)."""
    con = connect(settings)
    try:
        con.set_session(readonly=True)
        with con, con.cursor() as cur:
            return work(cur)
    finally:
        con.close()


def _in_transaction(settings: Settings, work: Callable[[cursor], T], *, retry_locks: bool = False) -> T:
    """Run `work` in one transaction that holds the WAP lock. With `retry_locks`, table locks wait at most
    LOCK_TIMEOUT and the whole transaction starts again (for up to PUBLISH_WAIT_SECONDS) when one times out."""
    deadline = time.monotonic() + PUBLISH_WAIT_SECONDS
    while True:
        con = connect(settings)
        try:
            with con, con.cursor() as cur:  # committed on leaving, rolled back on an error
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
                _ensure_meta(cur)
                if retry_locks:
                    cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                return work(cur)
        except (errors.LockNotAvailable, errors.DeadlockDetected):
            if not retry_locks or time.monotonic() > deadline:
                raise
        finally:
            con.close()
        time.sleep(random.uniform(0.05, 0.5))  # let the readers in the way finish


# -- the build --------------------------------------------------------------------------------------

def prepare_build(settings: Settings) -> str:
    """Empty `<schema>__build` schemas for tonight's dbt build (any left by a killed run are dropped), the
    published snapshots' tables copied in so their history carries on. Published schemas are only read.
    Returns the schema suffix dbt builds with."""

    def prepare(cur: cursor) -> str:
        existing = _schemas(cur)
        for leftover in sorted(s + BUILD_SUFFIX for s in BUILD_SCHEMAS if s + BUILD_SUFFIX in existing):
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(_ident(leftover)))
        for schema in BUILD_SCHEMAS:
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(_ident(schema + BUILD_SUFFIX)))
        # Tables dbt creates in the published-to-be schemas are readable by BI once they are published.
        roles.default_read(cur, [s + BUILD_SUFFIX for s in PUBLISHED_SCHEMAS])
        for schema in (s for s in CARRIED_SCHEMAS if s in existing):
            for table in _tables(cur, schema):
                build, published = _ident(schema + BUILD_SUFFIX, table), _ident(schema, table)
                cur.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(build, published))
                cur.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(build, published))
        return BUILD_SUFFIX

    return _in_transaction(settings, prepare)


# -- publishing ------------------------------------------------------------------------------------

def _swap(cur: cursor, incoming: dict[str, str], version: int, fingerprint: str | None, keep: int) -> None:
    """Publish the schemas `incoming` ({published name: schema now holding it}) as `version`: every
    published schema goes aside as `<schema>__v<its version>` first. In the caller's transaction."""
    existing = _schemas(cur)
    published = sorted(s for s in {*BUILD_SCHEMAS, *incoming} if s in existing)
    old = _current_version(cur)
    if published and old is None:  # published before versions were recorded here
        old = _next_version(cur)
    tables = [_ident(s, t) for s in PUBLISHED_SCHEMAS if s in existing for t in _tables(cur, s)]
    if tables:  # wait for readers of the published tables; later readers wait for the commit
        cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.SQL(", ").join(tables)))
    aside = [f"{s}__v{old}" for s in published]
    for schema, name in zip(published, aside, strict=True):
        cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(_ident(schema), _ident(name)))
    for schema, source in incoming.items():
        cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(_ident(source), _ident(schema)))
    cur.execute(f"INSERT INTO {META_SCHEMA}.published (version, project_fingerprint) VALUES (%s, %s)",
                (version, fingerprint))
    roles.revoke_read(cur, [f"{s}__v{old}" for s in published if s in PUBLISHED_SCHEMAS])
    roles.grant_read(cur, [s for s in PUBLISHED_SCHEMAS if s in incoming])
    for _, schemas in list(_earlier_versions(_schemas(cur)).items())[keep:]:
        cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.SQL(", ").join(_ident(s) for s in schemas)))


def publish(settings: Settings, fingerprint: str | None = None) -> str:
    """Publish tonight's `__build` schemas as a new version in one transaction; keep the one replaced.
    `fingerprint` is the dbt project's that built it (see dbt_runner.project_fingerprint). Returns the version."""

    def swap(cur: cursor) -> str:
        existing = _schemas(cur)  # only dbt's schemas: a stray `x__build` of someone else's is never published
        built = {s: s + BUILD_SUFFIX for s in BUILD_SCHEMAS if s + BUILD_SUFFIX in existing}
        if "marts" not in built:
            raise RuntimeError(f"nothing to publish: schema marts{BUILD_SUFFIX} does not exist")
        version = _next_version(cur)
        _swap(cur, built, version, fingerprint, settings.keep_versions)
        return str(version)

    return _in_transaction(settings, swap, retry_locks=True)


def rollback(settings: Settings, version: str | None = None) -> str:
    """Publish an earlier version again (the newest earlier one unless `version`, e.g. `3` or `v3`, names
    one); the version it replaces is kept. Returns the version now published."""

    def swap(cur: cursor) -> str:
        earlier = _earlier_versions(_schemas(cur))
        if not earlier:
            raise FileNotFoundError("no earlier versions in the PostgreSQL warehouse")
        wanted = next(iter(earlier)) if version is None else int(version.removeprefix("v"))
        if wanted not in earlier:
            raise FileNotFoundError(f"no version {version!r}; have: {', '.join(map(str, earlier))}")
        incoming = {s.removesuffix(f"__v{wanted}"): s for s in earlier[wanted]}
        # Which dbt project built it is not recorded: the next build tests everything.
        _swap(cur, incoming, wanted, None, settings.keep_versions)
        return str(wanted)

    return _in_transaction(settings, swap, retry_locks=True)


# -- what is published -------------------------------------------------------------------------------

def published_info(settings: Settings) -> dict[str, str | None]:
    """What `publish` recorded of the version BI reads now: version, project_fingerprint (None after a
    rollback), published_at. Empty before the first publish."""

    row = _read(settings, _published_row)
    if row is None:
        return {}
    version, fingerprint, published_at = row
    return {"version": str(version), "project_fingerprint": fingerprint,
            "published_at": published_at.isoformat(timespec="seconds")}


def list_versions(settings: Settings) -> list[str]:
    """Earlier published versions kept for rollback, newest first (not the one BI reads now)."""
    return _read(settings, lambda cur: [str(v) for v in _earlier_versions(_schemas(cur))])


def first_unpublished_file_id(settings: Settings, fingerprint: str) -> int:
    """The first raw file id the published marts have not seen, if the same dbt project built them; else 0.
    The build's tests over raw need not look again at files below it (raw is append-only)."""
    if published_info(settings).get("project_fingerprint") != fingerprint:
        return 0

    def read(cur: cursor) -> int:
        if "load_audit" not in _tables(cur, "marts"):
            return 0
        cur.execute("SELECT max(file_id) FROM marts.load_audit")
        seen = cur.fetchone()[0]
        return 0 if seen is None else int(seen) + 1

    return _read(settings, read)


def location(settings: Settings) -> str:
    """Where BI finds the published warehouse, without any password."""
    where = address(settings)
    return f"postgresql://{where.host}:{where.port}/{where.dbname} (schemas {', '.join(PUBLISHED_SCHEMAS)})"
