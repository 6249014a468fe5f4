"""What a pull carries: every form version, the plans, the caller's subtree and the tallies to read offline.

The tallies are the standard periods (``schemas.periods.standard_periods``:
this year so far, and the current phase) that the phone offers first, so
they read the same offline as online; for drill-down, reports of every unit
with children under the caller's (bounded by ``MAX_PULL_REPORTS``); and a
monthly series over the current phase for the chart.
"""

from __future__ import annotations

from datetime import date, datetime

from schemas.form_features import readable
from schemas.periods import standard_periods
from schemas.sync import PullResponse

from ..db import Database
from .accounts import Caller
from .catalog import load_forms, load_plans
from .tallies.reports import build_reports, build_series
from .units import get_unit, subtree_rows, to_unit

# Reports per plan a pull carries for offline drill-down (the caller's own always come first).
MAX_PULL_REPORTS = 200


def build_pull(
    db: Database, caller: Caller, *, now: datetime, today: date, reads: frozenset[str] = frozenset()
) -> PullResponse:
    """The pull for ``caller`` as of ``now`` (``today``: the programme's date then), with the forms an
    app that reads the form features ``reads`` can open (``schemas.form_features``)."""
    with db.session() as s:
        plans = load_plans(s)
        root = get_unit(s, code=caller.unit_code)
        tallies, below, series = [], [], []
        for plan in plans:
            spans = standard_periods(plan, today)
            reports = build_reports(
                s, plan=plan, root=root, spans=spans, as_of=now, max_reports=MAX_PULL_REPORTS
            )
            tallies += [r for r in reports if r.unit == root.code]
            below += [r for r in reports if r.unit != root.code]
            phase_start, phase_end = spans[-1]
            if phase_start <= today:
                series.append(
                    build_series(
                        s,
                        plan=plan,
                        root=root,
                        start=phase_start,
                        end=min(phase_end, today),
                        granularity="month",
                        cumulative=True,
                        as_of=now,
                    )
                )
        return PullResponse(
            server_time=now,
            user=caller.info(),
            forms=readable(load_forms(s), reads),
            plans=plans,
            units=[to_unit(r) for r in subtree_rows(s, root_path=root.path)],
            tallies=tallies,
            subtree_tallies=below,
            series=series,
        )
