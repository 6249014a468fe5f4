"""POST /api/v1/enroll: username and password in, a device token out."""

from __future__ import annotations

from fastapi import APIRouter, Request

from schemas.common import ErrorBody, utcnow
from schemas.sync import EnrollRequest, EnrollResponse

from ...services.accounts import sign_in
from ..deps import DbDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["enroll"])


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    responses={
        401: {"model": ErrorBody, "description": "bad_credentials"},
        429: {"model": ErrorBody, "description": "too_many_attempts (see Retry-After)"},
    },
)
def enroll(body: EnrollRequest, request: Request, db: DbDep, settings: SettingsDep) -> EnrollResponse:
    """Sign a phone in. Re-enrolling the same ``device_id`` replaces its token.

    Failed sign-ins are limited per username and client address
    (``FIELDTALLY_SIGNIN_MAX_FAILURES`` within ``FIELDTALLY_SIGNIN_WINDOW_SECONDS``).
    """
    now = utcnow()
    token, user = sign_in(
        db,
        username=body.username,
        password=body.password,
        client=request.client.host if request.client else "unknown",
        device_id=body.device_id,
        device_name=body.device_name,
        settings=settings,
        now=now,
    )
    return EnrollResponse(device_token=token, user=user, server_time=utcnow())
