"""GET /api/v1/tallies: a plan's indicators for a unit subtree and period, with each child unit's."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from schemas.common import ErrorBody, text, utcnow
from schemas.plans import TallyReport

from ...db import Database
from ...errors import Forbidden, InvalidInput
from ...services.accounts import Caller
from ...services.catalog import get_plan
from ...services.units import get_unit, is_within
from ...tallies import build_report, standard_periods
from ..deps import CallerDep, DbDep, SettingsDep, local_today

router = APIRouter(prefix="/api/v1", tags=["tallies"])


def tally_report(
    db: Database,
    caller: Caller,
    *,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    today: date,
) -> TallyReport:
    now = utcnow()
    with db.session() as s:
        plan = get_plan(s, plan_id=plan_id)
        root = get_unit(s, code=unit or caller.unit_code)
        if not is_within(root.path, caller.unit_path):
            raise Forbidden(
                text(
                    f"Đơn vị {root.code} không thuộc phạm vi của bạn ({caller.unit_code}).",
                    f"Unit {root.code} is outside your scope ({caller.unit_code}).",
                )
            )
        default_start, default_end = standard_periods(plan, today)[-1]
        start, end = start or default_start, end or default_end
        if start > end:
            raise InvalidInput(
                text(
                    "Ngày bắt đầu phải trước ngày kết thúc.", "The start date must not be after the end date."
                ),
                code="invalid",
            )
        return build_report(s, plan=plan, root=root, start=start, end=end, as_of=now)


@router.get(
    "/tallies",
    response_model=TallyReport,
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody, "description": "forbidden: unit outside your subtree"},
        404: {"model": ErrorBody, "description": "unknown plan or unit"},
        422: {"model": ErrorBody, "description": "bad dates"},
    },
)
def tallies(
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    plan_id: Annotated[str, Query(max_length=64)],
    unit: Annotated[str | None, Query(max_length=64, description="default: your own unit")] = None,
    start: Annotated[date | None, Query(description="yyyy-mm-dd; default: the current plan phase")] = None,
    end: Annotated[date | None, Query(description="yyyy-mm-dd, inclusive")] = None,
) -> TallyReport:
    """Totals over ``unit``'s subtree between ``start`` and ``end``, and one entry per direct child."""
    return tally_report(
        db, caller, plan_id=plan_id, unit=unit, start=start, end=end, today=local_today(settings, utcnow())
    )
