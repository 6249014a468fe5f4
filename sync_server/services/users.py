"""Administering users: disable and enable them, reset a password, change one's own; every change audited.

Who may act on whom follows the devices' rule (``devices.py``): an admin,
on users of their subtree whose role is lower, or the same role at a unit
strictly below theirs; nobody disables themselves. The command line
(``cli/users.py``) acts as the system and is not limited.

A reset or a change signs out every phone of the user (their tokens stop
working; the phones enroll again with the new password): whoever knew the
old password may have enrolled a phone with it. That is a sign-out, not a
revocation, so the user's own phones can enroll again. Disabling keeps the
devices but no token of a disabled user works (``accounts.caller_for_token``)
and sign-in is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schemas.common import text
from schemas.sync import Role
from schemas.users import UserState

from ..config import Settings
from ..db import Database
from ..errors import BadCredentials, Forbidden, InvalidInput, NotFound, TooManyAttempts
from ..models import DeviceRow, SigninFailureRow, UnitRow, UserRow
from ..security import hash_password, token_hash, verify_password
from .accounts import Caller, check_password_policy
from .audit import audit
from .units import is_within

_RANK = {Role.OFFICER: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


def _not_found(username: str) -> NotFound:
    return NotFound(
        text(
            f"Không có người dùng {username} trong phạm vi của bạn.",
            f"There is no user {username} in your scope.",
        ),
        code="user_not_found",
    )


def _target(session: Session, caller: Caller | None, username: str) -> UserRow:
    """The user ``caller`` may administer (None: the command line); NotFound outside the scope."""
    found = session.execute(
        select(UserRow, UnitRow.path)
        .join(UnitRow, UnitRow.code == UserRow.unit_code)
        .where(UserRow.username == username)
    ).first()
    if caller is None:
        if found is None:
            raise _not_found(username)
        return found[0]
    if caller.role != Role.ADMIN:
        raise Forbidden(
            text("Chỉ quản trị viên được quản lý người dùng.", "Only administrators manage users."),
            code="not_admin",
        )
    if found is None or not is_within(found[1], caller.unit_path):
        raise _not_found(username)  # outside the subtree looks like unknown: no probing who exists
    user, path = found
    mine, theirs = _RANK[caller.role], _RANK[Role(user.role)]
    if user.id == caller.user_id or not (theirs < mine or (theirs == mine and path != caller.unit_path)):
        raise Forbidden(
            text(
                f"{username} là bạn, người cùng cấp hoặc cấp cao hơn; bạn không thể thay đổi tài khoản này.",
                f"{username} is you, a peer or a higher role; you cannot change this account.",
            ),
            code="outranked",
        )
    return user


def _sign_out(session: Session, user: UserRow, *, keep: int = 0) -> int:
    """Make every token of ``user`` but device ``keep``'s unusable; not revoked: they may enroll again."""
    devices = session.scalars(
        select(DeviceRow).where(DeviceRow.user_id == user.id, DeviceRow.id != keep)
    ).all()
    for d in devices:
        d.token_hash = token_hash("signed-out:" + secrets.token_urlsafe(32))
    return len(devices)


def _state(user: UserRow, signed_out: int = 0) -> UserState:
    return UserState(
        username=user.username,
        unit=user.unit_code,
        role=user.role,
        disabled_at=user.disabled_at,
        devices_signed_out=signed_out,
    )


def set_disabled(
    session: Session, *, caller: Caller | None, actor: str, username: str, disabled: bool, now: datetime
) -> UserState:
    """Disable (no sign-in, no token works) or enable a user; audited when it changes anything."""
    user = _target(session, caller, username)
    if disabled == (user.disabled_at is not None):
        return _state(user)
    user.disabled_at = now if disabled else None
    audit(
        session,
        actor=actor,
        action="user_disabled" if disabled else "user_enabled",
        entity="user",
        entity_id=user.username,
        now=now,
        unit=user.unit_code,
    )
    return _state(user)


def reset_password(
    session: Session,
    *,
    caller: Caller | None,
    actor: str,
    username: str,
    new_password: str,
    settings: Settings,
    now: datetime,
) -> UserState:
    """Set a new password for ``username`` (policy checked) and sign out their phones; audited."""
    user = _target(session, caller, username)
    check_password_policy(new_password, settings=settings)
    user.password_hash = hash_password(new_password)
    signed_out = _sign_out(session, user)
    audit(
        session,
        actor=actor,
        action="password_reset",
        entity="user",
        entity_id=user.username,
        now=now,
        detail={"devices_signed_out": signed_out},
        unit=user.unit_code,
    )
    return _state(user, signed_out)


def change_own_password(
    db: Database, *, caller: Caller, current: str, new: str, settings: Settings, now: datetime
) -> UserState:
    """The caller's own password, proven by the current one; their other phones are signed out.

    Wrong current passwords count like failed sign-ins of this user from this
    device, so a stolen token cannot be used to guess the password here.
    """
    client = f"device:{caller.device_pk}"
    window_start = now - timedelta(seconds=settings.signin_window_seconds)
    with db.session(write=True) as s:
        failures = s.scalar(
            select(func.count()).where(
                SigninFailureRow.username == caller.username,
                SigninFailureRow.client == client,
                SigninFailureRow.at >= window_start,
            )
        )
        if failures >= settings.signin_max_failures:
            raise TooManyAttempts(
                text(
                    "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau.",
                    "Too many wrong passwords. Please try again later.",
                ),
                retry_after=settings.signin_window_seconds,
            )
        phc = s.scalar(select(UserRow.password_hash).where(UserRow.id == caller.user_id))
    if not verify_password(current, phc):  # Argon2 outside any transaction
        with db.session(write=True) as s:
            s.add(SigninFailureRow(username=caller.username, client=client, at=now))
        raise BadCredentials(text("Mật khẩu hiện tại không đúng.", "The current password is wrong."))
    if new == current:
        raise InvalidInput(
            text("Mật khẩu mới phải khác mật khẩu cũ.", "The new password must differ from the old one."),
            code="weak_password",
        )
    check_password_policy(new, settings=settings)
    new_hash = hash_password(new)
    with db.session(write=True) as s:
        user = s.get(UserRow, caller.user_id)
        if user is None:
            raise _not_found(caller.username)
        user.password_hash = new_hash
        others = _sign_out(s, user, keep=caller.device_pk)
        audit(
            s,
            actor=caller.username,
            action="password_changed",
            entity="user",
            entity_id=user.username,
            now=now,
            detail={"devices_signed_out": others},
            unit=user.unit_code,
        )
        return _state(user, others)
