"""The schema is made and changed by Alembic migrations (``sync_server/migrations``), run from here.

``upgrade(engine)`` brings any database to the newest revision: an empty one
is built from the first revision up; one made before migrations existed (by
``create_all``, with the tables of revision ``0001`` but no
``alembic_version``) is stamped ``0001`` first and then upgraded. The whole
upgrade runs in one transaction holding a lock (SQLite ``BEGIN IMMEDIATE``,
a PostgreSQL advisory lock), so two workers starting at once do not both
migrate. ``python -m sync_server.migrate revision "message"`` autogenerates
a new revision against a scratch SQLite database.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path


def _quiet_alembic() -> None:
    """Alembic logs each plugin (on import) and step at INFO; keep the server's log for what matters."""
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        alembic_log.setLevel(logging.WARNING)


_quiet_alembic()

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select  # noqa: E402

FIRST_REVISION = "0001"
_LOCK_KEY = 0x6669656C64  # "field": the advisory lock id of migrations on PostgreSQL
_PACKAGE_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our migrations; ``connection`` is what env.py will use."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_PACKAGE_DIR))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this version of the server."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` (default: the newest); returns the revision it is at."""
    _quiet_alembic()
    write = engine.execution_options(fieldtally_write=True)  # BEGIN IMMEDIATE on SQLite
    with write.begin() as conn:
        _lock(conn)
        cfg = alembic_config(conn)
        at = MigrationContext.configure(conn).get_current_revision()
        if at is None and inspect(conn).has_table("records"):
            # made by create_all before migrations existed: its tables are revision 0001's
            command.stamp(cfg, FIRST_REVISION)
        command.upgrade(cfg, revision)
    return current_revision(engine)


def downgrade(engine: Engine, revision: str) -> str | None:
    """Migrate the database down to ``revision`` (tests and emergencies only)."""
    with engine.execution_options(fieldtally_write=True).begin() as conn:
        _lock(conn)
        command.downgrade(alembic_config(conn), revision)
    return current_revision(engine)


def autogenerate(message: str) -> None:
    """Write a new revision: the difference between the models and a scratch database at head."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}")
        with engine.begin() as conn:
            cfg = alembic_config(conn)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    if len(sys.argv) == 3 and sys.argv[1] == "revision":
        autogenerate(sys.argv[2])
    else:
        print('usage: python -m sync_server.migrate revision "what changed"', file=sys.stderr)
        sys.exit(2)
