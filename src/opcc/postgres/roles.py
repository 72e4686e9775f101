"""The read-only role BI tools log in as (issue #16: least privilege), separate from the pipeline's own role.

Privileges go to one NOLOGIN group role per warehouse database, `<database>_reader`; each BI login role
(`opcc bi-role --name ...`) is a member of it. The group gets USAGE on the published schemas and SELECT on
their tables, nothing else: no CREATE anywhere (not even temporary tables), no raw, no `__build` schemas,
no opcc_meta, no earlier versions. Publishing keeps it so: the build schemas carry default privileges
(SELECT for the group on every table the pipeline creates there) and publish grants USAGE on the schemas it
publishes, in the same transaction as the rename, and revokes it from the ones it sets aside.

A login role's password comes from $OPCC_BI_PASSWORD, or is generated once and kept in the data directory
(outside the repo) as a libpq password file, mode 0600: `PGPASSFILE=<it> psql <url>` connects.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from psycopg2 import sql

from opcc.config import PUBLISHED_SCHEMAS, Settings
from opcc.environment import environment
from opcc.postgres.connect import address, connect
from opcc.postgres.dialect import BUILD_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Iterable

    from psycopg2.extensions import cursor

DEFAULT_NAME = "opcc_bi"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_GROUP_SUFFIX = "_reader"


@dataclass(frozen=True)
class BiRole:
    name: str
    url: str  # without the password
    password_file: Path | None  # None: the password came from $OPCC_BI_PASSWORD

    def __str__(self) -> str:
        return self.url


def password_file(settings: Settings, name: str) -> Path:
    return settings.data_dir / "secrets" / f"{name}.pgpass"


def reader_group(cur: cursor) -> str:
    """This database's group role (one per database: a cluster's roles are shared by its databases)."""
    cur.execute("SELECT current_database()")
    database: str = cur.fetchone()[0]
    room = 63 - len(_GROUP_SUFFIX)  # PostgreSQL's name limit, in bytes
    return database.encode()[:room].decode(errors="ignore") + _GROUP_SUFFIX


def _existing_group(cur: cursor) -> str | None:
    group = reader_group(cur)
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,))
    return group if cur.fetchone() is not None else None


def grant_read(cur: cursor, schemas: Iterable[str]) -> None:
    """USAGE on `schemas` and SELECT on their tables for the BI group (when there is one)."""
    group = _existing_group(cur)
    for schema in schemas if group else ():
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {s} TO {g}; GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {g}")
                    .format(s=sql.Identifier(schema), g=sql.Identifier(group)))


def revoke_read(cur: cursor, schemas: Iterable[str]) -> None:
    group = _existing_group(cur)
    for schema in schemas if group else ():
        cur.execute(sql.SQL("REVOKE ALL ON SCHEMA {s} FROM {g}; REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {g}")
                    .format(s=sql.Identifier(schema), g=sql.Identifier(group)))


def default_read(cur: cursor, schemas: Iterable[str]) -> None:
    """SELECT for the BI group on every table the current role creates in `schemas` from now on."""
    group = _existing_group(cur)
    for schema in schemas if group else ():
        cur.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}")
                    .format(sql.Identifier(schema), sql.Identifier(group)))


def _password(settings: Settings, name: str, new: bool) -> tuple[str, Path | None]:
    """The password from the environment; else the one kept for `name` (so BI tools keep working when the
    command runs again); else a new one, kept."""
    given = environment().bi_password
    if given is not None:
        return given.get_secret_value(), None
    path = password_file(settings, name)
    if path.exists() and not new:
        return _pgpass_password(path.read_text(encoding="utf-8").strip()), path
    password = secrets.token_urlsafe(32)
    where = address(settings)
    fields = [where.host, str(where.port), where.dbname, name, password]
    line = ":".join(f.replace("\\", "\\\\").replace(":", "\\:") for f in fields)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, even briefly
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(line + "\n")
    os.replace(partial, path)
    return password, path


def _pgpass_password(line: str) -> str:
    """The last field of a libpq password file line (`:` and `\\` escaped with `\\`)."""
    fields, field, escaped = [], "", False
    for ch in line:
        if escaped:
            field, escaped = field + ch, False
        elif ch == "\\":
            escaped = True
        elif ch == ":":
            fields.append(field)
            field = ""
        else:
            field += ch
    return field


def ensure_bi_role(settings: Settings, name: str = DEFAULT_NAME, *, new_password: bool = False) -> BiRole:
    """Create (or bring up to date) the LOGIN role `name`: read-only on the published schemas, now and after
    every publish. Safe to run again; `new_password` replaces a kept password."""
    from psycopg2.extensions import encrypt_password

    if not _ROLE_NAME.match(name):
        raise ValueError(f"role name {name!r}: expected lower-case letters, digits and _ (at most 63)")
    password, kept_in = _password(settings, name, new_password)
    con = connect(settings)
    try:
        with con, con.cursor() as cur:
            cur.execute("SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = %s", (name,))
            found = cur.fetchone()
            if found is not None and any(found):
                raise ValueError(f"role {name!r} is a superuser or the pipeline's own role: choose another name")
            group = reader_group(cur)
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
            role, database = sql.Identifier(name), sql.Identifier(con.info.dbname)
            # Hashed here: the password itself never reaches the server's logs.
            hashed = encrypt_password(password, name, con, "scram-sha-256")
            verb = sql.SQL("CREATE" if found is None else "ALTER")
            cur.execute(sql.SQL("{} ROLE {} WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                                "NOBYPASSRLS PASSWORD %s").format(verb, role), (hashed,))
            cur.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role))
            cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), role))
            cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, sql.Identifier(group)))
            # Every role may create temporary tables, and in older databases tables in `public`, unless told
            # otherwise: only the pipeline's role keeps that here.
            cur.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {d} FROM PUBLIC; "
                                "GRANT TEMPORARY ON DATABASE {d} TO CURRENT_USER").format(d=database))
            cur.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)",
                        (["public", *PUBLISHED_SCHEMAS, *(s + BUILD_SUFFIX for s in PUBLISHED_SCHEMAS)],))
            existing = {s for (s,) in cur.fetchall()}
            if "public" in existing:
                cur.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            grant_read(cur, [s for s in PUBLISHED_SCHEMAS if s in existing])
            default_read(cur, [s + BUILD_SUFFIX for s in PUBLISHED_SCHEMAS if s + BUILD_SUFFIX in existing])
            # Tables a build in progress has created already: readable once published.
            for schema in (s + BUILD_SUFFIX for s in PUBLISHED_SCHEMAS if s + BUILD_SUFFIX in existing):
                cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}")
                            .format(sql.Identifier(schema), sql.Identifier(group)))
    finally:
        con.close()
    where = address(settings)
    return BiRole(name=name, url=f"postgresql://{name}@{where.host}:{where.port}/{where.dbname}",
                  password_file=kept_in)
