"""Approval, as DHIS2 does it: a supervisor signs off a unit's tallies for a period.

Records stored later (new, edited or voided) that count, or counted before
the edit, inside the approved unit's subtree and period are listed with the
approval, so the supervisor's screen can flag that the approved numbers have
moved. Only supervisors and admins approve, and only inside their subtree.

A higher level's approval binds the levels below it: once the city has
approved a district for a period, nobody at the district or below may
re-approve or withdraw an approval of that district, or of any unit under
it, for an overlapping period; only the city level (or above) may. Otherwise
a district could rewrite what the city signed off. Re-approving at the same
level is allowed and clears the flags, but the audit entry of the
re-approval lists the changed records it accepted, so no edit disappears.

The list is paged (``MAX_LIST``), and a page costs a fixed number of queries
however many approvals it holds: what changed after every approval of the
page is one grouped query (``changes_after``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from schemas.common import text
from schemas.plan_report import Approval
from schemas.sync import Role

from ..errors import Forbidden, InvalidInput, NotFound
from ..models import ApprovalRow, RecordRevisionRow, UnitRow
from .accounts import Caller
from .audit import audit
from .catalog import get_plan
from .units import PATH_SEP, is_within, unit_in_scope

if TYPE_CHECKING:  # tallies.reports imports this module
    from .tallies.tree import Node

MAX_CHANGED_IDS = 50
MAX_LIST = 100  # approvals per page of the list


def _in_subtree(path_col, root: UnitRow | Node):
    return or_(path_col == root.path, path_col.startswith(root.path + PATH_SEP, autoescape=True))


def _within(path_col, root_path):
    """``path_col`` is ``root_path`` or below it; exact for any characters (no LIKE wildcards)."""
    prefix = root_path + PATH_SEP
    return or_(path_col == root_path, func.substr(path_col, 1, func.length(prefix)) == prefix)


def changes_after(session: Session, approval_ids: Sequence[int]) -> dict[int, tuple[int, list[UUID]]]:
    """For each approval: (how many, up to MAX_CHANGED_IDS ids of) records changed after it; one query.

    A record counts for an approval when a revision of it was stored after the
    approval and either that revision or the one it replaced counts inside the
    approved unit's subtree and period. The ids are the smallest, in order.
    """
    if not approval_ids:
        return {}
    a = ApprovalRow.__table__.alias("a")
    approved_unit = UnitRow.__table__.alias("approved_unit")
    now_unit = UnitRow.__table__.alias("now_unit")
    prev_unit = UnitRow.__table__.alias("prev_unit")
    r = RecordRevisionRow.__table__
    pairs = (
        select(a.c.id.label("approval_id"), r.c.record_id)
        .join(approved_unit, approved_unit.c.code == a.c.unit_code)
        .join(r, r.c.received_at > a.c.approved_at)
        .outerjoin(now_unit, now_unit.c.code == r.c.unit_code)
        .outerjoin(prev_unit, prev_unit.c.code == r.c.prev_unit_code)
        .where(
            a.c.id.in_(list(approval_ids)),
            or_(
                and_(
                    r.c.period >= a.c.start,
                    r.c.period <= a.c.end,
                    _within(now_unit.c.path, approved_unit.c.path),
                ),
                and_(
                    r.c.prev_period >= a.c.start,
                    r.c.prev_period <= a.c.end,
                    _within(prev_unit.c.path, approved_unit.c.path),
                ),
            ),
        )
        .distinct()
        .subquery()
    )
    ranked = select(
        pairs.c.approval_id,
        pairs.c.record_id,
        func.count().over(partition_by=pairs.c.approval_id).label("n"),
        func.row_number().over(partition_by=pairs.c.approval_id, order_by=pairs.c.record_id).label("k"),
    ).subquery()
    rows = session.execute(
        select(ranked.c.approval_id, ranked.c.record_id, ranked.c.n)
        .where(ranked.c.k <= MAX_CHANGED_IDS)
        .order_by(ranked.c.approval_id, ranked.c.k)
    )
    found: dict[int, tuple[int, list[UUID]]] = {i: (0, []) for i in approval_ids}
    for approval_id, record_id, n in rows:
        found[approval_id] = (n, [*found[approval_id][1], record_id])
    return found


def _to_model(row: ApprovalRow, changes: tuple[int, list[UUID]]) -> Approval:
    count, ids = changes
    return Approval(
        plan_id=row.plan_id,
        unit=row.unit_code,
        start=row.start,
        end=row.end,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        changed_records=count,
        changed_record_ids=ids,
    )


def _with_changes(session: Session, row: ApprovalRow) -> Approval:
    return _to_model(row, changes_after(session, [row.id])[row.id])


def approval_for(
    session: Session, *, plan_id: str, unit: UnitRow | Node, start: date, end: date
) -> Approval | None:
    """The approval of exactly this plan, unit and period, if any, with what changed since."""
    row = session.scalar(
        select(ApprovalRow).where(
            ApprovalRow.plan_id == plan_id,
            ApprovalRow.unit_code == unit.code,
            ApprovalRow.start == start,
            ApprovalRow.end == end,
        )
    )
    return _with_changes(session, row) if row else None


def _check_approver(session: Session, caller: Caller, *, plan_id: str, unit_code: str) -> UnitRow:
    if caller.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(
            text("Chỉ cán bộ phụ trách mới được phê duyệt số liệu.", "Only supervisors may approve tallies."),
            code="not_a_supervisor",
        )
    get_plan(session, plan_id=plan_id)
    return unit_in_scope(session, code=unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code)


def _binding_approval(
    session: Session, caller: Caller, *, plan_id: str, unit: UnitRow, start: date, end: date
) -> ApprovalRow | None:
    """An approval given above the caller's level, of ``unit`` or a unit above it, overlapping the period."""
    rows = session.execute(
        select(ApprovalRow, UnitRow.path)
        .join(UnitRow, UnitRow.code == ApprovalRow.unit_code)
        .where(
            ApprovalRow.plan_id == plan_id,
            ApprovalRow.start <= end,
            ApprovalRow.end >= start,
            ApprovalRow.approver_path.is_not(None),
        )
    ).tuples()
    for row, approved_path in rows:
        higher = row.approver_path != caller.unit_path and is_within(
            caller.unit_path, row.approver_path or ""
        )
        if higher and is_within(unit.path, approved_path):
            return row
    return None


def _check_not_bound(
    session: Session, caller: Caller, *, plan_id: str, unit: UnitRow, start: date, end: date
) -> None:
    row = _binding_approval(session, caller, plan_id=plan_id, unit=unit, start=start, end=end)
    if row is not None:
        raise Forbidden(
            text(
                f"{row.approved_by} (cấp trên) đã phê duyệt {row.unit_code} từ {row.start} đến {row.end}; "
                "chỉ cấp đó mới được thay đổi phê duyệt trong phạm vi này.",
                f"{row.approved_by} (a higher level) approved {row.unit_code} from {row.start} to {row.end}; "
                "only that level may change approvals within it.",
            ),
            code="bound_by_higher_approval",
        )


def approve(
    session: Session, *, caller: Caller, plan_id: str, unit_code: str, start: date, end: date, now: datetime
) -> Approval:
    """Approve (or re-approve, which resets what counts as changed) a unit's tallies for a period."""
    if start > end:
        raise InvalidInput(
            text("Ngày bắt đầu phải trước ngày kết thúc.", "The start date must not be after the end date.")
        )
    unit = _check_approver(session, caller, plan_id=plan_id, unit_code=unit_code)
    _check_not_bound(session, caller, plan_id=plan_id, unit=unit, start=start, end=end)
    row = session.scalar(
        select(ApprovalRow)
        .where(
            ApprovalRow.plan_id == plan_id,
            ApprovalRow.unit_code == unit.code,
            ApprovalRow.start == start,
            ApprovalRow.end == end,
        )
        .with_for_update()
    )
    detail: dict[str, object] = {}
    if row is None:
        row = ApprovalRow(plan_id=plan_id, unit_code=unit.code, start=start, end=end)
        session.add(row)
    else:  # a re-approval accepts what changed since: say so where it cannot be hidden
        count, ids = changes_after(session, [row.id])[row.id]
        detail = {
            "previous": {"by": row.approved_by, "at": row.approved_at.isoformat()},
            "accepted_changes": count,
            "accepted_change_ids": [str(i) for i in ids],
        }
    row.approved_by, row.approved_at, row.approver_path = caller.username, now, caller.unit_path
    session.flush()
    audit(
        session,
        actor=caller.username,
        action="approve",
        entity="approval",
        entity_id=f"{plan_id}/{unit.code}/{start}/{end}",
        now=now,
        detail=detail,
        unit=unit.code,
    )
    return _with_changes(session, row)


def withdraw(
    session: Session, *, caller: Caller, plan_id: str, unit_code: str, start: date, end: date, now: datetime
) -> None:
    """Take an approval back; NotFound if there is none, Forbidden if a higher level's approval binds it."""
    unit = _check_approver(session, caller, plan_id=plan_id, unit_code=unit_code)
    _check_not_bound(session, caller, plan_id=plan_id, unit=unit, start=start, end=end)
    # Session.execute is typed as returning a Result; a DELETE returns a CursorResult, which has rowcount.
    result = session.execute(
        delete(ApprovalRow).where(
            ApprovalRow.plan_id == plan_id,
            ApprovalRow.unit_code == unit.code,
            ApprovalRow.start == start,
            ApprovalRow.end == end,
        )
    )
    gone = cast("CursorResult[Any]", result).rowcount
    if not gone:
        raise NotFound(text("Chưa có phê duyệt này.", "There is no such approval."), code="unknown_approval")
    audit(
        session,
        actor=caller.username,
        action="withdraw",
        entity="approval",
        entity_id=f"{plan_id}/{unit.code}/{start}/{end}",
        now=now,
        unit=unit.code,
    )


def list_approvals(
    session: Session,
    *,
    caller: Caller,
    plan_id: str | None = None,
    unit_code: str | None = None,
    limit: int = MAX_LIST,
    offset: int = 0,
) -> list[Approval]:
    """Approvals inside the caller's subtree (of one unit's subtree, if given), newest first; one page."""
    root = unit_in_scope(
        session, code=unit_code or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
    )
    q = (
        select(ApprovalRow)
        .join(UnitRow, UnitRow.code == ApprovalRow.unit_code)
        .where(_in_subtree(UnitRow.path, root))
        .order_by(ApprovalRow.approved_at.desc(), ApprovalRow.id.desc())
        .limit(min(limit, MAX_LIST))
        .offset(offset)
    )
    if plan_id:
        q = q.where(ApprovalRow.plan_id == plan_id)
    rows = list(session.scalars(q))
    changes = changes_after(session, [row.id for row in rows])
    return [_to_model(row, changes[row.id]) for row in rows]
