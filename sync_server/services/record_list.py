"""The records behind the figures, as a supervisor pages through them: scoped, newest first, by cursor.

A supervisor (or an admin) lists the records of a unit's subtree inside their own; an officer
lists only the records they wrote. The period is read as reports read it (explicit dates, or a
plan's period name, ``tallies.spans``) and capped the same way. Pages are cut by a keyset cursor
on (the record's day, its id), newest first: a record arriving while someone pages does not
shift the pages already read, and a page costs the same however deep it lies (no OFFSET).

The cursor is opaque to clients (base64 of ``day|id``); anything that does not decode to a day
and an id is refused with a sentence, never a 500. The photo count and the summary come from the
record's answers under its own form version (``schemas.media.placed_refs``,
``schemas.answer_labels.value_label``): the same photos the record view lists.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from schemas.answer_labels import value_label
from schemas.common import LocalizedText, text
from schemas.expr import is_blank
from schemas.forms import FieldType, FormDefinition, FormField
from schemas.media import placed_refs
from schemas.record_list import RecordPage, RecordSummary
from schemas.records import RecordStatus
from schemas.sync import Role

from ..db import Database
from ..errors import InvalidInput
from ..models import RecordRow, UnitRow, UserRow
from .accounts import Caller
from .catalog import get_plan, load_forms
from .tallies.spans import check_span, resolve_span
from .units import subtree_clause, unit_in_scope

SUMMARY_ANSWERS = 3  # answers in a line's summary
SUMMARY_CHARS = 160
_SUMMARY_TYPES = {
    FieldType.TEXT,
    FieldType.LONG_TEXT,
    FieldType.INTEGER,
    FieldType.DECIMAL,
    FieldType.SELECT_ONE,
    FieldType.SELECT_MANY,
}
_BAD_CURSOR = text(
    "Con trỏ trang không hợp lệ: hãy mở lại danh sách từ đầu.",
    "The page cursor is not valid: open the list again from the start.",
)


def encode_cursor(day: date, record_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{day.isoformat()}|{record_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, uuid.UUID]:
    """The (day, id) a cursor names; ``InvalidInput`` for anything this module did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        day, _, rid = raw.partition("|")
        return date.fromisoformat(day), uuid.UUID(rid)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(_BAD_CURSOR, code="invalid_cursor") from exc


def _span(
    s: Session,
    *,
    plan_id: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    today: date,
) -> tuple[date, date]:
    if start is not None and end is not None:
        start, end = check_span(start, end)
    elif plan_id is None:
        raise InvalidInput(
            text(
                "Hãy cho biết khoảng thời gian: start và end, hoặc plan_id (và period).",
                "Name the period: start and end, or plan_id (and period).",
            ),
            code="invalid",
        )
    else:
        start, end = resolve_span(
            get_plan(s, plan_id=plan_id), start=start, end=end, period=period, today=today
        )
    if start > today:  # no record counts for a day to come: a year like 9999 is a mistake, not a wish
        raise InvalidInput(
            text(
                f"Khoảng thời gian bắt đầu sau hôm nay ({today:%d/%m/%Y}): chưa có phiếu nào.",
                f"The period starts after today ({today:%d/%m/%Y}): there are no records yet.",
            ),
            code="invalid",
        )
    return start, end


def _shown(field: FormField, value: Any) -> LocalizedText:
    if field.type == FieldType.SELECT_MANY and isinstance(value, list):
        labels = [value_label(field, v) for v in value]
        vi = ", ".join(lb.vi if lb else str(v) for lb, v in zip(labels, value, strict=True))
        en = ", ".join(lb.en if lb else str(v) for lb, v in zip(labels, value, strict=True))
        return text(vi, en)
    label = value_label(field, value)
    return label if label is not None else text(str(value), str(value))


def summary(form: FormDefinition | None, answers: dict[str, Any]) -> LocalizedText:
    """The record's first few plain answers, "Question: answer" joined, cut to ``SUMMARY_CHARS``."""
    if form is None:
        return text("", "")
    vi: list[str] = []
    en: list[str] = []
    for f in form.fields:
        if len(vi) >= SUMMARY_ANSWERS:
            break
        value = answers.get(f.name)
        if f.type not in _SUMMARY_TYPES or f.hidden or is_blank(value):
            continue
        shown = _shown(f, value)
        vi.append(f"{f.label.vi}: {shown.vi}")
        en.append(f"{f.label.en}: {shown.en}")

    def cut(parts: list[str]) -> str:
        joined = " · ".join(parts)
        return joined if len(joined) <= SUMMARY_CHARS else joined[: SUMMARY_CHARS - 1] + "…"

    return text(cut(vi), cut(en))


def list_records(
    db: Database,
    caller: Caller,
    *,
    unit: str | None,
    start: date | None,
    end: date | None,
    today: date,
    plan_id: str | None = None,
    period: str | None = None,
    form_id: str | None = None,
    cursor: str | None = None,
    limit: int,
) -> RecordPage:
    """One page of the records of ``unit``'s subtree (default: the caller's unit) in the period.

    Officers get their own records only. ``cursor``: the previous page's ``next_cursor``.
    """
    after = decode_cursor(cursor) if cursor else None
    with db.session() as s:
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        start, end = _span(s, plan_id=plan_id, start=start, end=end, period=period, today=today)
        q = (
            select(RecordRow, UnitRow.name, UserRow.full_name)
            .join(UnitRow, UnitRow.code == RecordRow.unit_code)
            .outerjoin(UserRow, UserRow.username == RecordRow.author)
            .where(subtree_clause(UnitRow.path, root.path), RecordRow.period.between(start, end))
            .order_by(RecordRow.period.desc(), RecordRow.id.desc())
            .limit(limit + 1)
        )
        if caller.role == Role.OFFICER:
            q = q.where(RecordRow.author == caller.username)
        if form_id:
            q = q.where(RecordRow.form_id == form_id)
        if after is not None:
            day, rid = after
            q = q.where(or_(RecordRow.period < day, and_(RecordRow.period == day, RecordRow.id < rid)))
        rows = s.execute(q).all()
        forms = {f.key: f for f in load_forms(s)} if rows else {}
    more = len(rows) > limit
    rows = rows[:limit]
    lines = []
    for r, unit_name, full_name in rows:
        form = forms.get((r.form_id, r.form_version))
        answers = dict(r.answers or {})
        lines.append(
            RecordSummary(
                id=r.id,
                form_id=r.form_id,
                form_version=r.form_version,
                title=form.title if form else text(r.form_id, r.form_id),
                unit=r.unit_code,
                unit_name=unit_name,
                author=r.author,
                author_name=full_name or "",
                day=r.period,
                status=RecordStatus(r.status),
                photos=len(placed_refs(form, answers)) if form else 0,
                summary=summary(form, answers),
                received_at=r.received_at,
            )
        )
    last = rows[-1][0] if rows else None
    return RecordPage(
        unit=root.code,
        start=start,
        end=end,
        records=lines,
        next_cursor=encode_cursor(last.period, last.id) if more and last is not None else None,
    )
