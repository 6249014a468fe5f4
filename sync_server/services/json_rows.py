"""Rows sent to PostgreSQL as one JSON text: one short statement per table, the same every time.

A multi-row ``VALUES`` statement is text that grows with the rows, which the driver parses again
for every call; ``executemany`` sends one statement per row; arrays per column cost the driver's
escaping of every value. Here the rows are written by the json module (in C) and
``jsonb_populate_recordset`` turns each object into a row of the table's own types (uuid,
timestamptz, date, jsonb) inside PostgreSQL, so the statement is prepared once per connection.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import CursorResult, Table
from sqlalchemy.orm import Session


def pg_insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, tail: str = ""
) -> CursorResult:
    """``INSERT INTO table (columns of rows[0]) SELECT ... FROM jsonb_populate_recordset(...)`` + ``tail``.

    Every row has the same columns, in the same order; they are inserted in the order given.
    ``tail``: what follows the SELECT (``ON CONFLICT ...``, ``RETURNING ...``), fixed text only.
    """
    columns = ", ".join(rows[0])
    sql = (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
        f"FROM jsonb_populate_recordset(NULL::{table.name}, %(rows)s::jsonb) {tail}"
    )
    batch = json.dumps(rows if isinstance(rows, list) else list(rows), default=_json_value)
    return session.connection().exec_driver_sql(sql, {"rows": batch})


def _json_value(value: Any) -> str:
    """What ``json`` cannot write itself: ids, days and (UTC) times, as PostgreSQL reads them."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, uuid.UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
