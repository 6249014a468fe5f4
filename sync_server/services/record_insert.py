"""A push's new records in one INSERT: multi-row on SQLite, one array per column on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from ..models import RecordRow


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the rows whose id does not exist yet, in one statement; the ids inserted.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: one statement per push
    instead of one per record, which was most of the ingest time. A row that
    conflicts (the id exists, or a concurrent push is inserting it and this
    one waits for it to settle) is simply not returned. On PostgreSQL the rows
    go as one array per column (``_PG_INSERT``): a multi-row VALUES statement is
    text that grows with the push, which the driver parsed again for every push
    (a quarter of a 500-record push's time); this one is short, the same every
    time, and prepared once per connection.
    """
    if not rows:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        columns = {name: [_pg_value(name, row[name]) for row in rows] for name, _type in _PG_COLUMNS}
        return set(session.connection().exec_driver_sql(_PG_INSERT, columns).scalars().all())
    table = cast(Table, RecordRow.__table__)
    stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    return set(session.connection().execute(stmt, list(rows)).scalars().all())


_PG_COLUMNS = (
    ("id", "uuid"),
    ("revision", "int"),
    ("form_id", "text"),
    ("form_version", "int"),
    ("unit_code", "text"),
    ("author", "text"),
    ("device", "text"),
    ("status", "text"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("received_at", "timestamptz"),
    ("period", "date"),
    ("void_reason", "text"),
    ("answers", "jsonb"),
    ("contributions", "jsonb"),
)
_ARRAY_TYPE = {"jsonb": "text"}  # JSON goes as text and is cast per row
_PG_INSERT = (
    f"INSERT INTO {RecordRow.__tablename__} ({', '.join(n for n, _t in _PG_COLUMNS)}) "
    f"SELECT {', '.join(f'{n}::{t}' if t == 'jsonb' else n for n, t in _PG_COLUMNS)} "
    f"FROM unnest({', '.join(f'%({n})s::{_ARRAY_TYPE.get(t, t)}[]' for n, t in _PG_COLUMNS)}) "
    f"AS r({', '.join(n for n, _t in _PG_COLUMNS)}) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)


def _pg_value(name: str, value: Any) -> Any:
    """A column's value as the array of ``_PG_INSERT`` carries it: JSON as text, times in UTC."""
    if name in ("answers", "contributions"):
        return json.dumps(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)
    return value
