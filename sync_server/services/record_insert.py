"""A push's new records and their audit rows, one INSERT each (on PostgreSQL from one JSON text)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from ..models import RecordRevisionRow, RecordRow
from .json_rows import pg_insert_rows


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the rows whose id does not exist yet, in one statement; the ids inserted.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: one statement per push
    instead of one per record, which was most of the ingest time. A row that
    conflicts (the id exists, or a concurrent push is inserting it and this
    one waits for it to settle) is simply not returned. On PostgreSQL the rows
    go as one JSON text (``json_rows.pg_insert_rows``): a multi-row VALUES
    statement is text that grows with the push, which the driver parsed again
    for every push (a quarter of a 500-record push's time).
    """
    if not rows:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        inserted = pg_insert_rows(session, _RECORDS, rows, tail="ON CONFLICT (id) DO NOTHING RETURNING id")
        return set(inserted.scalars().all())
    stmt = sqlite.insert(_RECORDS).on_conflict_do_nothing(index_elements=["id"]).returning(_RECORDS.c.id)
    return set(session.connection().execute(stmt, list(rows)).scalars().all())


_RECORDS = cast(Table, RecordRow.__table__)
_REVISIONS = cast(Table, RecordRevisionRow.__table__)


def insert_revisions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append the audit rows of a push's stored revisions (same columns in every row), in one statement."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        pg_insert_rows(session, _REVISIONS, rows)
    else:
        session.connection().execute(_REVISIONS.insert(), list(rows))
