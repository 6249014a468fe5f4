"""CSV and XLSX exports: the tally report table and the raw records of the caller's scope.

Both are built as a header row plus rows of plain values (a pure step),
then written as CSV (UTF-8 with a BOM, so spreadsheet programs read the
Vietnamese) or XLSX (dates as real dates shown dd/mm/yyyy). Any text cell
that begins with = + - @ (or a tab or carriage return) is prefixed with an
apostrophe, so a spreadsheet never runs something an officer typed as a
formula (CSV/formula injection).

A form's photo questions name each photo by its export name (its own name
and a short hash, ``schemas.media.export_name``) joined with "; ", and the
records sheet of such a form ends with the record's photo count.

Exports stream: record rows are read ``STREAM_BATCH`` at a time, tally rows
one period at a time, and written as they come (CSV in pieces; XLSX through
a write-only workbook in a temporary file), so an export of 200,000 records
or of twelve years of months does not hold its table or its file in memory.

Exports never fail on a stored value: a time too far out to convert to local
time is written as UTC text, and control characters (which XLSX cannot hold)
become U+FFFD. The library's own error would otherwise quote the value,
and a value is field data.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schemas.answer_labels import value_label
from schemas.catalog import latest_forms
from schemas.common import vn_date
from schemas.forms import FieldType, FormDefinition
from schemas.media import has_photos, placed_refs
from schemas.periods import Granularity, buckets
from schemas.plan_report import IndicatorProgress, ProgressStatus
from schemas.plans import Plan
from schemas.units import UNIT_TYPES

from ..models import RecordRow, UnitRow
from .catalog import load_forms
from .tallies.reports import evaluate_node
from .tallies.sums import period_sums
from .tallies.tree import load_tree
from .units import PATH_SEP

Cell = str | int | float | date | datetime | None
Sheet = tuple[str, Sequence[str], Iterable[Sequence[Cell]]]  # name, headers, rows
MAX_EXPORT_RECORDS = 200_000
STREAM_BATCH = 1000  # records read (and rows written) at a time by a streamed export
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# what XML 1.0 (and so XLSX) cannot hold; CSV readers choke on NUL too
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

STATUS_VI = {
    ProgressStatus.REACHED: "Đã đạt",
    ProgressStatus.ON_TRACK: "Đúng tiến độ",
    ProgressStatus.BEHIND: "Chậm tiến độ",
    ProgressStatus.NO_DATA: "Chưa có số liệu",
}
RECORD_STATUS_VI = {"final": "Hoàn tất", "void": "Đã hủy", "draft": "Nháp"}
PHOTO_COUNT = (
    "Số ảnh"  # the last column of a form with photo questions: the record's photos, repeats included
)

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
    """``value``, with formula-like text made inert and control characters replaced."""
    if isinstance(value, str):
        value = _CONTROL.sub("\ufffd", value)
        if value.startswith(_DANGEROUS):
            return "'" + value
    return value


def _local(value: datetime, zone: Any) -> datetime | None:
    """``value`` in ``zone``, naive; None when it cannot be expressed there (year 9999 and the like)."""
    try:
        return value.astimezone(zone).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return None


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
) -> Iterator[list[Cell]]:
    """One row per unit of ``root``'s subtree × indicator (and segment) × period, one period at a time.

    The whole period comes first, then its months (quarters, years) when ``granularity`` splits
    it: the file holds the totals the screen showed, not only the pieces to add up (a year's
    share is not the sum of its months' shares). A period's sums are read when its rows are
    due, while ``session`` stays open: memory holds one period's rows, not the export's.
    """
    tree = load_tree(session, root)
    spans = [(start, end)]
    if granularity:
        spans += [span for span in buckets(start, end, granularity) if span != (start, end)]
    segment_labels = {s.id: s.label.vi for i in plan.indicators for s in i.segments}
    for p_start, p_end in spans:
        data = period_sums(session, plan=plan, root=root, start=p_start, end=p_end)
        for unit in tree.rows:
            type_label = UNIT_TYPES[unit.type].vi if unit.type in UNIT_TYPES else unit.type
            for p in evaluate_node(plan, tree, unit, data):
                ind = plan.indicator(p.indicator_id)
                title = ind.title.vi if ind else p.indicator_id
                head: list[Cell] = [unit.code, unit.name, type_label, p.number, title]
                yield (
                    head
                    + ["", p_start, p_end]
                    + _progress_cells(p)
                    + [p.person_times, p.previous_pct, p.change_pct, STATUS_VI[p.status]]
                )
                for seg in p.segments:
                    yield (
                        head
                        + [segment_labels.get(seg.segment_id, seg.segment_id), p_start, p_end]
                        + _progress_cells(seg)
                        + [None, None, None, STATUS_VI[seg.status]]
                    )


def _answer_cell(form: FormDefinition | None, name: str, value: Any) -> Cell:
    field = form.field(name) if form else None
    if value is None:
        return None
    if field is not None and field.type == FieldType.SELECT_ONE:
        return next((c.label.vi for c in field.choices if c.value == value), str(value))
    if field is not None and field.type == FieldType.SELECT_MANY and isinstance(value, list):
        labels = {c.value: c.label.vi for c in field.choices}
        return "; ".join(labels.get(v, str(v)) for v in value)
    if field is not None and (label := value_label(field, value)) is not None:
        return label.vi  # a calculated yes/no reads "Có"/"Không", as on the phone
    if field is not None and field.type == FieldType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    return json.dumps(value, ensure_ascii=False)


def _record_query(
    root: UnitRow, form_id: str | None, start: date | None, end: date | None, include_void: bool
):
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
    return q


def record_rows(
    session: Session,
    *,
    root: UnitRow,
    form_id: str | None,
    start: date | None,
    end: date | None,
    include_void: bool = True,
) -> tuple[list[str], Iterator[list[Cell]]]:
    """Headers, and the rows of the records of ``root``'s subtree, read ``STREAM_BATCH`` at a time.

    The rows are produced while ``session`` stays open; memory holds one batch, not the export.
    """
    forms = {f.key: f for f in load_forms(session)}
    latest = latest_forms(forms.values())
    form = latest.get(form_id) if form_id else None
    fields = [f for f in form.fields] if form else []
    photos = form is not None and has_photos(form)
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
    if photos:
        headers.append(PHOTO_COUNT)
    q = _record_query(root, form_id, start, end, include_void).execution_options(yield_per=STREAM_BATCH)

    def rows() -> Iterator[list[Cell]]:
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
                if photos:
                    base.append(len({ref.sha256 for _, ref in placed_refs(rec_form or form, rec.answers)}))
            else:
                base.append(json.dumps(rec.answers, ensure_ascii=False, sort_keys=True))
            yield base

    return headers, rows()


def record_table(
    session: Session,
    *,
    root: UnitRow,
    form_id: str | None,
    start: date | None,
    end: date | None,
    include_void: bool = True,
) -> tuple[list[str], list[list[Cell]]]:
    """Headers and all rows at once (``record_rows``, collected): for small tables and tests."""
    headers, rows = record_rows(
        session, root=root, form_id=form_id, start=start, end=end, include_void=include_void
    )
    return headers, list(rows)


def _text(value: Cell, zone: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = _local(value, zone)
        return f"{vn_date(local)} {local:%H:%M}" if local else value.isoformat()
    if isinstance(value, date):
        return vn_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, zone: Any) -> Iterator[bytes]:
    """``to_csv``'s bytes in pieces of about ``STREAM_BATCH`` rows: the whole file is never in memory."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow([neutralise(h) for h in headers])
    for n, row in enumerate(rows, start=1):
        writer.writerow([neutralise(_text(v, zone)) if isinstance(v, str) else _text(v, zone) for v in row])
        if n % STREAM_BATCH == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, zone: Any) -> bytes:
    """UTF-8 CSV with a BOM; dates dd/mm/yyyy, times in ``zone``; formula-like text neutralised."""
    return b"".join(csv_chunks(headers, rows, zone=zone))


def xlsx_chunks(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    zone: Any,
    sheet: str,
    more: Sequence[Sheet] = (),
) -> Iterator[bytes]:
    """``to_xlsx``'s bytes, built on disk (a write-only workbook into a temporary file), read in pieces.

    ``more``: sheets written after the first one (a records export's repeats, one sheet each).
    """
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(tmp, [(sheet, headers, rows), *more], zone=zone)
        tmp.seek(0)
        while chunk := tmp.read(256 * 1024):
            yield chunk


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, zone: Any, sheet: str) -> bytes:
    """An XLSX workbook of one sheet; dates are date cells shown dd/mm/yyyy, text is neutralised."""
    buf = io.BytesIO()
    write_xlsx(buf, [(sheet, headers, rows)], zone=zone)
    return buf.getvalue()


def write_xlsx(out: Any, sheets: Iterable[Sheet], *, zone: Any) -> None:
    """Sheets into an XLSX workbook written to ``out``; sheet names made valid and unique for Excel."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for sheet, headers, rows in sheets:
        ws = wb.create_sheet(_sheet_title(sheet, used))
        head = []
        for h in headers:
            c = WriteOnlyCell(ws, value=neutralise(h))
            c.font = bold
            head.append(c)
        ws.append(head)
        for row in rows:
            cells = []
            for v in row:
                local = _local(v, zone) if isinstance(v, datetime) else None
                if isinstance(v, datetime) and local is None:
                    c = WriteOnlyCell(ws, value=v.isoformat())
                    c.data_type = "s"
                elif isinstance(v, datetime):
                    c = WriteOnlyCell(ws, value=local)
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
                cells.append(c)
            ws.append(cells)
    wb.save(out)


def _sheet_title(name: str, used: set[str]) -> str:
    # Excel forbids these in sheet names and caps them at 31 characters.
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip() or "Sheet"
    title, n = clean[:31], 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title
