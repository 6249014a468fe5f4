"""The database: engine, sessions and transactions, for SQLite and PostgreSQL alike.

SQLite runs in WAL mode with foreign keys on and a busy timeout; the driver's
own transaction handling is turned off so that SQLAlchemy's ``BEGIN`` is the
one that runs, and a *write* session starts with ``BEGIN IMMEDIATE``: the
write lock is taken up front, so two pushes never interleave and a reader
never has to upgrade its snapshot. PostgreSQL writes run READ COMMITTED and
the services lock rows themselves (``SELECT ... FOR UPDATE``, ``ON CONFLICT``);
its reads run in one snapshot each (REPEATABLE READ).

Every SQLAlchemy / driver error leaving a session becomes ``StoreUnavailable``
here: the one boundary where foreign errors are translated.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from schemas.common import text

from .config import Settings
from .errors import StoreUnavailable

log = logging.getLogger(__name__)

_WRITE = "fieldtally_write"  # execution option: this transaction will write


def _owner_only(path: Path) -> None:
    """The SQLite file (and its folder, if made here) readable by the server's user only.

    SQLite makes its -wal and -shm files with the database file's mode, so they follow.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def make_engine(settings: Settings) -> Engine:
    """An engine for ``settings.database_url``; SQLite files get their folder created."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_size=settings.db_pool_size, max_overflow=10, pool_pre_ping=True, hide_parameters=True
        )

    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if not in_memory and not database.startswith("file:"):
        _owner_only(Path(database).expanduser())
    # hide_parameters: a statement's values (field data) never appear in an error's text or a log
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}, "hide_parameters": True}
    if in_memory:
        kwargs["poolclass"] = StaticPool  # one shared connection, or each would see its own empty db
    engine = create_engine(url, **kwargs)
    busy_ms = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        if not in_memory:
            cur.execute("PRAGMA journal_mode = WAL")
        # FULL: each commit's WAL is fsynced before the receipt goes out. NORMAL would survive a crash
        # of the server but could lose the last commits on a power cut, after the phones were told
        # "stored" and stopped resending them.
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


class Database:
    """An engine and its two kinds of session: reading, and writing (serialised on SQLite)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # A read on PostgreSQL is one snapshot (REPEATABLE READ; read-only, so it never conflicts): a
        # report's few queries then see the same commits, and a dashboard cannot show a number that
        # half of a concurrent push made and a later read takes back.
        reads = (
            engine.execution_options(isolation_level="REPEATABLE READ")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._read = sessionmaker(reads, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
        # SQLite takes one writer at a time anyway; queueing writers of this process on a lock hands the
        # database over at once, where SQLite's busy handler would poll (sleeping up to 100 ms a time).
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        # A read of one statement on PostgreSQL needs no transaction of its own (``lookup``).
        self._lookup = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(make_engine(settings))

    @property
    def kind(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Database errors leave as ``StoreUnavailable`` (retryable); the services'
        own ``ServerError``\\ s pass through unchanged.
        """
        factory = self._write if write else self._read
        lock = self._write_lock if write else None
        try:
            with lock or nullcontext(), factory() as session, session.begin():
                yield session
        except DBAPIError as exc:
            raise _unavailable(exc) from exc

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for a read of one statement (the token check of every request).

        On PostgreSQL outside a transaction of its own (autocommit): one statement sees one snapshot
        anyway, and the BEGIN and COMMIT would be two more round trips. On SQLite a read session's.
        Errors leave as ``session``'s do.
        """
        if self._lookup is None:
            with self.session() as s:
                yield s.connection()
            return
        try:
            with self._lookup.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise _unavailable(exc) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _unavailable(exc: DBAPIError) -> StoreUnavailable:
    log.warning("database error: %s", exc.__class__.__name__)
    return StoreUnavailable(
        text(
            "Máy chủ dữ liệu đang bận hoặc gặp sự cố, vui lòng thử lại sau.",
            "The database is busy or failing; please try again shortly.",
        )
    )


def init_db(engine: Engine) -> None:
    """Bring the schema to the newest migration (an empty database gets every table)."""
    from .migrate import upgrade

    upgrade(engine)
