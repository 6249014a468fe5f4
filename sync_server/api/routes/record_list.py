"""GET /api/v1/records: the records of a unit's subtree and period, newest first, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, utcnow
from schemas.record_list import DEFAULT_PAGE, MAX_PAGE, RecordPage

from ...clock import local_today
from ...services.record_list import list_records
from ..deps import CallerDep, DbDep, SettingsDep
from ..params import EndQ, PeriodQ, StartQ, UnitQ

router = APIRouter(prefix="/api/v1", tags=["records"])

_ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "unauthorized"},
    403: {"model": ErrorBody, "description": "forbidden: unit outside your subtree"},
    404: {"model": ErrorBody, "description": "unknown_plan"},
    422: {
        "model": ErrorBody,
        "description": "invalid, invalid_cursor, span_too_long: bad period, limit or cursor",
    },
}


@router.get("/records", response_model=RecordPage, responses=_ERRORS)
async def records(
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    unit: UnitQ = None,
    start: StartQ = None,
    end: EndQ = None,
    plan_id: Annotated[
        str | None, Query(max_length=64, description="the plan whose period names ``period`` uses")
    ] = None,
    period: PeriodQ = None,
    form_id: Annotated[str | None, Query(max_length=64, description="only this form's records")] = None,
    cursor: Annotated[
        str | None, Query(max_length=200, description="the previous page's next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> RecordPage:
    """The records of ``unit``'s subtree (default: your unit) in the period, newest first by their day.

    The period: ``start`` and ``end``, or ``plan_id`` with a ``period`` name (default: the plan's
    current phase). Officers see only the records they wrote. Each line: form and title, unit,
    author, day, status, photo count and a short summary; the record itself is its history.
    """
    return await run_in_threadpool(
        list_records,
        db,
        caller,
        unit=unit,
        start=start,
        end=end,
        plan_id=plan_id,
        period=period,
        form_id=form_id,
        cursor=cursor,
        limit=limit,
        today=local_today(settings, utcnow()),
    )
