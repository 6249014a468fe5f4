"""CSV and XLSX exports: the tally report table and the raw records of the caller's scope.

Both are built as a header row plus rows of plain values (a pure step),
then written as CSV (UTF-8 with a BOM, so spreadsheet programs read the
Vietnamese) or XLSX (dates as real dates shown dd/mm/yyyy). Any text cell
that begins with = + - @ (or a tab or carriage return) is prefixed with an
apostrophe, so a spreadsheet never runs something an officer typed as a
formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schemas.catalog import latest_forms
from schemas.common import vn_date
from schemas.forms import FieldType, FormDefinition
from schemas.periods import Granularity, buckets
from schemas.plans import IndicatorProgress, Plan, ProgressStatus
from schemas.units import UNIT_TYPES

from ..models import RecordRow, UnitRow
from .catalog import load_forms
from .tallies.reports import evaluate_node
from .tallies.sums import period_sums
from .tallies.tree import load_tree
from .units import PATH_SEP

Cell = str | int | float | date | datetime | None
MAX_EXPORT_RECORDS = 200_000
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

STATUS_VI = {
    ProgressStatus.REACHED: "Đã đạt",
    ProgressStatus.ON_TRACK: "Đúng tiến độ",
    ProgressStatus.BEHIND: "Chậm tiến độ",
    ProgressStatus.NO_DATA: "Chưa có số liệu",
}
RECORD_STATUS_VI = {"final": "Hoàn tất", "void": "Đã hủy", "draft": "Nháp"}

TALLY_HEADERS = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Loại đơn vị",
    "Chỉ tiêu",
    "Tên chỉ tiêu",
    "Nhóm địa bàn",
    "Từ ngày",
    "Đến ngày",
    "Tử số",
    "Mẫu số",
    "Tỷ lệ (%)",
    "Mốc phải đạt (%)",
    "Hạn mốc",
    "Mục tiêu (%)",
    "Còn thiếu (điểm %)",
    "Số lượt người trong kỳ",  # beside a coverage indicator's people: the attendances, as reports count them
    "Cùng kỳ năm trước (%)",
    "Thay đổi so với cùng kỳ (%)",
    "Trạng thái",
]


def neutralise(value: Cell) -> Cell:
    """``value``, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _progress_cells(p: IndicatorProgress | Any) -> list[Cell]:
    return [
        p.numerator,
        p.denominator,
        p.pct,
        p.milestone_pct,
        p.milestone_due,
        p.target_pct,
        p.gap if getattr(p, "kind", "percent") != "decrease" else None,
    ]


def tally_rows(
    session: Session,
    *,
    plan: Plan,
    root: UnitRow,
    start: date,
    end: date,
    granularity: Granularity | None,
) -> list[list[Cell]]:
    """One row per unit of ``root``'s subtree × indicator (and segment) × period."""
    tree = load_tree(session, root)
    spans = buckets(start, end, granularity) if granularity else [(start, end)]
    segment_labels = {s.id: s.label.vi for i in plan.indicators for s in i.segments}
    rows: list[list[Cell]] = []
    for p_start, p_end in spans:
        data = period_sums(session, plan=plan, root=root, start=p_start, end=p_end)
        for unit in tree.rows:
            type_label = UNIT_TYPES[unit.type].vi if unit.type in UNIT_TYPES else unit.type
            for p in evaluate_node(plan, tree, unit, data):
                ind = plan.indicator(p.indicator_id)
                title = ind.title.vi if ind else p.indicator_id
                head = [unit.code, unit.name, type_label, p.number, title]
                rows.append(
                    head
                    + ["", p_start, p_end]
                    + _progress_cells(p)
                    + [p.person_times, p.previous_pct, p.change_pct, STATUS_VI[p.status]]
                )
                for seg in p.segments:
                    rows.append(
                        head
                        + [segment_labels.get(seg.segment_id, seg.segment_id), p_start, p_end]
                        + _progress_cells(seg)
                        + [None, None, None, STATUS_VI[seg.status]]
                    )
    return rows


def _answer_cell(form: FormDefinition | None, name: str, value: Any) -> Cell:
    field = form.field(name) if form else None
    if value is None:
        return None
    if field is not None and field.type == FieldType.SELECT_ONE:
        return next((c.label.vi for c in field.choices if c.value == value), str(value))
    if field is not None and field.type == FieldType.SELECT_MANY and isinstance(value, list):
        labels = {c.value: c.label.vi for c in field.choices}
        return "; ".join(labels.get(v, str(v)) for v in value)
    if field is not None and field.type == FieldType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    return json.dumps(value, ensure_ascii=False)


def record_table(
    session: Session,
    *,
    root: UnitRow,
    form_id: str | None,
    start: date | None,
    end: date | None,
    include_void: bool = True,
) -> tuple[list[str], list[list[Cell]]]:
    """Headers and rows of the records of ``root``'s subtree (one form's answers spread into columns)."""
    forms = {f.key: f for f in load_forms(session)}
    latest = latest_forms(forms.values())
    form = latest.get(form_id) if form_id else None
    fields = [f for f in form.fields] if form else []
    headers = [
        "Mã phiếu",
        "Biểu mẫu",
        "Phiên bản",
        "Mã đơn vị",
        "Tên đơn vị",
        "Người ghi",
        "Thiết bị",
        "Trạng thái",
        "Lần sửa",
        "Ngày tính",
        "Tạo lúc",
        "Sửa lúc",
        "Máy chủ nhận lúc",
        "Lý do hủy",
    ] + ([f.label.vi for f in fields] if form else ["Câu trả lời (JSON)"])
    q = (
        select(RecordRow, UnitRow.name)
        .join(UnitRow, UnitRow.code == RecordRow.unit_code)
        .where(or_(UnitRow.path == root.path, UnitRow.path.startswith(root.path + PATH_SEP, autoescape=True)))
        .order_by(RecordRow.period, RecordRow.unit_code, RecordRow.id)
        .limit(MAX_EXPORT_RECORDS)
    )
    if form_id:
        q = q.where(RecordRow.form_id == form_id)
    if start:
        q = q.where(RecordRow.period >= start)
    if end:
        q = q.where(RecordRow.period <= end)
    if not include_void:
        q = q.where(RecordRow.status != "void")
    rows: list[list[Cell]] = []
    for rec, unit_name in session.execute(q).tuples():
        rec_form = forms.get((rec.form_id, rec.form_version))
        base: list[Cell] = [
            str(rec.id),
            rec_form.title.vi if rec_form else rec.form_id,
            rec.form_version,
            rec.unit_code,
            unit_name,
            rec.author,
            rec.device,
            RECORD_STATUS_VI.get(rec.status, rec.status),
            rec.revision,
            rec.period,
            rec.created_at,
            rec.updated_at,
            rec.received_at,
            rec.void_reason,
        ]
        if form:
            base += [_answer_cell(rec_form or form, f.name, rec.answers.get(f.name)) for f in fields]
        else:
            base.append(json.dumps(rec.answers, ensure_ascii=False, sort_keys=True))
        rows.append(base)
    return headers, rows


def _text(value: Cell, zone: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(zone)
        return f"{vn_date(local)} {local:%H:%M}"
    if isinstance(value, date):
        return vn_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, zone: Any) -> bytes:
    """UTF-8 CSV with a BOM; dates dd/mm/yyyy, times in ``zone``; formula-like text neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise(_text(v, zone)) if isinstance(v, str) else _text(v, zone) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, zone: Any, sheet: str) -> bytes:
    """An XLSX workbook of one sheet; dates are date cells shown dd/mm/yyyy, text is neutralised."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    bold = Font(bold=True)
    head = []
    for h in headers:
        c = WriteOnlyCell(ws, value=neutralise(h))
        c.font = bold
        head.append(c)
    ws.append(head)
    for row in rows:
        out = []
        for v in row:
            if isinstance(v, datetime):
                c = WriteOnlyCell(ws, value=v.astimezone(zone).replace(tzinfo=None))
                c.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(v, date):
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "dd/mm/yyyy"
            else:
                c = WriteOnlyCell(ws, value=neutralise(v))
                # openpyxl stores a string starting with "=" as a formula; neutralise() already
                # prefixed it, and data_type "s" keeps any other text literal
                if isinstance(v, str):
                    c.data_type = "s"
            out.append(c)
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
