"""Export files as a caller asks for them: the scope check, the period, the table, the file and its name.

``exports`` builds tables and writes CSV or XLSX; this module decides what a
caller gets: a unit inside their subtree (their own by default), the period
read as reports read it (``tallies.spans.resolve_span``), and a file name
that says what is in it. The route only turns the bytes into a download.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, tzinfo
from typing import Literal

from ..db import Database
from .accounts import Caller
from .catalog import get_plan
from .exports import TALLY_HEADERS, Cell, csv_chunks, record_rows, tally_rows, xlsx_chunks
from .repeat_exports import record_repeat_sheets
from .tallies.spans import resolve_span
from .units import unit_in_scope

Format = Literal["csv", "xlsx"]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """``name`` with only ASCII letters, digits, ``.``, ``_`` and ``-``: safe in a Content-Disposition header.

    Form ids and unit codes come from data; a quote, semicolon or non-ASCII
    letter in them must not add a header parameter or break the header.
    """
    return _UNSAFE.sub("-", name).strip(".-")[:150] or "export"


def tally_file(
    db: Database,
    caller: Caller,
    *,
    fmt: Format,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    granularity: Literal["month", "quarter", "year"] | None,
    today: date,
    zone: tzinfo,
) -> tuple[Iterator[bytes], str]:
    """The report table as a ``fmt`` file in pieces, and its name (without the extension).

    The plan, the scope and the span (at most ``MAX_SPAN_DAYS``) are checked
    here, before anything is sent; the rows are then computed one period at a
    time in their own session as the pieces are read, like ``record_file``'s.
    """
    with db.session() as s:
        plan = get_plan(s, plan_id=plan_id)
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        start, end = resolve_span(plan, start=start, end=end, period=period, today=today)

    def pieces() -> Iterator[bytes]:
        with db.session() as s:
            rows = tally_rows(s, plan=plan, root=root, start=start, end=end, granularity=granularity)
            yield from file_chunks(fmt, TALLY_HEADERS, rows, zone=zone, sheet="Chỉ tiêu")

    return pieces(), safe_name(f"chi-tieu_{plan.id}_{root.code}_{start:%Y%m%d}-{end:%Y%m%d}")


def file_chunks(
    fmt: Format, headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, zone: tzinfo, sheet: str
) -> Iterator[bytes]:
    """A one-sheet table as a ``fmt`` file, in pieces (``csv_chunks`` or ``xlsx_chunks``)."""
    if fmt == "csv":
        return csv_chunks(headers, rows, zone=zone)
    return xlsx_chunks(headers, rows, zone=zone, sheet=sheet)


def record_file(
    db: Database,
    caller: Caller,
    *,
    fmt: Format,
    unit: str | None,
    form_id: str | None,
    start: date | None,
    end: date | None,
    include_void: bool,
    zone: tzinfo,
) -> tuple[Iterator[bytes], str]:
    """The raw records of the subtree (one form's, or all) as a ``fmt`` file in pieces, and its name.

    The scope is checked here, before anything is sent (a refusal is a clean
    error answer); the pieces are produced as they are read, in their own
    session, so a large export holds one batch of records in memory, not all.
    """
    with db.session() as s:
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )

    def pieces() -> Iterator[bytes]:
        with db.session() as s:
            # the repeats' sheets are read first; the records' rows are then read batch by batch as written
            repeats = (
                record_repeat_sheets(
                    s, root=root, form_id=form_id, start=start, end=end, include_void=include_void
                )
                if fmt == "xlsx"
                else []
            )
            headers, rows = record_rows(
                s, root=root, form_id=form_id, start=start, end=end, include_void=include_void
            )
            if fmt == "csv":
                yield from csv_chunks(headers, rows, zone=zone)
            else:  # one more sheet per repeat, joined by the record id (as ODK exports them)
                yield from xlsx_chunks(headers, rows, zone=zone, sheet="Phiếu", more=repeats)

    return pieces(), safe_name(f"phieu_{form_id or 'tat-ca'}_{root.code}")
