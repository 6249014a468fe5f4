"""The rollups: per-(plan, unit, day, measure) sums and their month and year totals, kept in the
ingest transaction, and reports over them.

A record adds its contributions at its own unit on its own day, and to that
day's month and year. A report for a unit reads its subtree's per-unit sums
over a period from whole years, whole months and the days of its partial
edges (``cover``: a handful of rows per unit whatever the data), with at
most two grouped queries (a prefix match on ``units.path``); adds them up
the tree in memory in one bottom-up pass, divides by the subtree's
baselines for the year the period ends in, and lets
``schemas.plans.evaluate_plan`` judge each indicator: totals, each segment
(units whose own or inherited tags match) and each child unit.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, Text, and_, case, cast, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from schemas.forms import FormDefinition
from schemas.periods import Granularity, buckets, coverage_span, month_end, rate_windows
from schemas.plans import (
    Aggregate,
    IndicatorProgress,
    Plan,
    SeriesPoint,
    TallyReport,
    TallySeries,
    UnitTally,
    evaluate_plan,
    rank_children,
    record_contributions,
    segment_sums,
    shortfall,
)
from schemas.records import Record

from .models import TallyRollupRow, TallyRow, UnitRow
from .services.units import PATH_SEP

TallyKey = tuple[str, str, date, str]  # plan_id, unit_code, day, measure_id
RollupKey = tuple[str, str, str, date, str]  # plan_id, unit_code, grain, first day, measure_id
_DAY_KEYS = ("plan_id", "unit_code", "day", "measure_id")
_ROLLUP_KEYS = ("plan_id", "unit_code", "grain", "start", "measure_id")
Contributions = dict[str, dict[str, float]]  # plan_id -> measure_id -> amount


def contributions_of(record: Record, form: FormDefinition, plans: Iterable[Plan]) -> Contributions:
    """What ``record`` adds to every plan; empty unless it is final."""
    out: Contributions = {}
    for plan in plans:
        amounts = record_contributions(record, form, plan)
        if amounts:
            out[plan.id] = amounts
    return out


def add_to(
    deltas: dict[TallyKey, float], *, unit_code: str, day: date, contributions: Mapping, sign: int
) -> None:
    """Accumulate ``sign`` × ``contributions`` at (unit, day) into ``deltas``."""
    for plan_id, amounts in contributions.items():
        for measure_id, amount in amounts.items():
            key = (plan_id, unit_code, day, measure_id)
            deltas[key] = deltas.get(key, 0.0) + sign * float(amount)


def rollup_deltas(deltas: Mapping[TallyKey, float]) -> dict[RollupKey, float]:
    """The month and year rollup changes that ``deltas`` (per day) make."""
    out: dict[RollupKey, float] = {}
    for (plan_id, unit_code, day, measure_id), v in deltas.items():
        for grain, first in (("month", day.replace(day=1)), ("year", date(day.year, 1, 1))):
            key = (plan_id, unit_code, grain, first, measure_id)
            out[key] = out.get(key, 0.0) + v
    return out


def _upsert_sums(
    session: Session, table: Table, keys: tuple[str, ...], deltas: Mapping[tuple, float]
) -> None:
    params = [dict(zip(keys, k, strict=True), total=v) for k, v in sorted(deltas.items()) if v != 0]
    if not params:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={"total": table.c.total + stmt.excluded.total}
    )
    session.connection().execute(stmt, params)


def apply_deltas(session: Session, deltas: Mapping[TallyKey, float]) -> None:
    """Add ``deltas`` to the daily tally rows and to their month and year rollups, one upsert per row.

    ``INSERT ... ON CONFLICT DO UPDATE SET total = total + excluded.total`` is
    atomic per row on both databases; taking rows in sorted order (days
    first, then rollups) means two concurrent pushes lock them in the same
    order and cannot deadlock.
    """
    _upsert_sums(session, TallyRow.__table__, _DAY_KEYS, deltas)  # type: ignore[arg-type]
    _upsert_sums(session, TallyRollupRow.__table__, _ROLLUP_KEYS, rollup_deltas(deltas))  # type: ignore[arg-type]


def standard_periods(plan: Plan, today: date) -> list[tuple[date, date]]:
    """The periods the phone shows: this year so far, and the plan phase holding today (else the plan)."""
    out: list[tuple[date, date]] = []
    year_start, year_end = max(date(today.year, 1, 1), plan.start), min(today, plan.end)
    if year_start <= year_end:
        out.append((year_start, year_end))
    phase = next((p for p in plan.phases if p.start <= today <= p.end), None)
    span = (phase.start, phase.end) if phase else (plan.start, plan.end)
    if span not in out:
        out.append(span)
    return out


UnitSums = dict[str, dict[str, float]]  # unit_code -> measure_id -> total
YearBaselines = tuple[tuple[int, Mapping[str, int]], ...]  # (year, key -> count), latest year first


@dataclass(frozen=True, slots=True)
class Node:
    """One unit of a loaded tree, as plain values (a report reads a thousand of them; ORM objects cost)."""

    code: str
    name: str
    type: str
    parent_code: str | None
    path: str
    tags: tuple[str, ...]
    baselines: YearBaselines


@dataclass
class Tree:
    """A unit's subtree as loaded: nodes (parents first), inherited tags and who is under whom.

    Subtree sums are computed for every node in one bottom-up pass, so
    evaluating a parent and all its children (or every unit, for an export)
    reads each unit's figures once. A tree is immutable once built and is
    shared between requests while the units' stored rows stay the same
    (``load_tree``); its baseline totals are cached in it.
    """

    root: Node
    rows: list[Node]
    tags: dict[str, frozenset[str]]
    kids: dict[str, list[Node]] = field(default_factory=dict)
    _cache: dict[tuple, UnitSums] = field(default_factory=dict, repr=False)

    def under(self, node: Node | UnitRow) -> list[str]:
        """Codes of ``node`` and every unit below it."""
        prefix = node.path + PATH_SEP
        return [r.code for r in self.rows if r.path == node.path or r.path.startswith(prefix)]

    def children(self, node: Node | UnitRow) -> list[Node]:
        return self.kids.get(node.code, [])

    def rolled_up(self, own: Mapping[str, Mapping[str, float]], wanted: frozenset[str] | None) -> UnitSums:
        """Each node's subtree total of ``own`` (per unit), counting only units with a tag in ``wanted``.

        ``wanted`` None counts every unit. Children come after their parents
        in ``rows``, so walking it backwards adds each finished child into its
        parent.
        """
        out: UnitSums = {}
        for node in reversed(self.rows):
            acc = out.setdefault(node.code, {})
            if wanted is None or not wanted.isdisjoint(self.tags[node.code]):
                for k, v in own.get(node.code, {}).items():
                    acc[k] = acc.get(k, 0.0) + v
            if node.parent_code is not None and node.code != self.root.code:
                up = out.setdefault(node.parent_code, {})
                for k, v in acc.items():
                    up[k] = up.get(k, 0.0) + v
        return out

    def baselines(self, keys: tuple[str, ...], year: int, wanted: frozenset[str] | None) -> UnitSums:
        """Each node's subtree baselines for ``keys`` in ``year`` (the latest earlier year's when missing)."""
        cache_key = ("baselines", keys, year, wanted)
        if cache_key not in self._cache:
            own_key = ("own baselines", keys, year)
            if own_key not in self._cache:
                self._cache[own_key] = {n.code: _own_baselines(n.baselines, keys, year) for n in self.rows}
            totals = self.rolled_up(self._cache[own_key], wanted)
            self._cache[cache_key] = {c: {k: t.get(k, 0.0) for k in keys} for c, t in totals.items()}
        return self._cache[cache_key]


def _own_baselines(baselines: YearBaselines, keys: Iterable[str], year: int) -> dict[str, float]:
    """A unit's own baseline per key: ``year``'s, or the latest earlier year's (as ``baseline_for``)."""
    out: dict[str, float] = {}
    for k in keys:
        for y, values in baselines:  # latest year first
            if y <= year and k in values:
                if values[k]:
                    out[k] = float(values[k])
                break
    return out


def _year(item: tuple[int, Any]) -> int:
    return item[0]


def _node(row: tuple[str, str, str, str | None, str, str | None, str | None]) -> Node:
    code, name, type_, parent_code, path, tags, baselines = row
    years = json.loads(baselines) if baselines else {}
    return Node(
        code=code,
        name=name,
        type=type_,
        parent_code=parent_code,
        path=path,
        tags=tuple(json.loads(tags) if tags else ()),
        baselines=tuple(sorted(((int(y), v) for y, v in years.items()), key=_year)[::-1]),
    )


def _in_subtree(path: str) -> Any:
    return or_(UnitRow.path == path, UnitRow.path.startswith(path + PATH_SEP, autoescape=True))


_TREES: OrderedDict[tuple, Tree] = OrderedDict()
_TREES_KEPT = 32
_TREES_LOCK = threading.Lock()


def load_tree(session: Session, root: UnitRow | Node) -> Tree:
    """``root``'s subtree, with tags inherited from its ancestors.

    The units are read every time (one query of plain text columns, JSON
    included as text); the tree built from them is reused while those rows
    are exactly the same, since building it (parsing every unit's tags and
    baselines, summing baselines up the tree) costs more than the query.
    """
    cols = (
        UnitRow.code,
        UnitRow.name,
        UnitRow.type,
        UnitRow.parent_code,
        UnitRow.path,
        cast(UnitRow.tags, Text),
        cast(UnitRow.baselines, Text),
    )
    raw = tuple(tuple(r) for r in session.execute(select(*cols).where(_in_subtree(root.path))))
    ancestors = root.path.split(PATH_SEP)[:-1]
    above: tuple = ()
    if ancestors:
        query = select(UnitRow.code, cast(UnitRow.tags, Text)).where(UnitRow.code.in_(ancestors))
        above = tuple(sorted(tuple(r) for r in session.execute(query)))
    key = (root.code, raw, above)
    with _TREES_LOCK:
        tree = _TREES.get(key)
        if tree is not None:
            _TREES.move_to_end(key)
            return tree
    tree = _build_tree(root.code, raw, above)
    with _TREES_LOCK:
        _TREES[key] = tree
        while len(_TREES) > _TREES_KEPT:
            _TREES.popitem(last=False)
    return tree


def _build_tree(root_code: str, raw: tuple, above: tuple) -> Tree:
    rows = sorted((_node(r) for r in raw), key=lambda n: (n.path.count(PATH_SEP), n.path))
    inherited: frozenset[str] = frozenset()
    for _code, tags_text in above:  # ancestors missing from the table add nothing
        inherited |= frozenset(json.loads(tags_text) if tags_text else ())
    tags: dict[str, frozenset[str]] = {}
    kids: dict[str, list[Node]] = defaultdict(list)
    by_code = {n.code: n for n in rows}
    for n in rows:  # parents first
        up = tags.get(n.parent_code or "", inherited) if n.code != root_code else inherited
        tags[n.code] = frozenset(n.tags) | up
        if n.parent_code in by_code and n.code != root_code:
            kids[n.parent_code].append(n)  # type: ignore[index]
    return Tree(root=by_code[root_code], rows=rows, tags=tags, kids=dict(kids))


Piece = tuple[str, date, date, int]  # grain ("day" | "month" | "year"), first and last bucket start, sign


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _partial_month(s: date, e: date) -> list[Piece]:
    """Days ``s``..``e`` of one month: the days, or the month minus the other days, whichever reads less."""
    first = s.replace(day=1)
    last = month_end(first.year, first.month)
    inside = (e - s).days + 1
    outside = (last - first).days + 1 - inside
    if outside == 0:
        return [("month", first, first, 1)]
    if outside + 1 >= inside:
        return [("day", s, e, 1)]
    out: list[Piece] = [("month", first, first, 1)]
    if s > first:
        out.append(("day", first, s - timedelta(days=1), -1))
    if e < last:
        out.append(("day", e + timedelta(days=1), last, -1))
    return out


def _partial_year(a: date, b: date) -> list[Piece]:
    """Months ``a``..``b`` (first days) of one year: the months, or the year minus the others."""
    inside = b.month - a.month + 1
    outside = 12 - inside
    first = date(a.year, 1, 1)
    if outside == 0:
        return [("year", first, first, 1)]
    if outside + 1 >= inside:
        return [("month", a, b, 1)]
    out: list[Piece] = [("year", first, first, 1)]
    if a.month > 1:
        out.append(("month", first, date(a.year, a.month - 1, 1), -1))
    if b.month < 12:
        out.append(("month", date(a.year, b.month + 1, 1), date(a.year, 12, 1), -1))
    return out


def cover(start: date, end: date) -> list[Piece]:
    """Signed ranges of days, months and years whose sum is the sum from ``start`` to ``end`` (inclusive).

    Whole years come from the year rollup, whole months from the month
    rollup, the partial months at the edges from the daily rows; an edge
    (or a year's months) is read as its complement when that is fewer rows
    to read, e.g. 1 January to 25 November is the year minus December minus
    26-30 November. Pure.
    """
    if start > end:
        return []
    if start.replace(day=1) == end.replace(day=1):
        return _partial_month(start, end)
    out: list[Piece] = []
    a = start.replace(day=1)  # the whole months read: a..b (first days)
    if start.day != 1:
        head = _partial_month(start, month_end(start.year, start.month))
        if head[0][0] == "day":  # read as days: the whole months begin after it
            out += head
            a = _next_month(a)
        else:  # read as the month minus its first days
            out.append(("day", a, start - timedelta(days=1), -1))
    b = end.replace(day=1)
    tail: list[Piece] = []
    if end != month_end(end.year, end.month):
        tail = _partial_month(b, end)
        if tail[0][0] == "day":
            b = _previous_month(b)
        else:
            tail = [("day", end + timedelta(days=1), month_end(end.year, end.month), -1)]
    if a <= b:
        out += _months(a, b)
    return out + tail


def _months(a: date, b: date) -> list[Piece]:
    """Whole months ``a``..``b`` (first days): whole years from the year rollup, the rest as months."""
    if a.year == b.year:
        return _partial_year(a, b)
    out: list[Piece] = []
    first_year, last_year = a.year, b.year
    if a.month != 1:
        out += _partial_year(a, date(a.year, 12, 1))
        first_year += 1
    if b.month != 12:
        out += _partial_year(date(b.year, 1, 1), b)
        last_year -= 1
    if first_year <= last_year:
        out.append(("year", date(first_year, 1, 1), date(last_year, 1, 1), 1))
    return out


def _last_day(piece: Piece) -> date:
    grain, _first, last, _sign = piece
    if grain == "day":
        return last
    if grain == "month":
        return month_end(last.year, last.month)
    return date(last.year, 12, 31)


def _previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


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
    pieces = [p for p in cover(start, end) if _last_day(p) >= bounds[0] and p[1] <= bounds[1]]
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
        where = [t.plan_id == plan_id, or_(*(cond for cond, _ in ranges)), _in_subtree(root.path)]
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


def evaluate_node(plan: Plan, tree: Tree, node: UnitRow | Node, data: PeriodSums) -> list[IndicatorProgress]:
    """``plan``'s indicators for ``node``'s subtree, segments and the compared windows included."""
    keys = tuple(sorted(plan.baseline_keys()))
    code = node.code
    year = data.end.year
    current = Aggregate(
        sums=data.rolled(tree, None, None)[code], baselines=tree.baselines(keys, year, None)[code]
    )
    windows = [
        (w_start, w_end, Aggregate(sums=data.rolled(tree, i, None)[code]))
        for i, (w_start, w_end, _sums) in enumerate(data.windows)
    ]
    segments = {}
    answers = plan.segment_answer_measures()
    for seg_id, seg_tags in plan.segment_tags().items():
        wanted = frozenset(seg_tags)
        tagged = data.rolled(tree, None, wanted)[code]
        segments[seg_id] = Aggregate(
            sums=segment_sums(answers.get(seg_id, {}), tagged, current.sums),
            baselines=tree.baselines(keys, year, wanted)[code],
        )
    return evaluate_plan(
        plan, current.sums, current.baselines, data.end, segments=segments, windows=windows or None
    )


def _ranked_children(
    plan: Plan, tree: Tree, node: UnitRow, data: PeriodSums, rank_by: str | None
) -> list[UnitTally]:
    children = []
    for child in tree.children(node):
        progress = evaluate_node(plan, tree, child, data)
        judged = [p for p in progress if rank_by is None or p.indicator_id == rank_by]
        children.append(
            UnitTally(
                unit=child.code, unit_name=child.name, indicators=progress, shortfall=shortfall(plan, judged)
            )
        )
    return rank_children(children)


def build_report(
    session: Session,
    *,
    plan: Plan,
    root: UnitRow,
    start: date,
    end: date,
    as_of: datetime,
    rank_by: str | None = None,
    tree: Tree | None = None,
    data: PeriodSums | None = None,
) -> TallyReport:
    """``plan``'s indicators for ``root``'s subtree from ``start`` to ``end`` (inclusive), and per child.

    Children come furthest behind first (by ``rank_by``'s indicator alone
    when given). ``tree``/``data`` may be passed in when they were loaded for
    an ancestor already (they must cover ``root``).
    """
    from .services.approvals import approval_for  # approvals read tallies' inputs; import late

    tree = tree or load_tree(session, root)
    data = data or period_sums(session, plan=plan, root=root, start=start, end=end)
    return TallyReport(
        plan_id=plan.id,
        unit=root.code,
        unit_name=root.name,
        start=start,
        end=end,
        as_of=as_of,
        totals=evaluate_node(plan, tree, root, data),
        children=_ranked_children(plan, tree, root, data, rank_by),
        approval=approval_for(session, plan_id=plan.id, unit=root, start=start, end=end),
    )


def build_reports(
    session: Session,
    *,
    plan: Plan,
    root: UnitRow,
    spans: list[tuple[date, date]],
    as_of: datetime,
    max_reports: int,
) -> list[TallyReport]:
    """Reports for ``root`` and every unit under it that has children (parents first), per span.

    What a supervisor's phone caches to drill down offline; at most
    ``max_reports`` reports (the deepest units are left out first).
    """
    tree = load_tree(session, root)
    nodes = [r for r in tree.rows if r.code == root.code or tree.children(r)]
    nodes = nodes[: max(1, max_reports // max(1, len(spans)))]
    out = []
    for start, end in spans:
        data = period_sums(session, plan=plan, root=root, start=start, end=end)
        for node in nodes:
            out.append(
                build_report(
                    session, plan=plan, root=node, start=start, end=end, as_of=as_of, tree=tree, data=data
                )
            )
    return out


def build_series(
    session: Session,
    *,
    plan: Plan,
    root: UnitRow,
    start: date,
    end: date,
    granularity: Granularity,
    cumulative: bool,
    as_of: datetime,
) -> TallySeries:
    """``plan``'s indicators for ``root``'s subtree at each month, quarter or year of ``start``..``end``."""
    tree = load_tree(session, root)
    points = []
    for b_start, b_end in buckets(start, end, granularity):
        span_start = start if cumulative else b_start
        data = period_sums(session, plan=plan, root=root, start=span_start, end=b_end)
        points.append(
            SeriesPoint(start=span_start, end=b_end, indicators=evaluate_node(plan, tree, root, data))
        )
    return TallySeries(
        plan_id=plan.id,
        unit=root.code,
        unit_name=root.name,
        start=start,
        end=end,
        granularity=granularity,
        cumulative=cumulative,
        as_of=as_of,
        points=points,
    )
