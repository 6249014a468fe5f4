"""The sum queries: a subtree's per-unit sums of a plan's measures over a period, in at most two queries.

The period is read as ``cover`` says (whole years and months from the
rollups, the partial-month edges from the daily rows), restricted to units
under the root by a prefix match on ``units.path``; the adding up the tree
happens in memory (``Tree.rolled_up``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from schemas.periods import coverage_span, rate_windows
from schemas.plans import Plan

from ...models import TallyRollupRow, TallyRow, UnitRow
from .cover import cover, last_day
from .tree import Node, Tree, UnitSums, in_subtree


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
    of_plan = TallyRow.plan_id == plan_id
    bounds = session.execute(  # two subqueries: each is one index probe; min and max together scan
        select(
            select(func.min(TallyRow.day)).where(of_plan).scalar_subquery(),
            select(func.max(TallyRow.day)).where(of_plan).scalar_subquery(),
        )
    ).one()
    if bounds[0] is None:
        return {}
    # a piece wholly before the first or after the last day with tallies adds nothing: left out
    # (this year to date is then the year alone, and the year before the first one costs nothing)
    pieces = [p for p in cover(start, end) if last_day(p) >= bounds[0] and p[1] <= bounds[1]]
    out: UnitSums = {}
    queries: list[tuple[Any, list[tuple[Any, int]]]] = []
    days = [(TallyRow.day.between(lo, hi), sign) for grain, lo, hi, sign in pieces if grain == "day"]
    if days:
        queries.append((TallyRow, days))
    r = TallyRollupRow
    rolled = [(and_(r.grain == g, r.start.between(lo, hi)), sign) for g, lo, hi, sign in pieces if g != "day"]
    if rolled:
        queries.append((r, rolled))
    for t, ranges in queries:
        negative = [cond for cond, sign in ranges if sign < 0]
        amount = case((or_(*negative), -t.total), else_=t.total) if negative else t.total
        where = [t.plan_id == plan_id, or_(*(cond for cond, _ in ranges)), in_subtree(root.path)]
        if measures is not None:
            where.append(t.measure_id.in_(sorted(set(measures))))
        if t is TallyRow:
            query = select(t.unit_code, t.measure_id, func.sum(amount)).group_by(t.unit_code, t.measure_id)
        else:
            query = select(t.unit_code, t.measure_id, amount)
        query = query.join(UnitRow, UnitRow.code == t.unit_code).where(*where)
        for unit_code, measure_id, total in session.connection().execute(query).all():
            sums = out.get(unit_code)
            if sums is None:
                sums = out[unit_code] = {}
            sums[measure_id] = sums.get(measure_id, 0.0) + total
    return out


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
            sums = unit_sums(
                session,
                plan_id=plan.id,
                root=root,
                start=w_start,
                end=w_end,
                measures=plan.decrease_measures(),
            )
            windows.append((w_start, w_end, sums))
    return PeriodSums(start, end, current, windows)
