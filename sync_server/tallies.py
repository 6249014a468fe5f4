"""The rollup: per-(plan, unit, day, measure) sums kept in the ingest transaction, and reports over them.

A record adds its contributions at its own unit on its own day. A report
for a unit sums its subtree (one prefix query on ``units.path``) between two
days, divides by the subtree's baselines for the year the period ends in, and
lets ``schemas.plans.evaluate_plan`` judge each indicator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from schemas.forms import FormDefinition
from schemas.plans import Plan, TallyReport, UnitTally, evaluate_plan, record_contributions
from schemas.records import Record
from schemas.units import baseline_for

from .models import TallyRow, UnitRow
from .services.units import PATH_SEP, subtree_rows, to_unit

TallyKey = tuple[str, str, date, str]  # plan_id, unit_code, day, measure_id
Contributions = dict[str, dict[str, float]]  # plan_id -> measure_id -> amount
_TOTAL = ""  # the key of the whole subtree's sums (no unit code is empty)


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


def apply_deltas(session: Session, deltas: Mapping[TallyKey, float]) -> None:
    """Add ``deltas`` to the tally rows with one upsert each, in key order.

    ``INSERT ... ON CONFLICT DO UPDATE SET total = total + excluded.total`` is
    atomic per row on both databases; taking rows in sorted order means two
    concurrent pushes lock them in the same order and cannot deadlock.
    """
    params = [
        {"plan_id": k[0], "unit_code": k[1], "day": k[2], "measure_id": k[3], "total": v}
        for k, v in sorted(deltas.items())
        if v != 0
    ]
    if not params:
        return
    table: Table = TallyRow.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.plan_id, table.c.unit_code, table.c.day, table.c.measure_id],
        set_={"total": table.c.total + stmt.excluded.total},
    )
    session.connection().execute(stmt, params)


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


def build_report(
    session: Session, *, plan: Plan, root: UnitRow, start: date, end: date, as_of: datetime
) -> TallyReport:
    """``plan``'s indicators for ``root``'s subtree from ``start`` to ``end`` (inclusive), and per child."""
    units = subtree_rows(session, root_path=root.path)
    depth = root.path.count(PATH_SEP)
    # each unit's branch: the direct child of root it lies under (None for root itself)
    branch = {u.code: (u.path.split(PATH_SEP)[depth + 1] if u.code != root.code else None) for u in units}

    rows = session.execute(
        select(TallyRow.unit_code, TallyRow.measure_id, func.sum(TallyRow.total))
        .join(UnitRow, UnitRow.code == TallyRow.unit_code)
        .where(
            TallyRow.plan_id == plan.id,
            TallyRow.day >= start,
            TallyRow.day <= end,
            or_(UnitRow.path == root.path, UnitRow.path.startswith(root.path + PATH_SEP, autoescape=True)),
        )
        .group_by(TallyRow.unit_code, TallyRow.measure_id)
    ).tuples()
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for unit_code, measure_id, total in rows:
        sums[_TOTAL][measure_id] += float(total or 0)
        child = branch.get(unit_code)
        if child:
            sums[child][measure_id] += float(total or 0)

    keys = sorted(plan.baseline_keys())
    year = end.year
    baselines: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for u in units:
        model = to_unit(u)
        for key in keys:
            value = baseline_for(model, key, year)
            baselines[_TOTAL][key] += value
            child = branch[u.code]
            if child:
                baselines[child][key] += value

    children = [
        UnitTally(
            unit=u.code,
            unit_name=u.name,
            indicators=evaluate_plan(plan, sums.get(u.code, {}), baselines.get(u.code, {}), end),
        )
        for u in units
        if u.parent_code == root.code
    ]
    return TallyReport(
        plan_id=plan.id,
        unit=root.code,
        unit_name=root.name,
        start=start,
        end=end,
        as_of=as_of,
        totals=evaluate_plan(plan, sums.get(_TOTAL, {}), baselines.get(_TOTAL, {}), end),
        children=children,
    )
