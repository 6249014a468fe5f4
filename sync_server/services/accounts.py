"""Users, enrolled devices, sign-in with a database-kept rate limit, and who a token belongs to.

Passwords: at least ``MIN_PASSWORD_LENGTH`` characters, not a common one
(``common_passwords.py``), not a run or a repeat, not the username, and in
production not a demo password. In production a sign-in with a password that
fails this policy is refused even when it is right (an account seeded with a
demo or weak password must have it reset by an admin first).

The sign-in limit is per (username, client address) pair and backs off rather
than locking out: after ``signin_max_failures`` failures each further try of
that pair waits twice as long as the one before (from ``BACKOFF_FIRST``, up
to the window). A guesser behind the same address as the real user slows the user
down by seconds, not the whole window.

A revoked device stays revoked: signing in again from it is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from schemas.common import text
from schemas.sync import Role, UserInfo

from ..common_passwords import COMMON_PASSWORDS
from ..config import Settings
from ..db import Database
from ..errors import BadCredentials, ConfigError, Forbidden, InvalidInput, TooManyAttempts, Unauthorized
from ..models import DeviceRow, SigninFailureRow, UnitRow, UserRow
from ..security import hash_password, is_demo_password, new_device_token, token_hash, verify_password
from .units import get_unit

# last_seen is refreshed at most this often, so reads do not turn into writes
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
# A device token unused this long stops working (a phone left in a drawer, or lost without a report).
TOKEN_MAX_IDLE = timedelta(days=90)
MIN_PASSWORD_LENGTH = 8
BACKOFF_FIRST = timedelta(seconds=15)  # the wait after the last allowed failure; doubles with each more


@dataclass(frozen=True)
class Caller:
    """Who is asking: the device's user and the root of the subtree they may see."""

    user_id: int
    username: str
    full_name: str
    role: Role
    unit_code: str
    unit_name: str
    unit_path: str
    device_pk: int
    device_id: str = ""  # the enrolled phone's own id: what the records it sends are stored under

    @classmethod
    def of(cls, user: UserRow, unit: UnitRow, *, device_pk: int = 0, device_id: str = "") -> Caller:
        """``user`` (at ``unit``, their own) asking; ``device_pk`` 0 when no enrolled device is involved."""
        return cls(
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            role=Role(user.role),
            unit_code=unit.code,
            unit_name=unit.name,
            unit_path=unit.path,
            device_pk=device_pk,
            device_id=device_id,
        )

    def info(self) -> UserInfo:
        return UserInfo(
            username=self.username,
            full_name=self.full_name,
            role=self.role,
            unit=self.unit_code,
            unit_name=self.unit_name,
        )


def user_info(user: UserRow, unit: UnitRow) -> UserInfo:
    return UserInfo(
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        unit=unit.code,
        unit_name=unit.name,
    )


_RUNS = ("0123456789012345678901234567890", "9876543210987654321098765432109", "qwertyuiopasdfghjklzxcvbnm")


def password_weakness(password: str, *, settings: Settings) -> str | None:
    """Why ``password`` must not guard field data (a short reason in English), or None when it may."""
    if settings.environment == "production" and is_demo_password(password):
        return "demo"
    if len(password) < MIN_PASSWORD_LENGTH:
        return "short"
    low = password.lower()
    if low in COMMON_PASSWORDS or len(set(low)) == 1 or any(low in run for run in _RUNS):
        return "common"
    return None


def check_password_policy(password: str, *, settings: Settings) -> None:
    """Refuse passwords that must not guard real data (demo ones in production, short, common ones)."""
    why = password_weakness(password, settings=settings)
    if why == "demo":
        raise ConfigError("demo passwords are refused when FIELDTALLY_ENVIRONMENT=production")
    if why == "short":
        raise InvalidInput(
            text(
                f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
                f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            ),
            code="weak_password",
        )
    if why is not None:
        raise InvalidInput(
            text(
                "Mật khẩu quá dễ đoán (phổ biến, lặp một ký tự hoặc dãy liên tiếp). Hãy chọn mật khẩu khác.",
                "Too easy to guess (common, one character repeated, or a run); choose another password.",
            ),
            code="weak_password",
        )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    unit_code: str,
    full_name: str,
    settings: Settings,
    now: datetime,
    exist_ok: bool = False,
    actor: str = "system",
) -> tuple[UserRow, bool]:
    """Add a user; returns (user, created). An existing username is an error unless ``exist_ok``.

    A new user is written to the audit log as created by ``actor``.
    """
    check_password_policy(password, settings=settings)
    existing = session.scalar(select(UserRow).where(UserRow.username == username))
    if existing is not None:
        if exist_ok:
            return existing, False
        raise InvalidInput(
            text(f"Tên đăng nhập {username} đã có.", f"Username {username} is taken."), code="user_exists"
        )
    get_unit(session, code=unit_code)
    user = UserRow(
        username=username,
        password_hash=hash_password(password),
        full_name=full_name,
        role=Role(role).value,
        unit_code=unit_code,
        created_at=now,
    )
    session.add(user)
    session.flush()
    from .audit import audit

    audit(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=username,
        now=now,
        detail={"role": user.role, "unit": unit_code, "full_name": full_name},
        unit=unit_code,
    )
    return user, True


def _too_many(retry_after: int) -> TooManyAttempts:
    minutes = max(1, math.ceil(retry_after / 60))
    return TooManyAttempts(
        text(
            f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
            f"Too many failed sign-ins. Please try again in {minutes} minute(s).",
        ),
        retry_after=retry_after,
    )


def sign_in(
    db: Database,
    *,
    username: str,
    password: str,
    client: str,
    device_id: str,
    device_name: str,
    settings: Settings,
    now: datetime,
) -> tuple[str, UserInfo]:
    """Check a password and enroll the device; returns (device token, user).

    Raises TooManyAttempts when ``settings.signin_max_failures`` failures for
    this username and client address fall within the window, BadCredentials on a
    wrong username or password. The attempt is written down *before* the
    password is checked (and removed if it was right), so parallel guesses
    cannot slip past the limit; the KDF runs outside any transaction.
    """
    window_start = now - timedelta(seconds=settings.signin_window_seconds)
    key = (username[:64], client[:64])
    with db.session(write=True) as s:
        # SQLite's BEGIN IMMEDIATE already serialises this; PostgreSQL needs a lock per key
        if db.kind == "postgresql":
            s.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"signin:{key[0]}:{key[1]}"))))
        s.execute(delete(SigninFailureRow).where(SigninFailureRow.at < window_start))
        count, latest = s.execute(
            select(func.count(), func.max(SigninFailureRow.at)).where(
                SigninFailureRow.username == key[0], SigninFailureRow.client == key[1]
            )
        ).one()
        if count >= settings.signin_max_failures:
            latest_at = latest if latest.tzinfo else latest.replace(tzinfo=now.tzinfo)
            extra = count - settings.signin_max_failures
            window = timedelta(seconds=settings.signin_window_seconds)
            wait = min(BACKOFF_FIRST * (2 ** min(extra, 20)), window)
            if now < latest_at + wait:
                raise _too_many(max(1, math.ceil((latest_at + wait - now).total_seconds())))
        attempt = SigninFailureRow(username=key[0], client=key[1], at=now)
        s.add(attempt)
        s.flush()
        attempt_id = attempt.id
        user = s.scalar(select(UserRow).where(UserRow.username == username, UserRow.disabled_at.is_(None)))
        phc = user.password_hash if user else None

    if not verify_password(password, phc) or user is None:
        raise BadCredentials(text("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."))
    if settings.environment == "production" and password_weakness(password, settings=settings):
        raise Forbidden(
            text(
                "Mật khẩu của tài khoản này là mật khẩu mẫu hoặc quá yếu; hãy nhờ quản trị viên đặt lại.",
                "This account's password is a demo or weak one; ask an administrator to set a new password.",
            ),
            code="password_must_change",
        )

    token = new_device_token()
    with db.session(write=True) as s:
        s.execute(
            delete(SigninFailureRow).where(
                SigninFailureRow.username == key[0], SigninFailureRow.client == key[1]
            )
        )
        s.execute(delete(SigninFailureRow).where(SigninFailureRow.id == attempt_id))
        device = s.scalar(
            select(DeviceRow).where(DeviceRow.user_id == user.id, DeviceRow.device_id == device_id)
        )
        if device is None:
            device = DeviceRow(user_id=user.id, device_id=device_id, created_at=now)
            s.add(device)
        elif device.revoked_at is not None:
            # a revocation is for good: the password (which whoever holds the phone may know) cannot lift it
            raise Forbidden(
                text(
                    "Thiết bị này đã bị thu hồi; không thể đăng nhập lại trên nó. Hãy liên hệ chỉ huy.",
                    "This device was revoked; it cannot sign in again. Contact your supervisor.",
                ),
                code="device_revoked",
            )
        # Re-enrolling a phone replaces its token: the old one stops working.
        device.name, device.token_hash, device.last_seen_at = device_name, token_hash(token), now
        s.flush()
        from .audit import audit

        audit(
            s,
            actor=user.username,
            action="enroll",
            entity="device",
            entity_id=str(device.id),
            now=now,
            detail={"device_id": device_id, "name": device_name},
            unit=user.unit_code,
        )
        unit = get_unit(s, code=user.unit_code)
        return token, user_info(user, unit)


def caller_for_token(db: Database, *, token: str | None, now: datetime) -> Caller:
    """The caller behind a bearer token; Unauthorized if it is missing, unknown or revoked."""
    if not token:
        raise _unauthorized()
    with db.lookup() as conn:
        found = conn.execute(_BY_TOKEN, {"digest": token_hash(token)}).first()
    if found is None:
        raise _unauthorized()
    caller = dict(found._mapping)
    last_seen_at = caller.pop("last_seen_at")
    if now - last_seen_at > TOKEN_MAX_IDLE:
        raise Unauthorized(
            text(
                f"Phiên đăng nhập của thiết bị đã hết hạn (không dùng quá {TOKEN_MAX_IDLE.days} ngày). "
                "Vui lòng đăng nhập lại.",
                f"This device's sign-in has expired (unused for over {TOKEN_MAX_IDLE.days} days). "
                "Please sign in again.",
            ),
            code="token_expired",
        )
    if now - last_seen_at > LAST_SEEN_RESOLUTION:
        with db.session(write=True) as s:
            s.execute(update(DeviceRow).where(DeviceRow.id == caller["device_pk"]).values(last_seen_at=now))
    return Caller(**caller | {"role": Role(caller["role"])})


# Who a token belongs to, as plain columns named as Caller's fields (no ORM objects to build), one
# statement built once: it runs before every request of a phone.
_BY_TOKEN = (
    select(
        UserRow.id.label("user_id"),
        UserRow.username,
        UserRow.full_name,
        UserRow.role,
        UnitRow.code.label("unit_code"),
        UnitRow.name.label("unit_name"),
        UnitRow.path.label("unit_path"),
        DeviceRow.id.label("device_pk"),
        DeviceRow.device_id,
        DeviceRow.last_seen_at,
    )
    .join(UserRow, UserRow.id == DeviceRow.user_id)
    .join(UnitRow, UnitRow.code == UserRow.unit_code)
    .where(
        DeviceRow.token_hash == bindparam("digest"),
        DeviceRow.revoked_at.is_(None),
        UserRow.disabled_at.is_(None),
    )
)


def revoke_device(session: Session, *, device_pk: int, now: datetime) -> None:
    device = session.get(DeviceRow, device_pk)
    if device is not None and device.revoked_at is None:
        device.revoked_at = now


def _unauthorized() -> Unauthorized:
    return Unauthorized(
        text(
            "Thiết bị chưa đăng nhập hoặc đã bị thu hồi. Vui lòng đăng nhập lại.",
            "This device is not signed in or was revoked. Please sign in again.",
        )
    )
