"""Alembic migrations: a database at the first revision, with data in it, upgrades to head losing nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.engine import Engine

from sync_server import cli, migrate
from sync_server.bootstrap import prepare_database
from sync_server.config import Settings, make_settings
from sync_server.db import Database
from sync_server.models import Base

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def database(db_url: str):
    settings = make_settings({"database_url": db_url, "environment": "test"})
    db = Database.from_settings(settings)
    yield settings, db
    db.dispose()


def _fill_first_revision(engine: Engine) -> tuple[list, list]:
    """Units, a record and its tallies written as the server before migrations wrote them.

    These three tables are the same in revision 0001 and in the models, so the models' column types
    (UUIDs, UTC datetimes, JSON) write them exactly as that server did.
    """
    t = Base.metadata.tables
    rid = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            insert(t["units"]),
            [
                {
                    "code": "HN",
                    "name": "Hà Nội",
                    "type": "city",
                    "parent_code": None,
                    "path": "HN",
                    "tags": [],
                    "baselines": {},
                },
                {
                    "code": "HN-SS",
                    "name": "Sóc Sơn",
                    "type": "district",
                    "parent_code": "HN",
                    "path": "HN/HN-SS",
                    "tags": ["suburban"],
                    "baselines": {"2024": {"local_propagandists": 9}},
                },
            ],
        )
        conn.execute(
            insert(t["records"]),
            [
                {
                    "id": rid,
                    "revision": 3,
                    "form_id": "awareness_survey",
                    "form_version": 1,
                    "unit_code": "HN-SS",
                    "author": "canbo",
                    "device": "p1",
                    "status": "final",
                    "created_at": NOW,
                    "updated_at": NOW,
                    "received_at": NOW,
                    "period": date(2024, 6, 1),
                    "void_reason": None,
                    "answers": {"survey_date": "2024-06-01", "has_understanding": "yes"},
                    "contributions": {"hanoi_pbgdpl_2021_2027": {"surveys": 1, "surveys_understanding": 1}},
                }
            ],
        )
        conn.execute(
            insert(t["tallies"]),
            [
                {
                    "plan_id": "hanoi_pbgdpl_2021_2027",
                    "unit_code": "HN-SS",
                    "day": date(2024, 6, 1),
                    "measure_id": m,
                    "total": 1.0,
                }
                for m in ("surveys", "surveys_understanding")
            ],
        )
    return _snapshot(engine)


def _snapshot(engine: Engine) -> tuple[list, list]:
    t = Base.metadata.tables
    with engine.connect() as conn:
        records = [tuple(r) for r in conn.execute(select(t["records"]))]
        # the columns of revision 0001 (later ones, e.g. the shard, do not exist before their revision)
        old = [c for c in t["tallies"].c if c.name != "shard"]
        tallies = sorted(tuple(r) for r in conn.execute(select(*old)))
    return records, tallies


def _diff(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def test_migrate__first_revision_with_data_upgrades_to_head_and_keeps_it(database) -> None:
    settings, db = database
    assert migrate.upgrade(db.engine, migrate.FIRST_REVISION) == "0001"
    assert not inspect(db.engine).has_table("record_revisions")
    before = _fill_first_revision(db.engine)

    assert migrate.upgrade(db.engine) == migrate.head_revision() != "0001"
    assert _snapshot(db.engine) == before  # every record and tally survives, unchanged
    assert _diff(db.engine) == []  # the migrations build exactly what the models describe
    with db.engine.connect() as conn:
        history = conn.execute(text("SELECT record_id, revision, unit_code FROM record_revisions")).all()
    assert [(uuid.UUID(str(r[0])), r[1], r[2]) for r in history] == [(before[0][0][0], 3, "HN-SS")]
    # the server starts on it: the shipped plan is new to this database, so its tallies are recounted
    prepare_database(db, settings)
    assert _snapshot(db.engine)[1] == before[1]
    assert migrate.upgrade(db.engine) == migrate.head_revision()  # idempotent


def test_migrate__a_database_made_before_migrations_is_adopted(database) -> None:
    _settings, db = database
    migrate.upgrade(db.engine, migrate.FIRST_REVISION)
    before = _fill_first_revision(db.engine)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))  # what create_all left: tables, no version
    assert migrate.current_revision(db.engine) is None
    assert migrate.upgrade(db.engine) == migrate.head_revision()
    assert _snapshot(db.engine) == before
    assert migrate.downgrade(db.engine, migrate.FIRST_REVISION) == "0001"
    assert _snapshot(db.engine) == before and not inspect(db.engine).has_table("approvals")


def test_cli__migrate_command(database, capsys: pytest.CaptureFixture[str]) -> None:
    settings: Settings = database[0]
    assert cli.main(["migrate", "--database-url", settings.database_url, "--to", "0001"]) == 0
    assert cli.main(["migrate", "--database-url", settings.database_url]) == 0
    assert f"revision {migrate.head_revision()}" in capsys.readouterr().out
