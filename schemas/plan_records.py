"""What one record adds to a plan's measures, and the day it counts for.

The server stores each record's contributions so that a later revision or a void takes back
exactly what the record added; the plan models themselves are in ``schemas.plans``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .form_state import period_date
from .forms import FormDefinition
from .plans import Plan, WhereValue
from .records import Record, RecordStatus


def _matches(answers: Mapping[str, Any], where: Mapping[str, WhereValue]) -> bool:
    for name, wanted in where.items():
        got = answers.get(name)
        if isinstance(wanted, list):
            if got not in wanted:
                return False
        elif isinstance(got, list):
            if wanted not in got:
                return False
        elif got != wanted:
            return False
    return True


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return 0.0
    return float(v)


def record_contributions(record: Record, form: FormDefinition, plan: Plan) -> dict[str, float]:
    """What one record adds to each measure of ``plan``; empty unless it is final.

    The server stores these per record so that a later revision or a void
    takes back exactly what this one added.
    """
    if record.status != RecordStatus.FINAL:
        return {}
    out: dict[str, float] = {}
    for m in plan.measures:
        if m.form_id != record.form_id or not _matches(record.answers, m.where):
            continue
        amount = 1.0 if m.agg == "count" else sum(_number(record.answers.get(f)) for f in m.fields)
        if amount:
            out[m.id] = amount
    return out


def record_period(record: Record, form: FormDefinition) -> date:
    """The day a record counts for: its form's period field, else the day it was made."""
    return period_date(form, record.answers) or record.created_at.date()
