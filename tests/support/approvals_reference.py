"""The approvals list as it was computed before it was batched: one query per approval.

Kept as the reference the batched list (``services/approvals.changes_after``)
must agree with, and as the "before" of ``benchmarks/approvals_list.py``.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from schemas.plan_report import Approval
from sync_server.models import ApprovalRow, RecordRevisionRow, UnitRow
from sync_server.services.approvals import MAX_CHANGED_IDS
from sync_server.services.units import PATH_SEP


def _in_subtree(path_col, root_path: str):
    return or_(path_col == root_path, path_col.startswith(root_path + PATH_SEP, autoescape=True))


def changed_since_one_query(session: Session, row: ApprovalRow, unit_path: str) -> tuple[int, list[UUID]]:
    now_unit = UnitRow.__table__.alias("now_unit")
    prev_unit = UnitRow.__table__.alias("prev_unit")
    r = RecordRevisionRow
    q = (
        select(r.record_id)
        .outerjoin(now_unit, now_unit.c.code == r.unit_code)
        .outerjoin(prev_unit, prev_unit.c.code == r.prev_unit_code)
        .where(
            r.received_at > row.approved_at,
            or_(
                and_(r.period >= row.start, r.period <= row.end, _in_subtree(now_unit.c.path, unit_path)),
                and_(
                    r.prev_period >= row.start,
                    r.prev_period <= row.end,
                    _in_subtree(prev_unit.c.path, unit_path),
                ),
            ),
        )
        .distinct()
    )
    ids = sorted(session.scalars(q).all())
    return len(ids), ids[:MAX_CHANGED_IDS]


def list_one_query_each(
    session: Session, *, root_path: str, limit: int, offset: int = 0, plan_id: str | None = None
) -> list[Approval]:
    """The page of approvals under ``root_path``, newest first, each approval's changes its own query."""
    q = (
        select(ApprovalRow, UnitRow.path)
        .join(UnitRow, UnitRow.code == ApprovalRow.unit_code)
        .where(_in_subtree(UnitRow.path, root_path))
        .order_by(ApprovalRow.approved_at.desc(), ApprovalRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if plan_id:
        q = q.where(ApprovalRow.plan_id == plan_id)
    out = []
    for row, path in session.execute(q).tuples():
        count, ids = changed_since_one_query(session, row, path)
        out.append(
            Approval(
                plan_id=row.plan_id,
                unit=row.unit_code,
                start=row.start,
                end=row.end,
                approved_by=row.approved_by,
                approved_at=row.approved_at,
                changed_records=count,
                changed_record_ids=ids,
            )
        )
    return out
