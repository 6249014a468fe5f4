"""The demo's field records: valid, stored once, counted once, and a plan in motion."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from schemas.catalog import latest_forms, shipped_forms
from schemas.common import utcnow
from schemas.form_validation import validate_answers
from sync_server.bootstrap import prepare_database
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.demo import demo_units
from sync_server.demo.records import demo_records, seed_demo_records
from sync_server.models import RecordRow, TallyRow
from sync_server.services.ingest import rebuild_tallies

TODAY = date(2026, 11, 22)


def test_demo_records__deterministic_and_valid_against_their_forms():
    forms = latest_forms(shipped_forms())
    first = demo_records(demo_units(), forms, TODAY)
    again = demo_records(demo_units(), forms, TODAY)
    assert [r.id for r in first] == [r.id for r in again]
    assert len(first) > 1000
    assert {r.form_id for r in first} >= {
        "awareness_survey",
        "outreach_session",
        "training",
        "discipline_return",
        "mediation_case",
    }
    for r in first:
        assert validate_answers(forms[r.form_id], r.answers, final=True, today=TODAY) == []
        assert date(2024, 1, 1) <= r.created_at.date() <= TODAY


def _tallies(db: Database) -> dict:
    with db.session() as s:
        return {(t.plan_id, t.unit_code, t.day, t.measure_id): t.total for t in s.scalars(select(TallyRow))}


def test_seed_demo_records__once_through_ingest_and_tallies_match_a_recount(tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    db = Database.from_settings(settings)
    prepare_database(db, settings, demo=True)
    stored = seed_demo_records(db, today=TODAY, now=utcnow())
    assert stored > 1000
    assert seed_demo_records(db, today=TODAY, now=utcnow()) == 0  # a second start adds nothing
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RecordRow)) == stored
    incremental = _tallies(db)
    with db.session(write=True) as s:
        rebuild_tallies(s)
    assert _tallies(db) == incremental  # counted exactly once, as a full recount would
