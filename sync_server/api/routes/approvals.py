"""/api/v1/approvals: supervisors approve a unit's tallies for a period; changes after it are flagged."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, utcnow
from schemas.plan_report import Approval
from schemas.sync import ApprovalList, ApprovalRequest

from ...db import Database
from ...services import approvals as svc
from ...services.accounts import Caller
from ..deps import CallerDep, DbDep

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals"])

_ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "unauthorized"},
    403: {
        "model": ErrorBody,
        "description": "not_a_supervisor, bound_by_higher_approval, or forbidden: unit outside your subtree",
    },
    404: {"model": ErrorBody, "description": "unknown_plan, unknown_unit or unknown_approval"},
    422: {"model": ErrorBody, "description": "invalid"},
}


def _approve(db: Database, caller: Caller, body: ApprovalRequest) -> Approval:
    with db.session(write=True) as s:
        return svc.approve(
            s,
            caller=caller,
            plan_id=body.plan_id,
            unit_code=body.unit,
            start=body.start,
            end=body.end,
            now=utcnow(),
        )


@router.post("", response_model=Approval, responses=_ERRORS)
async def approve(body: ApprovalRequest, caller: CallerDep, db: DbDep) -> Approval:
    """Approve ``unit``'s tallies of ``plan_id`` from ``start`` to ``end``; again to re-approve after changes.

    Supervisors and admins only, inside their subtree. A report for exactly
    this unit, plan and period then carries ``approval``, with the records
    stored after the approval (``changed_records``) flagged.
    """
    return await run_in_threadpool(_approve, db, caller, body)


def _withdraw(db: Database, caller: Caller, plan_id: str, unit: str, start: date, end: date) -> None:
    with db.session(write=True) as s:
        svc.withdraw(s, caller=caller, plan_id=plan_id, unit_code=unit, start=start, end=end, now=utcnow())


@router.delete("", status_code=204, response_class=Response, responses=_ERRORS)
async def withdraw(
    caller: CallerDep,
    db: DbDep,
    plan_id: Annotated[str, Query(max_length=64)],
    unit: Annotated[str, Query(max_length=64)],
    start: date,
    end: date,
) -> Response:
    """Take an approval back."""
    await run_in_threadpool(_withdraw, db, caller, plan_id, unit, start, end)
    return Response(status_code=204)


def _list(
    db: Database, caller: Caller, plan_id: str | None, unit: str | None, limit: int, offset: int
) -> ApprovalList:
    with db.session() as s:
        return ApprovalList(
            approvals=svc.list_approvals(
                s, caller=caller, plan_id=plan_id, unit_code=unit, limit=limit, offset=offset
            )
        )


@router.get("", response_model=ApprovalList, responses=_ERRORS)
async def list_approvals(
    caller: CallerDep,
    db: DbDep,
    plan_id: Annotated[str | None, Query(max_length=64)] = None,
    unit: Annotated[str | None, Query(max_length=64, description="default: your own unit")] = None,
    limit: Annotated[int, Query(ge=1, le=svc.MAX_LIST)] = svc.MAX_LIST,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ApprovalList:
    """Approvals in the subtree, newest first, each with the records changed since it; one page."""
    return await run_in_threadpool(_list, db, caller, plan_id, unit, limit, offset)
