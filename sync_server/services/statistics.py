"""The programme's other numbers for a unit's subtree and period, and for each of its children.

The figures themselves are pure (``schemas.statistics.figures``); this step
reads the final records of the subtree whose date falls in the period, in
one query on ``records`` (indexed by unit and period) joined to the units'
path prefix, and hands each record to its child's pile. Unlike the plan's
indicators these are not kept as rollups: they are read when a supervisor
opens the statistics or downloads a report, a bounded read of one subtree
and period, and a new breakdown needs no recount. If that read ever grows
too slow, the same per-day rollups the tallies use can carry them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schemas.catalog import latest_forms
from schemas.statistics import Figures, StatisticsReport, UnitFigures, figures

from ..models import RecordRow, UnitRow
from .catalog import load_forms
from .units import PATH_SEP

FORMS_READ = ("outreach_session", "mediation_case", "training", "awareness_survey")


def statistics_report(session: Session, *, root: UnitRow, start: date, end: date) -> StatisticsReport:
    """``root``'s figures from ``start`` to ``end`` (inclusive), and each direct child's."""
    forms = latest_forms(load_forms(session))
    prefix = root.path + PATH_SEP
    children = session.execute(
        select(UnitRow.code, UnitRow.name, UnitRow.path)
        .where(UnitRow.parent_code == root.code)
        .order_by(UnitRow.code)
    ).all()
    query = (
        select(UnitRow.path, RecordRow.form_id, RecordRow.answers)
        .join(UnitRow, UnitRow.code == RecordRow.unit_code)
        .where(
            RecordRow.status == "final",
            RecordRow.form_id.in_(FORMS_READ),
            RecordRow.period.between(start, end),
            or_(UnitRow.path == root.path, UnitRow.path.startswith(prefix, autoescape=True)),
        )
    )
    everything: list[tuple[str, dict]] = []
    piles: dict[str, list[tuple[str, dict]]] = {code: [] for code, _name, _path in children}
    child_paths = [(path, code) for code, _name, path in children]
    for path, form_id, answers in session.execute(query):
        item = (form_id, answers or {})
        everything.append(item)
        for child_path, code in child_paths:
            if path == child_path or path.startswith(child_path + PATH_SEP):
                piles[code].append(item)
                break
    return StatisticsReport(
        unit=root.code,
        unit_name=root.name,
        start=start,
        end=end,
        totals=figures(everything, forms),
        children=[
            UnitFigures(unit=code, unit_name=name, figures=figures(piles[code], forms))
            for code, name, _p in children
        ],
    )


STATISTICS_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Từ ngày", "Đến ngày", "Nhóm số liệu", "Mục", "Giá trị"]


def _unit_rows(code: str, name: str, start: date, end: date, f: Figures) -> list[list]:
    def row(group: str, item: str, value: float | None) -> list:
        return [code, name, start, end, group, item, value]

    out = [row("Buổi tuyên truyền", "Tổng số buổi", f.sessions)]
    out += [row("Buổi tuyên truyền", c.label.vi, c.count) for c in f.sessions_by_format]
    out += [row("Lượt người", c.label.vi, c.count) for c in f.person_times_by_group]
    out += [
        row("Lượt người", "Tổng số lượt người", f.person_times),
        row("Lượt người", "Trong đó nữ", f.person_times_female),
        row("Lượt người", "Quân nhân, dân quân lần đầu trong năm (người)", f.soldiers_first_time),
        row("Tài liệu", "Tài liệu, tờ rơi phát ra", f.materials),
        row("Hòa giải", "Tổng số vụ việc", f.mediation_cases),
    ]
    out += [row("Hòa giải: loại tranh chấp", c.label.vi, c.count) for c in f.mediation_by_type]
    out += [row("Hòa giải: kết quả", c.label.vi, c.count) for c in f.mediation_by_outcome]
    out += [row("Hòa giải", "Tỷ lệ hòa giải thành (%)", f.settlement_rate)]
    out += [row("Tập huấn", "Tổng số lớp", f.trainings)]
    for t in f.trainees_by_kind:
        out += [
            row("Tập huấn: quân đội", t.label.vi, t.military),
            row("Tập huấn: địa phương", t.label.vi, t.local),
        ]
    out += [row("Khảo sát", "Tổng số phiếu", f.surveys), row("Khảo sát", "Tỷ lệ đạt (%)", f.surveys_pct)]
    for g in f.surveys_by_group:
        out += [
            row("Khảo sát: số phiếu", g.label.vi, g.surveys),
            row("Khảo sát: tỷ lệ đạt (%)", g.label.vi, g.pct),
        ]
    return out


def statistics_rows(report: StatisticsReport) -> list[list]:
    """The report as rows of ``STATISTICS_HEADERS``: the unit first, then each child."""
    rows = _unit_rows(report.unit, report.unit_name, report.start, report.end, report.totals)
    for c in report.children:
        rows += _unit_rows(c.unit, c.unit_name, report.start, report.end, c.figures)
    return rows
