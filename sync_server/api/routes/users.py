"""User administration over HTTP: disable, enable, reset a password (admins), change one's own (anyone)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, utcnow
from schemas.users import PasswordChange, PasswordReset, UserState

from ...services import users as svc
from ..deps import CallerDep, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["users"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad_body: not JSON"},
    401: {"model": ErrorBody, "description": "unauthorized, or the current password is wrong"},
    403: {"model": ErrorBody, "description": "not_admin, or outranked: yourself, a peer or a higher role"},
    404: {"model": ErrorBody, "description": "user_not_found: unknown, or outside your subtree"},
    422: {"model": ErrorBody, "description": "invalid, or weak_password"},
    429: {"model": ErrorBody, "description": "too_many_attempts: wrong current passwords; see Retry-After"},
    503: {"model": ErrorBody, "description": "unavailable: retry later"},
}
Username = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/users/{username}/disable", response_model=UserState, responses=_ERRORS)
async def disable(username: Username, caller: CallerDep, db: DbDep) -> UserState:
    """No sign-in and no token of the user works until enabled again (admins, in their subtree)."""

    def run() -> UserState:
        with db.session(write=True) as s:
            return svc.set_disabled(
                s, caller=caller, actor=caller.username, username=username, disabled=True, now=utcnow()
            )

    return await run_in_threadpool(run)


@router.post("/users/{username}/enable", response_model=UserState, responses=_ERRORS)
async def enable(username: Username, caller: CallerDep, db: DbDep) -> UserState:
    """Lift a disable (admins, in their subtree)."""

    def run() -> UserState:
        with db.session(write=True) as s:
            return svc.set_disabled(
                s, caller=caller, actor=caller.username, username=username, disabled=False, now=utcnow()
            )

    return await run_in_threadpool(run)


@router.post("/users/{username}/password", response_model=UserState, responses=_ERRORS)
async def reset_password(
    username: Username, body: PasswordReset, caller: CallerDep, db: DbDep, settings: SettingsDep
) -> UserState:
    """Set a new password (admins, in their subtree); the user's phones are signed out."""

    def run() -> UserState:
        with db.session(write=True) as s:
            return svc.reset_password(
                s,
                caller=caller,
                actor=caller.username,
                username=username,
                new_password=body.new_password,
                settings=settings,
                now=utcnow(),
            )

    return await run_in_threadpool(run)


@router.post("/account/password", response_model=UserState, responses=_ERRORS)
async def change_password(
    body: PasswordChange, caller: CallerDep, db: DbDep, settings: SettingsDep
) -> UserState:
    """Change your own password (the current one is needed); your other phones are signed out."""
    return await run_in_threadpool(
        lambda: svc.change_own_password(
            db,
            caller=caller,
            current=body.current_password,
            new=body.new_password,
            settings=settings,
            now=utcnow(),
        )
    )
