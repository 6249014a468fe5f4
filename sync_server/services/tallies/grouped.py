"""A report's sums grouped by the database: per child of the root and per segment, in one query.

A report shows a unit's totals, each of its segments (units whose own or
inherited tags match) and each child, for the period and for the windows a
decrease indicator compares. ``unit_sums`` reads every unit's rows and
``Tree.rolled_up`` adds them up the tree in Python: for the country that is
tens of thousands of rows (units x measures x shards) and several passes over
11,000 nodes per report. Here the database adds the rows up to exactly what
the report shows: grouped by which sum they belong to (the period, the
coverage numerators as at its end, each window), by the child of the root the
unit sits under (the path's next part), by the set of segments the unit is in
(a bit per distinct tag set, from the tree: a unit code list, the shorter of
the units in it or out of it) and by measure. Python then sees about
children x segment combinations x measures rows, whatever the number of units.

All the sums of one report come from one statement (after one look at the
plan's first and last day with tallies); on PostgreSQL a read is one
snapshot anyway (``db.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, String, any_, bindparam, case, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from schemas.periods import coverage_span, rate_windows
from schemas.plans import Plan

from ...models import UnitRow
from ..units import PATH_SEP
from .sums import piece_sources, plan_bounds, read_pieces
from .tree import Node, Tree, in_subtree

Sums = dict[str, float]
CURRENT, REACHED = -1, -2  # which sum a row adds to (a window's is its index)


@dataclass
class GroupedSums:
    """The sums a report on ``root`` shows, per node it shows (the root and its children).

    ``rolled`` answers as ``PeriodSums.rolled`` does, for those nodes only; a
    node with no rows has empty sums. ``windows`` hold each compared window's
    totals per node (all units), oldest first.
    """

    root: str
    children: tuple[str, ...]
    start: date
    end: date
    windows: list[tuple[date, date, dict[str, Sums]]]
    _sums: dict[tuple[int, frozenset[str] | None], dict[str, Sums]] = field(default_factory=dict, repr=False)

    def rolled(self, tree: Tree, which: int | None, wanted: frozenset[str] | None) -> dict[str, Sums]:
        """Subtree totals of the period (``which`` None) or of window ``which``: the root and its children."""
        key = (CURRENT if which is None else which, wanted)
        got = self._sums.get(key)
        if got is None:
            got = self._sums[key] = {code: {} for code in (self.root, *self.children)}
        return got


def _child_of(path: Any, root_path: str, dialect: str) -> ColumnElement[Any]:
    """The code of the root's child a unit sits under ('' for the root itself), from the unit's ``path``."""
    if dialect == "postgresql":
        return func.split_part(path, PATH_SEP, root_path.count(PATH_SEP) + 2)
    rest = func.substr(path, len(root_path) + 2)  # '' for the root itself
    return func.substr(rest, 1, func.instr(rest + PATH_SEP, PATH_SEP) - 1)


def _among(unit_code: Any, codes: tuple[str, ...], dialect: str) -> ColumnElement[bool]:
    """``unit_code`` is one of ``codes``: on PostgreSQL one array parameter, not thousands of them."""
    if dialect == "postgresql":
        return unit_code == any_(bindparam(None, list(codes), type_=ARRAY(String)))
    return unit_code.in_(codes)


def _segment_mask(
    tree: Tree, wanted: list[frozenset[str]], unit_code: Any, dialect: str
) -> ColumnElement[Any]:
    """Bit ``i`` set when the unit is in segment ``wanted[i]`` (a tag of its own or inherited matches)."""
    mask: ColumnElement[Any] = literal(0, Integer)
    for i, tags in enumerate(wanted):
        inside, outside = tree.matching(tags)
        if not inside:
            continue
        if not outside:
            mask = mask + (1 << i)
        elif len(inside) <= len(outside):
            mask = mask + case((_among(unit_code, inside, dialect), 1 << i), else_=0)
        else:
            mask = mask + case((_among(unit_code, outside, dialect), 0), else_=1 << i)
    return mask


def _spans(plan: Plan, start: date, end: date) -> list[tuple[int, date, date, set[str] | None]]:
    """Which sum, its days and the measures it reads (None: all) for a report from ``start`` to ``end``."""
    out: list[tuple[int, date, date, set[str] | None]] = [(CURRENT, start, end, None)]
    c_start, c_end = coverage_span(end)
    if plan.coverage_measures() and c_start != start:  # people reached: as at the end, not over the period
        out.append((REACHED, c_start, c_end, plan.coverage_measures()))
    if plan.has_decrease():
        for i, (w_start, w_end) in enumerate(rate_windows(start, end)):
            out.append((i, w_start, w_end, plan.decrease_measures()))
    return out


def _grouped_rows(
    session: Session, *, plan: Plan, tree: Tree, root: UnitRow | Node, spans: list, wanted: list
) -> list[tuple[int, str, int, str, float]]:
    """(which sum, child code or '', segment bits, measure, total) rows: every span's pieces in one query."""
    bounds = plan_bounds(session, plan.id)
    if bounds is None:
        return []
    stock = sorted(plan.coverage_measures()) if any(which == REACHED for which, *_ in spans) else []
    parts = []
    # a part per piece: its one range of days (or months, years) is then part of the key each unit's
    # rows are probed by, where ranges joined by OR would leave the database reading all of a unit's rows
    pieces = [(which, p, measures) for which, s, e, measures in spans for p in read_pieces(s, e, bounds)]
    for which, piece, measures in pieces:
        for t, amount, where in piece_sources(plan.id, [piece], measures):
            if which == CURRENT and stock:  # read as at the end instead (REACHED)
                where = [*where, t.measure_id.not_in(stock)]
            # each part joins the units itself, so a small subtree is read by its units' keys
            parts.append(
                select(
                    literal(which, Integer).label("which"),
                    t.unit_code.label("unit_code"),
                    UnitRow.path.label("path"),
                    t.measure_id.label("measure_id"),
                    amount.label("amount"),
                )
                .join(UnitRow, UnitRow.code == t.unit_code)
                .where(*where, in_subtree(root.path))
            )
    if not parts:
        return []
    x = union_all(*parts).subquery("x")
    conn = session.connection()
    child = _child_of(x.c.path, root.path, conn.dialect.name).label("child")
    mask = _segment_mask(tree, wanted, x.c.unit_code, conn.dialect.name).label("mask")
    query = select(x.c.which, child, mask, x.c.measure_id, func.sum(x.c.amount)).group_by(
        x.c.which, child, mask, x.c.measure_id
    )
    if conn.dialect.name == "postgresql":
        # (for this transaction only) a few milliseconds of work per part: starting parallel workers or
        # compiling (JIT) costs more than it saves, hundreds of milliseconds on a busy machine. And a plan
        # made for the values at hand: the driver prepares a statement it has run 5 times, and PostgreSQL
        # may then reuse one generic plan for every subtree and period: the country's month took 5-18 s
        # instead of 0.3 s once a quarter (the same statement) had been read 6 times
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        conn.exec_driver_sql("SET LOCAL jit = off")
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    return [(r[0], r[1], r[2], r[3], r[4]) for r in conn.execute(query).all()]


def report_sums(
    session: Session, *, plan: Plan, tree: Tree, root: UnitRow | Node, start: date, end: date
) -> GroupedSums:
    """The sums ``plan``'s report on ``root`` from ``start`` to ``end`` shows, from one grouped query.

    The same figures as ``period_sums`` rolled up by ``Tree.rolled_up``, for
    the root and its children: the period's sums (coverage numerators as at
    its end, ``periods.coverage_span``) and each decrease window's.
    """
    spans = _spans(plan, start, end)
    wanted = sorted({frozenset(tags) for tags in plan.segment_tags().values()}, key=sorted)
    out = GroupedSums(root.code, tuple(c.code for c in tree.children(root)), start, end, [])
    for which, child_code, bits, measure_id, total in _grouped_rows(
        session, plan=plan, tree=tree, root=root, spans=spans, wanted=wanted
    ):
        which = CURRENT if which == REACHED else which
        targets = (root.code, child_code) if child_code else (root.code,)
        for tags in [None, *(w for i, w in enumerate(wanted) if bits >> i & 1)]:
            per_node = out.rolled(tree, None if which == CURRENT else which, tags)
            for code in targets:
                sums = per_node.setdefault(code, {})
                sums[measure_id] = sums.get(measure_id, 0.0) + total
    for which, w_start, w_end, _measures in spans:
        if which >= 0:
            out.windows.append((w_start, w_end, dict(out.rolled(tree, which, None))))
    return out
