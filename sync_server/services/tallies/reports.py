"""Report assembly: a plan's indicators for a unit, its segments and its children, now and over time.

A report for a unit has its subtree's sums added up by the database to the
root, each child and each segment (``grouped``), divides
by the subtree's baselines for the year the period ends in, and lets
``schemas.plan_eval.evaluate_plan`` judge each indicator: totals, each segment
(units whose own or inherited tags match) and each child unit. The
approval of exactly that plan, unit and period comes with it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from schemas.periods import Granularity, buckets
from schemas.plan_eval import Aggregate, evaluate_plan, segment_sums, shortfall
from schemas.plan_report import (
    IndicatorProgress,
    SeriesPoint,
    TallyReport,
    TallySeries,
    UnitTally,
    rank_children,
)
from schemas.plans import Plan

from ...models import UnitRow
from ..approvals import approval_for
from .grouped import report_sums
from .sums import ReportSums, period_sums
from .tree import Node, Tree, load_tree


def evaluate_node(plan: Plan, tree: Tree, node: UnitRow | Node, data: ReportSums) -> list[IndicatorProgress]:
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
    plan: Plan, tree: Tree, node: UnitRow | Node, data: ReportSums, rank_by: str | None
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
    root: UnitRow | Node,
    start: date,
    end: date,
    as_of: datetime,
    rank_by: str | None = None,
    tree: Tree | None = None,
    data: ReportSums | None = None,
) -> TallyReport:
    """``plan``'s indicators for ``root``'s subtree from ``start`` to ``end`` (inclusive), and per child.

    Children come furthest behind first (by ``rank_by``'s indicator alone
    when given). ``tree``/``data`` may be passed in when they were loaded for
    an ancestor already (they must cover ``root``); else the database sums
    up to what this report shows (``grouped.report_sums``).
    """
    tree = tree or load_tree(session, root)
    data = data or report_sums(session, plan=plan, tree=tree, root=root, start=start, end=end)
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
        data = report_sums(session, plan=plan, tree=tree, root=root, start=span_start, end=b_end)
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
