"""The units × indicators table a supervisor compares the units below with: rows, columns, sort order.

Flet-free, so the order is tested without a browser. Rows start furthest behind first (the
report's own order, ``schemas.plan_report.rank_children``); a column heading sorts by that column and a
second tap on it reverses. Whatever the direction, a unit without a figure in the sorted column
goes last: "no data" is never mistaken for "best" or "worst".
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.plan_report import ProgressStatus, TallyReport, UnitTally
from schemas.plans import Plan

from ...reports import worst_status

UNIT_COLUMN = 0
BEHIND_COLUMN = 1  # the shortfall; indicators follow, one column each, in the plan's order


@dataclass(frozen=True)
class Cell:
    pct: float | None
    status: ProgressStatus


@dataclass(frozen=True)
class Row:
    unit: str
    name: str
    shortfall: float | None
    status: ProgressStatus
    cells: tuple[Cell, ...]  # one per indicator column


@dataclass
class Sort:
    column: int = BEHIND_COLUMN
    ascending: bool = False  # furthest behind first

    def tap(self, column: int) -> None:
        """A tap on a heading: sort by it, or reverse when it already sorts the table."""
        if column == self.column:
            self.ascending = not self.ascending
        else:
            # Names read A→Z; figures start with the worst (most behind, lowest percentage).
            self.column, self.ascending = column, column != BEHIND_COLUMN


def indicator_ids(plan: Plan) -> list[str]:
    return [i.id for i in plan.indicators]


def rows(report: TallyReport, plan: Plan, sort: Sort) -> list[Row]:
    ids = indicator_ids(plan)
    out = [_row(child, ids) for child in report.children]
    return sorted_rows(out, sort)


def _row(child: UnitTally, ids: list[str]) -> Row:
    by_id = {i.indicator_id: i for i in child.indicators}
    cells = tuple(
        Cell(by_id[i].pct, by_id[i].status) if i in by_id else Cell(None, ProgressStatus.NO_DATA) for i in ids
    )
    return Row(child.unit, child.unit_name, child.shortfall, worst_status(child.indicators), cells)


def sorted_rows(table: list[Row], sort: Sort) -> list[Row]:
    if sort.column == UNIT_COLUMN:
        return sorted(table, key=lambda r: (r.name.casefold(), r.unit), reverse=not sort.ascending)

    def figure(r: Row) -> float | None:
        if sort.column == BEHIND_COLUMN:
            return r.shortfall
        return r.cells[sort.column - 2].pct

    known = [r for r in table if figure(r) is not None]
    unknown = [r for r in table if figure(r) is None]
    known.sort(key=lambda r: (figure(r), r.unit), reverse=not sort.ascending)
    return known + sorted(unknown, key=lambda r: r.unit)
