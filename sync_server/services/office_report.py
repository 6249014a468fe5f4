"""The report an office files: one formatted XLSX workbook for a unit, plan and period.

Laid out the way Vietnamese administrative reports are: the issuing unit and
the national motto side by side, a title naming the period, then I. the
plan's indicators (target, milestone due, value, status, gap; people and
person-times for the coverage indicators), II. the programme's other numbers
(``schemas.statistics``) and III. the units furthest behind, and a place to
sign. Numbers are written as numbers (a spreadsheet can add them up), dates
as date cells shown dd/mm/yyyy, headers in Vietnamese. Every text an officer
or a plan file supplied goes through ``exports.neutralise``, so nothing in
the workbook runs as a formula.

The workbook is built from a ``TallyReport`` and a ``StatisticsReport``
(``office_workbook``, no database), so it can be checked against hand-made
numbers; ``office_report`` reads both for a unit and period.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from schemas.common import vn_date
from schemas.plan_report import IndicatorProgress, ProgressStatus, TallyReport
from schemas.plans import Plan
from schemas.statistics import Count, Figures, StatisticsReport

from ..models import UnitRow
from .exports import STATUS_VI, neutralise
from .statistics import statistics_report
from .tallies.reports import build_report

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
INDICATOR_HEADERS = [
    "STT",
    "Chỉ tiêu",
    "Mục tiêu (%)",
    "Mốc phải đạt (%)",
    "Hạn mốc",
    "Tử số",
    "Mẫu số",
    "Kết quả (%)",
    "Số lượt người trong kỳ",
    "Còn thiếu (điểm %)",
    "Trạng thái",
]
WIDTHS = [6, 58, 12, 12, 12, 11, 11, 12, 13, 13, 18]
NUMBER = "#,##0"
DECIMAL = "#,##0.00"
RATE = "0.0000"
MAX_BEHIND = 10  # units listed in part III


def period_label(plan: Plan, start: date, end: date) -> str:
    """The period as a Vietnamese title says it: a year, its first or last six months, a phase, or dates."""
    for phase in plan.phases:
        if (phase.start, phase.end) == (start, end):
            return phase.label.vi
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return f"Năm {start.year}"
    if start == date(start.year, 1, 1) and end == date(start.year, 6, 30):
        return f"6 tháng đầu năm {start.year}"
    if start == date(start.year, 7, 1) and end == date(start.year, 12, 31):
        return f"6 tháng cuối năm {start.year}"
    return f"Từ {vn_date(start)} đến {vn_date(end)}"


class _Sheet:
    """A cursor over one worksheet: rows are appended top to bottom with the report's few styles."""

    def __init__(self, ws) -> None:
        from openpyxl.styles import Alignment, Border, Font, Side

        self.ws = ws
        self.row = 1
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.bold = Font(name="Times New Roman", bold=True, size=12)
        self.plain = Font(name="Times New Roman", size=12)
        self.italic = Font(name="Times New Roman", italic=True, size=12)
        self.title = Font(name="Times New Roman", bold=True, size=14)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.right = Alignment(horizontal="right", vertical="center")
        for i, w in enumerate(WIDTHS, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = w

    def line(self, text: str, *, font=None, span: tuple[int, int] = (1, len(WIDTHS)), align=None) -> None:
        """One line of text over columns ``span`` (merged)."""
        first, last = span
        c = self.ws.cell(row=self.row, column=first, value=neutralise(text))
        c.font = font or self.plain
        c.alignment = align or self.center
        if last > first:
            self.ws.merge_cells(start_row=self.row, start_column=first, end_row=self.row, end_column=last)

    def next(self, n: int = 1) -> None:
        self.row += n

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[object]], formats: Sequence[str | None]
    ) -> None:
        """A bordered table from column 1; numbers stay numbers with ``formats`` per column."""
        for col, h in enumerate(headers, start=1):
            c = self.ws.cell(row=self.row, column=col, value=h)
            c.font, c.alignment, c.border = self.bold, self.center, self.border
        self.fit(headers)
        self.next()
        for values in rows:
            self.fit(values)
            for col, v in enumerate(values, start=1):
                c = self.ws.cell(row=self.row, column=col, value=neutralise(v) if isinstance(v, str) else v)
                c.font, c.border = self.plain, self.border
                if isinstance(v, (date, datetime)):
                    c.number_format, c.alignment = "dd/mm/yyyy", self.center
                elif isinstance(v, (int, float)):
                    fmt = formats[col - 1] or NUMBER
                    # a share in a column of counts (the settlement rate) keeps its decimals
                    c.number_format = DECIMAL if fmt == NUMBER and not float(v).is_integer() else fmt
                    c.alignment = self.right
                    if col == 1:  # the running number (STT) sits in the middle of its narrow column
                        c.alignment = self.center
                else:
                    c.alignment = self.left if col == 2 else self.center
            self.next()

    def fit(self, values: Sequence[object]) -> None:
        """Make the current row tall enough for its wrapped text (a spreadsheet does not grow it)."""
        lines = 1
        for col, v in enumerate(values, start=1):
            if isinstance(v, str) and col <= len(WIDTHS):
                lines = max(lines, math.ceil(len(v) * 1.1 / WIDTHS[col - 1]))
        if lines > 1:
            self.ws.row_dimensions[self.row].height = 16 * lines


def _indicator_rows(plan: Plan, totals: Sequence[IndicatorProgress]) -> list[list[object]]:
    rows: list[list[object]] = []
    segment_labels = {s.id: s.label.vi for i in plan.indicators for s in i.segments}
    for p in totals:
        ind = plan.indicator(p.indicator_id)
        title = ind.title.vi if ind else p.indicator_id
        status = STATUS_VI[p.status]
        if p.kind == "decrease":
            note = "Tỷ lệ vi phạm trên 100 người-tháng"
            if p.previous_pct is not None:
                note += f"; kỳ so sánh: {p.previous_pct:.4f}".replace(".", ",")
            if p.change_pct is not None:
                note += f"; thay đổi {p.change_pct:+.2f}%".replace(".", ",")
            rows.append(
                [
                    p.number,
                    f"{title} ({note})",
                    None,
                    None,
                    None,
                    p.numerator,
                    p.denominator,
                    p.pct,
                    None,
                    None,
                    status,
                ]
            )
            continue
        rows.append([
            p.number, title, p.target_pct, p.milestone_pct, p.milestone_due, p.numerator, p.denominator,
            p.pct, p.person_times, p.gap, status,
        ])  # fmt: skip
        for s in p.segments:
            rows.append([
                None, f"   Trong đó: {segment_labels.get(s.segment_id, s.segment_id)}", s.target_pct,
                s.milestone_pct, s.milestone_due, s.numerator, s.denominator, s.pct, None, s.gap,
                STATUS_VI[s.status],
            ])  # fmt: skip
    return rows


def _counts(items: Sequence[Count]) -> list[list[object]]:
    return [[i, c.label.vi, c.count] for i, c in enumerate(items, start=1)]


def _statistics(sheet: _Sheet, f: Figures) -> None:
    blocks: list[tuple[str, list[list[object]], list[str], list[str | None]]] = [
        (
            f"1. Buổi tuyên truyền theo hình thức (tổng {f.sessions:,} buổi)".replace(",", "."),
            _counts(f.sessions_by_format),
            ["STT", "Hình thức", "Số buổi"],
            [None, None, NUMBER],
        ),
        (
            "2. Lượt người được tuyên truyền theo đối tượng",
            _counts(f.person_times_by_group)
            + [[None, "Tổng số lượt người", f.person_times], [None, "Trong đó nữ", f.person_times_female],
               [None, "Quân nhân, dân quân lần đầu trong năm (người)", f.soldiers_first_time],
               [None, "Tài liệu, tờ rơi phát ra", f.materials]],
            ["STT", "Đối tượng", "Số lượt"],
            [None, None, NUMBER],
        ),
        (
            f"3. Vụ việc hòa giải (tổng {f.mediation_cases} vụ)",
            [[i, f"Loại: {c.label.vi}", c.count] for i, c in enumerate(f.mediation_by_type, start=1)]
            + [[None, f"Kết quả: {c.label.vi}", c.count] for c in f.mediation_by_outcome]
            + [[None, "Tỷ lệ hòa giải thành (%) (trên số vụ đã kết thúc hòa giải)", f.settlement_rate]],
            ["STT", "Loại tranh chấp / kết quả", "Số vụ"],
            [None, None, NUMBER],
        ),
        (
            f"4. Tập huấn, bồi dưỡng (tổng {f.trainings} lớp)",
            [[i, t.label.vi, t.military, t.local, t.military + t.local]
             for i, t in enumerate(f.trainees_by_kind, start=1)],
            ["STT", "Đối tượng được tập huấn (lượt người)", "Quân đội", "Địa phương", "Cộng"],
            [None, None, NUMBER, NUMBER, NUMBER],
        ),
        (
            f"5. Khảo sát nhận thức pháp luật (tổng {f.surveys} phiếu, đạt {_pct_text(f.surveys_pct)})",
            [[i, g.label.vi, g.surveys, g.passed, g.pct] for i, g in enumerate(f.surveys_by_group, start=1)],
            ["STT", "Nhóm người trả lời", "Số phiếu", "Số đạt", "Tỷ lệ đạt (%)"],
            [None, None, NUMBER, NUMBER, DECIMAL],
        ),
    ]  # fmt: skip
    for title, rows, headers, formats in blocks:
        sheet.line(title, font=sheet.bold, align=sheet.left)
        sheet.next()
        sheet.table(headers, rows, formats)
        sheet.next()


def _pct_text(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}%".replace(".", ",")


def office_workbook(
    *, plan: Plan, report: TallyReport, stats: StatisticsReport, issuer: str, issued: date
) -> bytes:
    """The report as XLSX bytes (see the module docstring); ``issuer`` heads the title block."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    sheet = _Sheet(ws)
    n = len(WIDTHS)
    sheet.line(issuer.upper(), font=sheet.bold, span=(1, 3))
    sheet.line(MOTTO[0], font=sheet.bold, span=(6, n))
    sheet.next()
    sheet.line(report.unit_name.upper(), font=sheet.bold, span=(1, 3))
    sheet.line(MOTTO[1], font=sheet.bold, span=(6, n))
    sheet.next()
    sheet.line(
        f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}", font=sheet.italic, span=(6, n)
    )
    sheet.next(2)
    sheet.line("BÁO CÁO", font=sheet.title)
    sheet.next()
    sheet.line(f"Kết quả thực hiện {plan.title.vi}", font=sheet.bold)
    sheet.next()
    sheet.line(f"Kỳ báo cáo: {period_label(plan, report.start, report.end)}", font=sheet.bold)
    sheet.next()
    sheet.line(f"(Từ ngày {vn_date(report.start)} đến ngày {vn_date(report.end)})", font=sheet.italic)
    sheet.next()
    sheet.line(f"Đơn vị: {report.unit_name} (mã {report.unit}); số liệu đến {vn_date(report.as_of.date())}",
               font=sheet.italic)  # fmt: skip
    sheet.next(2)

    sheet.line("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", font=sheet.bold, align=sheet.left)
    sheet.next()
    sheet.table(
        INDICATOR_HEADERS,
        _indicator_rows(plan, report.totals),
        [None, None, DECIMAL, DECIMAL, None, NUMBER, NUMBER, DECIMAL, NUMBER, DECIMAL, None],
    )
    _decrease_rates(sheet, report.totals)
    coverage = ", ".join(str(i.number) for i in plan.indicators if i.kind == "coverage")
    if coverage:
        sheet.line(
            f"Chỉ tiêu {coverage} tính theo số người (mỗi người một lần trong năm, đến ngày cuối kỳ), "
            "không theo lượt người; số lượt người của kỳ ghi riêng ở cột «Số lượt người trong kỳ».",
            font=sheet.italic,
            align=sheet.left,
        )
        ws.row_dimensions[sheet.row].height = 32
    sheet.next(2)

    sheet.line("II. SỐ LIỆU HOẠT ĐỘNG PHỔ BIẾN, GIÁO DỤC PHÁP LUẬT", font=sheet.bold, align=sheet.left)
    sheet.next()
    _statistics(sheet, stats.totals)

    sheet.line("III. CÁC ĐƠN VỊ CHẬM TIẾN ĐỘ NHẤT", font=sheet.bold, align=sheet.left)
    sheet.next()
    behind = [(c, c.shortfall) for c in report.children if c.shortfall is not None][:MAX_BEHIND]
    rows = []
    for i, (c, shortfall) in enumerate(behind, start=1):
        late = [str(p.number) for p in c.indicators if p.status == ProgressStatus.BEHIND]
        rows.append([i, c.unit_name, c.unit, round(100 * shortfall, 2), ", ".join(late) or "—"])
    if rows:
        sheet.table(["STT", "Đơn vị", "Mã", "Mức thiếu hụt (%)", "Chỉ tiêu chậm"], rows,
                    [None, None, None, DECIMAL, None])  # fmt: skip
    else:
        sheet.line("(Không có đơn vị trực thuộc có số liệu)", font=sheet.italic, align=sheet.left)
        sheet.next()
    sheet.next()
    sheet.line("NGƯỜI LẬP BÁO CÁO", font=sheet.bold, span=(1, 3))
    sheet.line("CHỈ HUY ĐƠN VỊ", font=sheet.bold, span=(7, n))
    sheet.next()
    sheet.line("(Ký, ghi rõ họ tên)", font=sheet.italic, span=(1, 3))
    sheet.line("(Ký tên, đóng dấu)", font=sheet.italic, span=(7, n))
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes, one page across
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _decrease_rates(sheet: _Sheet, totals: Sequence[IndicatorProgress]) -> None:
    """The windows a "falling every year" indicator compared, one line each, under the table."""
    for p in totals:
        if p.kind != "decrease" or not p.windows:
            continue
        sheet.next()
        sheet.table(
            [f"Chỉ tiêu {p.number}", "Khoảng so sánh (12 tháng hoặc cùng kỳ)", "Từ ngày", "Đến ngày", "Số vụ",
             "Người-tháng", "Tỷ lệ / 100"],
            [[None, f"Khoảng {i}", w.start, w.end, w.numerator, w.denominator, w.rate]
             for i, w in enumerate(p.windows, start=1)],
            [None, None, None, None, NUMBER, NUMBER, RATE],
        )  # fmt: skip
    sheet.next()


def office_report(
    session: Session, *, plan: Plan, root: UnitRow, start: date, end: date, as_of: datetime, issued: date
) -> bytes:
    """The office report of ``root`` for ``plan`` from ``start`` to ``end``, as XLSX bytes."""
    report = build_report(session, plan=plan, root=root, start=start, end=end, as_of=as_of)
    stats = statistics_report(session, root=root, start=start, end=end)
    return office_workbook(
        plan=plan, report=report, stats=stats, issuer=plan.issuer or root.name, issued=issued
    )
