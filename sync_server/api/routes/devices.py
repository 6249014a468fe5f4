"""GET /api/v1/devices, POST .../{device}/revoke and .../{device}/unlock-code, within the caller's scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, utcnow
from schemas.sync import DeviceInfo, DeviceList, UnlockCode, UnlockCodeRequest

from ...recovery_key import load_or_create
from ...services import devices as svc
from ..deps import CallerDep, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad_body: not JSON"},
    401: {"model": ErrorBody, "description": "unauthorized"},
    403: {"model": ErrorBody, "description": "forbidden: your role may not do this"},
    404: {"model": ErrorBody, "description": "device_not_found: unknown, or outside your scope"},
    422: {"model": ErrorBody, "description": "invalid"},
    503: {"model": ErrorBody, "description": "unavailable: retry later"},
}
DeviceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the server's number of the device")]


@router.get(
    "",
    response_model=DeviceList,
    response_model_exclude_unset=True,  # without ?outbox=1, exactly the fields older phones know
    responses={401: _ERRORS[401], 503: _ERRORS[503]},
)
async def list_devices(
    caller: CallerDep,
    db: DbDep,
    outbox: Annotated[
        bool, Query(description="also each phone's last report of its unsent records (newer phones)")
    ] = False,
) -> DeviceList:
    """Devices of your unit subtree (supervisors, admins) or your own (officers)."""

    def run() -> DeviceList:
        with db.session() as s:
            return DeviceList(devices=svc.list_devices(s, caller=caller, outbox=outbox))

    return await run_in_threadpool(run)


@router.post("/{device}/revoke", response_model=DeviceInfo, responses=_ERRORS)
async def revoke(device: DeviceId, caller: CallerDep, db: DbDep) -> DeviceInfo:
    """Stop the device's token at once (a lost or stolen phone). Idempotent; written to the audit log.

    Records the phone had already sent stay; what it had not sent stays in
    its vault until the officer enrolls again (or an admin recovers it).
    """

    def run() -> DeviceInfo:
        with db.session(write=True) as s:
            return svc.revoke(s, caller=caller, device=device, now=utcnow())

    return await run_in_threadpool(run)


@router.post("/{device}/unlock-code", response_model=UnlockCode, responses=_ERRORS)
async def unlock_code(
    device: DeviceId, body: UnlockCodeRequest, caller: CallerDep, db: DbDep, settings: SettingsDep
) -> UnlockCode:
    """The one-time code that lets a phone locked by wrong PINs take PINs again (supervisors, admins).

    The phone shows its device number and lockout number; the code works
    for that lockout only, and opens no data (the PIN is still needed).
    Written to the audit log.
    """

    def run() -> UnlockCode:
        key = load_or_create(settings)  # first, so no audit entry is written for a code never given
        with db.session(write=True) as s:
            svc.issue_unlock_code(s, caller=caller, device=device, lockout=body.lockout, now=utcnow())
        return UnlockCode(device=device, lockout=body.lockout, code=key.unlock_code(device, body.lockout))

    return await run_in_threadpool(run)
