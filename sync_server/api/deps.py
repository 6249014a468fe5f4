"""Dependencies of the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from schemas.common import utcnow

from ..config import Settings
from ..db import Database
from ..services.accounts import Caller, caller_for_token


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Database:
    return request.app.state.db


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[Database, Depends(get_db)]

# auto_error=False: a missing header is answered by our own 401 ErrorBody
_bearer = HTTPBearer(auto_error=False, description="The device token from POST /api/v1/enroll")


def get_caller(
    db: DbDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    """The signed-in device's user; 401 ``unauthorized`` when the token is missing, unknown or revoked."""
    return caller_for_token(db, token=credentials.credentials if credentials else None, now=utcnow())


CallerDep = Annotated[Caller, Depends(get_caller)]
