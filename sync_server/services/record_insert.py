"""A push's new records and their audit rows, one INSERT each (on PostgreSQL from one JSON text)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from ..models import RecordRevisionRow, RecordRow


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the rows whose id does not exist yet, in one statement; the ids inserted.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: one statement per push
    instead of one per record, which was most of the ingest time. A row that
    conflicts (the id exists, or a concurrent push is inserting it and this
    one waits for it to settle) is simply not returned. On PostgreSQL the rows
    go as one JSON text (``_pg_insert``): a multi-row VALUES statement is text
    that grows with the push, which the driver parsed again for every push (a
    quarter of a 500-record push's time), and arrays per column cost the
    driver's escaping of every value; this statement is short, the same every
    time, and prepared once per connection.
    """
    if not rows:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        return set(_pg_insert(session, _RECORDS, rows, new_only=True))
    stmt = sqlite.insert(_RECORDS).on_conflict_do_nothing(index_elements=["id"]).returning(_RECORDS.c.id)
    return set(session.connection().execute(stmt, list(rows)).scalars().all())


_RECORDS = cast(Table, RecordRow.__table__)
_REVISIONS = cast(Table, RecordRevisionRow.__table__)


def insert_revisions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append the audit rows of a push's stored revisions (same columns in every row), in one statement."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _pg_insert(session, _REVISIONS, rows)
    else:
        session.connection().execute(_REVISIONS.insert(), list(rows))


def _pg_insert(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, new_only: bool = False
) -> list[Any]:
    """``rows`` (each with the same columns of ``table``) inserted from one JSON text; ``new_only``:
    rows whose id exists are skipped and the ids inserted returned.

    ``jsonb_populate_recordset`` turns each object into a row of the table's own types (uuid,
    timestamptz, date, jsonb) inside PostgreSQL; the text is written by the json module in C.
    """
    columns = ", ".join(rows[0])
    sql = (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
        f"FROM jsonb_populate_recordset(NULL::{table.name}, %(rows)s::jsonb)"
        + (" ON CONFLICT (id) DO NOTHING RETURNING id" if new_only else "")
    )
    batch = json.dumps([dict(r) for r in rows], default=_json_value)
    result = session.connection().exec_driver_sql(sql, {"rows": batch})
    return list(result.scalars().all()) if new_only else []


def _json_value(value: Any) -> str:
    """What ``json`` cannot write itself: ids, days and (UTC) times, as PostgreSQL reads them."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, uuid.UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
