"""Enrolled phones as supervisors see them: list, revoke, and unlock codes, each within the caller's scope.

Scope is the unit tree, as everywhere: a supervisor or admin acts on the
devices of users whose unit is in their own subtree; an officer sees and
may revoke only their own devices (a lost phone, reported from another),
and never gets unlock codes (that is what a supervisor is for). A device
outside the caller's scope is answered as not found, so ids cannot be used
to learn who has which phone.

Revoking and unlock codes also respect rank: besides their own phones, a
caller acts only on the phones of lower roles, or of the same role at a unit
strictly below their own. A supervisor may not revoke an admin's phone or a
peer supervisor's, nor get their unlock codes (``Forbidden``, ``outranked``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from schemas.common import text
from schemas.sync import DeviceInfo, Role

from ..errors import Forbidden, NotFound
from ..models import DeviceRow, UnitRow, UserRow
from .accounts import Caller
from .audit import audit
from .units import is_within


def _info(device: DeviceRow, user: UserRow, *, outbox: bool = False) -> DeviceInfo:
    """``outbox``: include the unsent-records report (only callers that asked for it can read it)."""
    base = DeviceInfo(
        id=device.id,
        name=device.name,
        username=user.username,
        unit=user.unit_code,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
    )
    if not outbox:
        return base  # the report's fields stay unset, so the answer leaves them out
    return DeviceInfo(
        **base.model_dump(exclude_unset=True),
        unsent_count=device.unsent_count,
        unsent_since=device.unsent_since,
        unsent_reported_at=device.unsent_reported_at,
    )


def _in_scope(caller: Caller, user: UserRow, unit_path: str) -> bool:
    if caller.role == Role.OFFICER:
        return user.id == caller.user_id
    return is_within(unit_path, caller.unit_path)


_RANK = {Role.OFFICER: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


def _outranks(caller: Caller, user: UserRow, unit_path: str) -> bool:
    """Whether ``caller`` may revoke or unlock a phone of ``user`` (already known to be in scope)."""
    if user.id == caller.user_id:
        return True
    mine, theirs = _RANK[caller.role], _RANK[Role(user.role)]
    return theirs < mine or (theirs == mine and unit_path != caller.unit_path)


def list_devices(session: Session, *, caller: Caller, outbox: bool = False) -> list[DeviceInfo]:
    """The devices the caller may see, newest first (``outbox``: with their unsent-records reports)."""
    rows = session.execute(
        select(DeviceRow, UserRow, UnitRow.path)
        .join(UserRow, UserRow.id == DeviceRow.user_id)
        .join(UnitRow, UnitRow.code == UserRow.unit_code)
        .order_by(DeviceRow.id.desc())
    ).all()
    return [_info(d, u, outbox=outbox) for d, u, path in rows if _in_scope(caller, u, path)]


def note_unsent(
    session: Session, *, device_pk: int, report: tuple[int, datetime | None], now: datetime
) -> None:
    """Keep a phone's report of its unsent records (``schemas.outbox``), written only when it changed.

    Each phone writes only its own row, so this adds no row that every push waits on.
    """
    count, since = report
    session.execute(
        update(DeviceRow)
        .where(
            DeviceRow.id == device_pk,
            or_(
                DeviceRow.unsent_count.is_distinct_from(count),
                DeviceRow.unsent_since.is_distinct_from(since),
            ),
        )
        .values(unsent_count=count, unsent_since=since, unsent_reported_at=now)
    )


def device_id_for(session: Session, *, username: str, device_id: str) -> int:
    """The server's number of the phone ``device_id`` enrolled by ``username``."""
    pk = session.scalar(
        select(DeviceRow.id)
        .join(UserRow, UserRow.id == DeviceRow.user_id)
        .where(UserRow.username == username, DeviceRow.device_id == device_id)
    )
    if pk is None:
        raise NotFound(text("Không tìm thấy thiết bị.", "Device not found."))
    return pk


def _get_in_scope(session: Session, *, caller: Caller, device: int) -> tuple[DeviceRow, UserRow]:
    found = session.execute(
        select(DeviceRow, UserRow, UnitRow.path)
        .join(UserRow, UserRow.id == DeviceRow.user_id)
        .join(UnitRow, UnitRow.code == UserRow.unit_code)
        .where(DeviceRow.id == device)
        .with_for_update(of=DeviceRow)
    ).first()
    if found is not None and _in_scope(caller, found[1], found[2]) and not _outranks(caller, *found[1:]):
        raise Forbidden(
            text(
                f"Thiết bị số {device} thuộc người cùng cấp hoặc cấp cao hơn; bạn không thể thao tác.",
                f"Device {device} belongs to a peer or a higher role; you cannot act on it.",
            ),
            code="outranked",
        )
    if found is None or not _in_scope(caller, found[1], found[2]):
        raise NotFound(
            text(
                f"Không tìm thấy thiết bị số {device} trong phạm vi của bạn.",
                f"There is no device {device} in your scope.",
            ),
            code="device_not_found",
        )
    return found[0], found[1]


def revoke(session: Session, *, caller: Caller, device: int, now: datetime) -> DeviceInfo:
    """Stop a device's token working at once (idempotent); an audit entry records who did it."""
    row, user = _get_in_scope(session, caller=caller, device=device)
    if row.revoked_at is None:
        row.revoked_at = now
        audit(
            session,
            actor=caller.username,
            action="device_revoked",
            entity="device",
            entity_id=str(row.id),
            now=now,
            detail={"user": user.username, "name": row.name},
            unit=user.unit_code,
        )
    return _info(row, user)


def issue_unlock_code(session: Session, *, caller: Caller, device: int, lockout: int, now: datetime) -> None:
    """Check that ``caller`` may unlock ``device`` and write the audit entry; the route makes the code."""
    if caller.role == Role.OFFICER:
        raise Forbidden(
            text(
                "Chỉ chỉ huy hoặc quản trị viên mới cấp được mã mở khóa.",
                "Only a supervisor or an administrator can issue unlock codes.",
            )
        )
    row, user = _get_in_scope(session, caller=caller, device=device)
    audit(
        session,
        actor=caller.username,
        action="unlock_code_issued",
        entity="device",
        entity_id=str(row.id),
        now=now,
        detail={"user": user.username, "lockout": lockout},
        unit=user.unit_code,
    )
