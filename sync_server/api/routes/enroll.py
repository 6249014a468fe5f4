"""POST /api/v1/enroll: username and password in, a device token and the server's keys out."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, utcnow
from schemas.sync import EnrollRequest, EnrollResponse

from ...recovery_key import load_or_create
from ...services.accounts import sign_in
from ...services.devices import device_id_for
from ..deps import DbDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["enroll"])


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    responses={
        400: {"model": ErrorBody, "description": "bad_body: not JSON"},
        401: {"model": ErrorBody, "description": "bad_credentials"},
        422: {"model": ErrorBody, "description": "invalid: not an EnrollRequest"},
        429: {"model": ErrorBody, "description": "too_many_attempts (see Retry-After)"},
        503: {"model": ErrorBody, "description": "unavailable: retry later"},
    },
)
async def enroll(body: EnrollRequest, request: Request, db: DbDep, settings: SettingsDep) -> EnrollResponse:
    """Sign a phone in. Re-enrolling the same ``device_id`` replaces its token (and lifts a revocation).

    Failed sign-ins are limited per username and client address
    (``FIELDTALLY_SIGNIN_MAX_FAILURES`` within ``FIELDTALLY_SIGNIN_WINDOW_SECONDS``),
    counted in the database so every worker sees the same count. The answer
    carries the server's public recovery key (the phone wraps its data key
    for it) and the device's unlock key (to check unlock codes offline).
    """
    client = request.client.host if request.client else "unknown"

    def run() -> EnrollResponse:
        now = utcnow()
        token, user = sign_in(
            db,
            username=body.username,
            password=body.password,
            client=client,
            device_id=body.device_id,
            device_name=body.device_name,
            settings=settings,
            now=now,
        )
        with db.session() as s:
            device = device_id_for(s, username=user.username, device_id=body.device_id)
        key = load_or_create(settings)
        return EnrollResponse(
            device_token=token,
            user=user,
            server_time=utcnow(),
            device=device,
            recovery_key=key.info(),
            unlock_key=base64.b64encode(key.unlock_key(device)).decode("ascii"),
        )

    return await run_in_threadpool(run)
