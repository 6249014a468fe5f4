"""GET /api/v1/audit and /api/v1/records/{id}/history: the audit trail (admins) and a record's revisions
(supervisors and admins), of the caller's subtree."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, text
from schemas.sync import AuditPage, RecordHistory, Role

from ...db import Database
from ...errors import Forbidden, NotFound
from ...services.accounts import Caller
from ...services.audit import list_audit, record_history
from ...services.media import with_photos
from ..deps import CallerDep, DbDep

router = APIRouter(prefix="/api/v1", tags=["audit"])

_ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "unauthorized"},
    403: {"model": ErrorBody, "description": "not_admin (audit), not_supervisor (record history)"},
    404: {"model": ErrorBody, "description": "unknown_record"},
}


def _require_admin(caller: Caller) -> None:
    if caller.role != Role.ADMIN:
        raise Forbidden(
            text("Chỉ quản trị viên được xem nhật ký.", "Only admins may read the audit trail."),
            code="not_admin",
        )


def _page(db: Database, caller: Caller, **filters) -> AuditPage:
    _require_admin(caller)
    limit = filters.pop("limit")
    with db.session() as s:
        entries = list_audit(s, limit=limit, scope_path=caller.unit_path, **filters)
    return AuditPage(entries=entries, next_before_id=entries[-1].id if len(entries) == limit else None)


@router.get("/audit", response_model=AuditPage, responses=_ERRORS)
async def audit_log(
    caller: CallerDep,
    db: DbDep,
    entity: Annotated[
        str | None, Query(max_length=32, description="unit, plan, user, device, approval")
    ] = None,
    entity_id: Annotated[str | None, Query(max_length=200)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Admin changes about the caller's subtree, newest first (admins only); page with ``before_id``."""
    return await run_in_threadpool(
        _page, db, caller, entity=entity, entity_id=entity_id, actor=actor, before_id=before_id, limit=limit
    )


def _history(db: Database, caller: Caller, record_id: uuid.UUID) -> RecordHistory:
    # a supervisor reviews the records of their subtree (the record view with its photos) as they
    # export them already; officers see their own records on their phones
    if caller.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(
            text(
                "Chỉ giám sát viên và quản trị viên được xem lịch sử phiếu.",
                "Only supervisors and admins may read a record's history.",
            ),
            code="not_supervisor",
        )
    with db.session() as s:
        revisions = with_photos(s, record_history(s, record_id=record_id, scope_path=caller.unit_path))
    if not revisions:
        raise NotFound(
            text(f"Không có phiếu {record_id}.", f"There is no record {record_id}."), code="unknown_record"
        )
    return RecordHistory(record_id=record_id, revisions=revisions)


@router.get("/records/{record_id}/history", response_model=RecordHistory, responses=_ERRORS)
async def history(record_id: uuid.UUID, caller: CallerDep, db: DbDep) -> RecordHistory:
    """The revisions of a record inside the caller's subtree: who, when, and its photos' addresses.

    Supervisors and admins; each revision lists its photos with the URLs of the image and thumbnail."""
    return await run_in_threadpool(_history, db, caller, record_id)
