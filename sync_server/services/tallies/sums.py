"""The sum queries: a subtree's per-unit sums of a plan's measures over a period, in at most two queries.

The period is read as ``cover`` says (whole years and months from the
rollups, the partial-month edges from the daily rows), restricted to units
under the root by a prefix match on ``units.path``; the adding up the tree
happens in memory (``Tree.rolled_up``). That is what an export of every
unit and a drill-down set need; one report adds up in the database instead
(``grouped``, from the same pieces: ``piece_sources``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from schemas.periods import coverage_span, rate_windows
from schemas.plans import Plan

from ...models import TallyRollupRow, TallyRow, UnitRow
from .cover import Piece, cover, last_day
from .tree import Node, Tree, UnitSums, in_subtree


def plan_bounds(session: Session, plan_id: str) -> tuple[date, date] | None:
    """The plan's first and last day with tallies (None when it has none)."""
    of_plan = TallyRow.plan_id == plan_id
    bounds = session.execute(  # two subqueries: each is one index probe; min and max together scan
        select(
            select(func.min(TallyRow.day)).where(of_plan).scalar_subquery(),
            select(func.max(TallyRow.day)).where(of_plan).scalar_subquery(),
        )
    ).one()
    return None if bounds[0] is None else (bounds[0], bounds[1])


def read_pieces(start: date, end: date, bounds: tuple[date, date]) -> list[Piece]:
    """``cover(start, end)`` less the pieces wholly before the first or after the last day with tallies.

    Those add nothing: this year to date is then the year alone, and the year
    before the first one costs nothing.
    """
    return [p for p in cover(start, end) if last_day(p) >= bounds[0] and p[1] <= bounds[1]]


def piece_sources(
    plan_id: str, pieces: list[Piece], measures: Iterable[str] | None
) -> list[tuple[Any, Any, list[Any]]]:
    """Per table read (daily rows, rollups): the table, its signed amount and its conditions.

    The conditions select the plan, the pieces' rows and ``measures`` (all
    when None); a piece read with sign -1 (a complement) counts negative.
    """
    out: list[tuple[Any, Any, list[Any]]] = []
    days = [(TallyRow.day.between(lo, hi), sign) for grain, lo, hi, sign in pieces if grain == "day"]
    r = TallyRollupRow
    rolled = [(and_(r.grain == g, r.start.between(lo, hi)), sign) for g, lo, hi, sign in pieces if g != "day"]
    for t, ranges in ((TallyRow, days), (r, rolled)):
        if not ranges:
            continue
        negative = [cond for cond, sign in ranges if sign < 0]
        amount = case((or_(*negative), -t.total), else_=t.total) if negative else t.total
        where = [t.plan_id == plan_id, or_(*(cond for cond, _ in ranges))]
        if measures is not None:
            where.append(t.measure_id.in_(sorted(set(measures))))
        out.append((t, amount, where))
    return out


def unit_sums(
    session: Session,
    *,
    plan_id: str,
    root: UnitRow | Node,
    start: date,
    end: date,
    measures: Iterable[str] | None = None,
) -> UnitSums:
    """Each unit's own sums of ``plan``'s measures (or of ``measures``) from ``start`` to ``end``
    (inclusive), subtree of ``root``.

    One look at the plan's first and last day with tallies, then at most
    two queries: the daily rows of the partial-month edges (up to
    16 days per edge, summed by the database), and the month and year
    rollups of the rest (``cover``: a few rows per unit and measure, added
    up here, which is cheaper than a GROUP BY sorting them).
    """
    bounds = plan_bounds(session, plan_id)
    if bounds is None:
        return {}
    out: UnitSums = {}
    for t, amount, where in piece_sources(plan_id, read_pieces(start, end, bounds), measures):
        if t is TallyRow:
            query = select(t.unit_code, t.measure_id, func.sum(amount)).group_by(t.unit_code, t.measure_id)
        else:
            query = select(t.unit_code, t.measure_id, amount)
        query = query.join(UnitRow, UnitRow.code == t.unit_code).where(*where, in_subtree(root.path))
        for unit_code, measure_id, total in session.connection().execute(query).all():
            sums = out.get(unit_code)
            if sums is None:
                sums = out[unit_code] = {}
            sums[measure_id] = sums.get(measure_id, 0.0) + total
    return out


class ReportSums(Protocol):
    """What evaluating a node reads: the period's end, the compared windows, subtree sums per node."""

    @property
    def end(self) -> date: ...

    @property
    def windows(self) -> Sequence[tuple[date, date, Any]]: ...

    def rolled(
        self, tree: Tree, which: int | None, wanted: frozenset[str] | None
    ) -> Mapping[str, dict[str, float]]:
        """Subtree totals of the period (``which`` None) or of window ``which``, per node it covers.

        ``wanted``: count only units with one of these tags (None: all).
        """
        ...


@dataclass
class PeriodSums:
    """What a report over one period needs: its sums, and each window a decrease indicator compares.

    ``current`` holds the period's sums, except the coverage numerators, read
    as at the period's end (``periods.coverage_span``). ``windows`` (oldest
    first, ``periods.rate_windows``) hold only the measures the decrease
    indicators read.
    """

    start: date
    end: date
    current: UnitSums
    windows: list[tuple[date, date, UnitSums]] = field(default_factory=list)
    _rolled: dict[tuple, tuple[Tree, UnitSums]] = field(default_factory=dict, repr=False)

    def rolled(self, tree: Tree, which: int | None, wanted: frozenset[str] | None) -> UnitSums:
        """Subtree totals of ``current`` (``which`` None) or of window ``which``, per node, computed once."""
        key = (id(tree), which, wanted)
        if key not in self._rolled:  # the tree is kept in the value, so its id is not reused meanwhile
            own = self.current if which is None else self.windows[which][2]
            self._rolled[key] = (tree, tree.rolled_up(own, wanted))
        return self._rolled[key][1]


def period_sums(session: Session, *, plan: Plan, root: UnitRow | Node, start: date, end: date) -> PeriodSums:
    current = unit_sums(session, plan_id=plan.id, root=root, start=start, end=end)
    stock = plan.coverage_measures()
    c_start, c_end = coverage_span(end)
    if stock and c_start != start:  # people reached are read as at the end, not over the period
        reached = unit_sums(session, plan_id=plan.id, root=root, start=c_start, end=c_end, measures=stock)
        for sums in current.values():
            for m in stock:
                sums.pop(m, None)
        for code, sums in reached.items():
            current.setdefault(code, {}).update(sums)
    windows = []
    if plan.has_decrease():
        for w_start, w_end in rate_windows(start, end):
            w_sums = unit_sums(
                session,
                plan_id=plan.id,
                root=root,
                start=w_start,
                end=w_end,
                measures=plan.decrease_measures(),
            )
            windows.append((w_start, w_end, w_sums))
    return PeriodSums(start, end, current, windows)
