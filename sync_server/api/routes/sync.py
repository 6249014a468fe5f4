"""POST /api/v1/sync/push and GET /api/v1/sync/pull."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, Issue, text, utcnow
from schemas.form_features import FORM_FEATURES_HEADER, parse_reads
from schemas.outbox import OUTBOX_COUNT, OUTBOX_OLDEST, parse_outbox_headers
from schemas.sync import PullResponse, PushBatch, PushResponse

from ...clock import local_today
from ...config import Settings
from ...db import Database
from ...errors import InvalidInput
from ...services.accounts import Caller
from ...services.devices import note_unsent
from ...services.ingest import push_records
from ...services.pull import build_pull
from ...services.receipts import bounded_receipts
from ..body import parse_body, read_body
from ..deps import CallerDep, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad_body: not gzip or not JSON"},
    401: {"model": ErrorBody, "description": "unauthorized"},
    413: {"model": ErrorBody, "description": "too_large"},
    415: {"model": ErrorBody, "description": "unsupported_encoding"},
    422: {"model": ErrorBody, "description": "invalid: not a PushBatch; issues list the problems"},
    503: {"model": ErrorBody, "description": "unavailable: retry later"},
}


def _store(
    db: Database, settings: Settings, caller: Caller, batch: PushBatch, size: int, unsent: tuple | None = None
) -> PushResponse:
    now = utcnow()
    with db.session(write=True) as s:
        receipts = push_records(
            s, caller=caller, records=batch.records, today=local_today(settings, now), now=now
        )
        if unsent is not None and caller.device_pk:  # in the same transaction: no extra write
            note_unsent(s, device_pk=caller.device_pk, report=unsent, now=now)
    # bounded: a batch of tiny bad records must not draw a far larger answer (services/receipts.py)
    return PushResponse(receipts=bounded_receipts(receipts, request_bytes=size), server_time=utcnow())


@router.post(
    "/push",
    response_model=PushResponse,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A PushBatch as JSON, optionally with Content-Encoding: gzip.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushBatch"}}},
        }
    },
)
async def push(
    request: Request,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    outbox_count: Annotated[str | None, Header(alias=OUTBOX_COUNT)] = None,
    outbox_oldest: Annotated[str | None, Header(alias=OUTBOX_OLDEST)] = None,
) -> PushResponse:
    """Store a batch of records; exactly one receipt per record, in the same order.

    Each record is ``stored`` (new, or a newer revision), ``duplicate``,
    ``stale`` (the server holds a newer revision) or ``rejected`` with issues
    in Vietnamese and English. Safe to retry: a resent batch changes nothing.
    """
    body = await read_body(request, limit=settings.max_body_bytes)
    # Off the event loop: inflating and validating a 4 MB batch would hold up every other request.
    batch = await run_in_threadpool(parse_body, PushBatch, body)
    if idempotency_key is not None and _as_uuid(idempotency_key) != batch.batch_id:
        raise InvalidInput(
            text("Yêu cầu không hợp lệ.", "The request is not valid."),
            issues=[
                Issue(
                    field="Idempotency-Key",
                    code="idempotency_key_mismatch",
                    message=text(
                        "Idempotency-Key phải trùng với batch_id.", "Idempotency-Key must equal the batch_id."
                    ),
                )
            ],
        )
    unsent = parse_outbox_headers(outbox_count, outbox_oldest)
    async with _push_slots(request, settings):
        return await run_in_threadpool(_store, db, settings, caller, batch, len(body), unsent)


def _push_slots(request: Request, settings: Settings) -> asyncio.Semaphore:
    """The worker's turns for storing pushes (``Settings.push_concurrency``).

    When thousands of phones sync at once, every push beyond these waits here, holding neither one
    of the server's threads nor a pooled connection: a supervisor's dashboard and a phone's pull
    then find both free instead of queueing behind the pushes (docs/scaling.md, section 2).
    """
    state = request.app.state
    slots: asyncio.Semaphore | None = getattr(state, "push_slots", None)
    if slots is None:
        slots = state.push_slots = asyncio.Semaphore(settings.push_concurrency)
    return slots


def _note_unsent(db: Database, device_pk: int, unsent: tuple, now) -> None:
    with db.session(write=True) as s:
        note_unsent(s, device_pk=device_pk, report=unsent, now=now)


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def _etag(pull: PullResponse) -> str:
    """A validator over everything but the clock fields, so an unchanged scope answers 304."""
    data = pull.model_dump(mode="json", exclude={"server_time"})
    for report in data["tallies"] + data["subtree_tallies"] + data["series"]:
        report.pop("as_of", None)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:32]
    return f'"{digest}"'


@router.get(
    "/pull",
    response_model=PullResponse,
    responses={304: {"description": "unchanged since If-None-Match"}, 401: _ERRORS[401], 503: _ERRORS[503]},
)
async def pull(
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    response: Response,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
    outbox_count: Annotated[str | None, Header(alias=OUTBOX_COUNT)] = None,
    outbox_oldest: Annotated[str | None, Header(alias=OUTBOX_OLDEST)] = None,
    form_features: Annotated[str | None, Header(alias=FORM_FEATURES_HEADER)] = None,
) -> PullResponse | Response:
    """Forms (every version the app can read: see the form-features header), plans, the caller's unit
    subtree, and tallies for this year and this phase."""
    now = utcnow()
    unsent = parse_outbox_headers(outbox_count, outbox_oldest)
    if unsent is not None and caller.device_pk:  # after a push, the pull's report is the latest
        await run_in_threadpool(_note_unsent, db, caller.device_pk, unsent, now)
    reads = parse_reads(form_features)
    result = await run_in_threadpool(
        build_pull, db, caller, now=now, today=local_today(settings, now), reads=reads
    )
    etag = _etag(result)
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return result
