"""Repeats in exports, as ODK exports them: one sheet per repeat, each entry a row joined by the record's id.

A record's repeat (the questions raised at a dialogue forum, the materials handed out) is a list of
entries; spread into the record's own row it would be unreadable. So an XLSX records export gets,
after the records sheet, one sheet per repeat of the form with the record id (``Mã phiếu``, the
first column of the records sheet, so a lookup or pivot joins them), the entry's number and one
column per question of the repeat. Kept apart from ``exports`` so the record table stays one idea.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schemas.answer_labels import value_label
from schemas.catalog import latest_forms
from schemas.forms import FieldType, FormDefinition, FormField

from ..models import RecordRow, UnitRow
from .catalog import load_forms
from .exports import MAX_EXPORT_RECORDS, Cell
from .units import PATH_SEP

Sheet = tuple[str, list[str], list[list[Cell]]]  # name, headers, rows


def entry_cell(field: FormField, value: Any) -> Cell:
    """One answer inside an entry as a spreadsheet cell: choice labels, real dates, plain values."""
    if value is None:
        return None
    if field.type == FieldType.SELECT_ONE:
        return next((c.label.vi for c in field.choices if c.value == value), str(value))
    if field.type == FieldType.SELECT_MANY and isinstance(value, list):
        labels = {c.value: c.label.vi for c in field.choices}
        return "; ".join(labels.get(v, str(v)) for v in value)
    if (label := value_label(field, value)) is not None:
        return label.vi  # photos by their export names, as in the records sheet
    if field.type == FieldType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    return str(value)


def repeat_sheets(form: FormDefinition, records: Iterable[tuple[str, dict[str, Any]]]) -> list[Sheet]:
    """One sheet per repeat of ``form``: (record id, answers) pairs spread into one row per entry."""
    repeats = [f for f in form.fields if f.type == FieldType.REPEAT]
    sheets: list[Sheet] = [
        (f.label.vi, ["Mã phiếu", "Thứ tự", *[c.label.vi for c in f.fields]], []) for f in repeats
    ]
    for record_id, answers in records:
        for f, (_, _, rows) in zip(repeats, sheets, strict=True):
            entries = answers.get(f.name)
            if not isinstance(entries, list):
                continue
            for number, entry in enumerate(entries, start=1):
                if isinstance(entry, dict):
                    rows.append([record_id, number, *[entry_cell(c, entry.get(c.name)) for c in f.fields]])
    return sheets


def record_repeat_sheets(
    session: Session,
    *,
    root: UnitRow,
    form_id: str | None,
    start: date | None,
    end: date | None,
    include_void: bool = True,
) -> list[Sheet]:
    """The repeat sheets of one form's records in ``root``'s subtree (none without a form or a repeat)."""
    form = latest_forms(load_forms(session)).get(form_id) if form_id else None
    if form is None or not any(f.type == FieldType.REPEAT for f in form.fields):
        return []
    q = (
        select(RecordRow.id, RecordRow.answers)
        .join(UnitRow, UnitRow.code == RecordRow.unit_code)
        .where(or_(UnitRow.path == root.path, UnitRow.path.startswith(root.path + PATH_SEP, autoescape=True)))
        .where(RecordRow.form_id == form.id)
        .order_by(RecordRow.period, RecordRow.unit_code, RecordRow.id)
        .limit(MAX_EXPORT_RECORDS)
    )
    if start:
        q = q.where(RecordRow.period >= start)
    if end:
        q = q.where(RecordRow.period <= end)
    if not include_void:
        q = q.where(RecordRow.status != "void")
    return repeat_sheets(form, ((str(rid), answers) for rid, answers in session.execute(q).tuples()))
