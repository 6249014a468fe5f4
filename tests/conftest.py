"""Fixtures shared by every suite: databases and a live sync server."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live_server import LiveServer, start_live_server

# Starlette 1.x warns (as a UserWarning, which our filterwarnings=error turns fatal) when its
# TestClient runs on httpx instead of httpx2. Either is fine for our tests; import it once, quietly.
# (Adding httpx2 to the "test" extra removes the need for this.) The phone's own environment
# (scripts/test_phone_oldest.sh) has no starlette, and its suites never use the TestClient.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    try:
        import starlette.testclient  # noqa: F401
    except ImportError:
        pass

DEFAULT_TEST_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_unreachable: str | None = None  # remembered, so a missing PostgreSQL costs one timeout per run


def _libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI runs every PostgreSQL test; a missing database is a failure there)")
    pytest.skip(reason)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (SQLAlchemy URL), dropped afterwards.

    Made on the server of FIELDTALLY_TEST_PG_URL (default: postgres@127.0.0.1:5432/test);
    the test is skipped, with a message, when that server does not answer — except in CI
    (``CI`` set, as ``.ci/run`` runs), where a missing database fails the test: CI must prove
    both databases, not skip one quietly.
    """
    global _pg_unreachable
    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = os.environ.get("FIELDTALLY_TEST_PG_URL", DEFAULT_TEST_PG_URL)
    if _pg_unreachable:
        _skip_or_fail(_pg_unreachable)
    name = f"ft_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(_libpq_url(admin_url), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _pg_unreachable = f"PostgreSQL not reachable at {admin_url} ({reason}): set FIELDTALLY_TEST_PG_URL"
        _skip_or_fail(_pg_unreachable)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(_libpq_url(admin_url), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file URL in the test's own temporary folder."""
    return f"sqlite:///{tmp_path / 'fieldtally.sqlite3'}"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real sync server (uvicorn subprocess) on a fresh SQLite file, with the demo units and users."""
    server = start_live_server(tmp_path / "live-server")
    try:
        yield server
    finally:
        server.stop()
