"""Fixtures of the server suite: every API test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sync_server.app import create_app
from sync_server.config import Settings, make_settings
from sync_server.db import Database
from sync_server.demo.seed import seed_demo

from .helpers import Api


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh database of each kind."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def settings(db_url: str, tmp_path) -> Settings:
    # The recovery key goes to the test's folder, never into the working tree.
    return make_settings(
        {
            "database_url": db_url,
            "environment": "test",
            "recovery_key_file": str(tmp_path / "recovery-key.json"),
            "media_dir": str(tmp_path / "media"),
        }
    )


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient on a fresh database with the shipped forms and plans and the demo data."""
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        seed_demo(app.state.db, settings)
        yield client


@pytest.fixture
def db(app_client: TestClient) -> Database:
    return app_client.app.state.db  # type: ignore[attr-defined]


@pytest.fixture
def api(app_client: TestClient) -> Api:
    return Api(app_client)
