"""The audit trail: every admin change written beside the change, and read back by admins.

Record revisions have their own table (``record_revisions``, written by the
ingest); this one holds changes to units, baselines, plans, users, devices
and approvals. An entry is added in the same transaction as the change it
describes, so there is never a change without its entry or the reverse.

Reads are scoped: every entry names the unit it concerns (``unit``), and an
admin of one unit reads only the entries, and the record histories, of their
own subtree. Entries of no unit (forms, plans: the whole system's) are read on
the server's command line, which is the system-wide reader; no API role sees
everything, so no API token is worth more than its subtree.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schemas.records import RecordStatus
from schemas.sync import AuditEntry, RecordRevision

from ..models import AuditRow, RecordRevisionRow, UnitRow
from .units import PATH_SEP

CLI_ACTOR_PREFIX = "cli:"  # changes made on the server's command line, by the OS user named after it


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
    unit: str | None = None,
) -> None:
    """Write down one change (``action`` on ``entity`` ``entity_id``) by ``actor`` at ``now``.

    ``unit``: the unit the change concerns (None: system-wide), which decides who may read it.
    """
    session.add(
        AuditRow(
            at=now,
            actor=actor[:64],
            action=action[:32],
            entity=entity[:32],
            entity_id=entity_id[:200],
            detail=detail or {},
            unit_code=unit,
        )
    )


def _within(path_col, root_path: str):
    return or_(path_col == root_path, path_col.startswith(root_path + PATH_SEP, autoescape=True))


def cli_actor() -> str:
    """Who runs a command-line change: ``cli:<OS user>``."""
    import getpass

    try:
        return CLI_ACTOR_PREFIX + getpass.getuser()
    except Exception:  # no user name in a bare container
        return CLI_ACTOR_PREFIX + "unknown"


def list_audit(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
    scope_path: str | None = None,
) -> list[AuditEntry]:
    """Newest first; page with ``before_id`` (the smallest id of the previous page).

    ``scope_path``: only entries about units of that subtree (None: all, for the command line).
    """
    q = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if scope_path is not None:
        q = q.join(UnitRow, UnitRow.code == AuditRow.unit_code).where(_within(UnitRow.path, scope_path))
    if entity:
        q = q.where(AuditRow.entity == entity)
    if entity_id:
        q = q.where(AuditRow.entity_id == entity_id)
    if actor:
        q = q.where(AuditRow.actor == actor)
    if before_id:
        q = q.where(AuditRow.id < before_id)
    return [
        AuditEntry(
            id=r.id,
            at=r.at,
            actor=r.actor,
            action=r.action,
            entity=r.entity,
            entity_id=r.entity_id,
            detail=dict(r.detail or {}),
        )
        for r in session.scalars(q)
    ]


def record_history(
    session: Session, *, record_id: uuid.UUID, scope_path: str | None = None
) -> list[RecordRevision]:
    """Every stored revision of one record, oldest first.

    ``scope_path``: only revisions counted in that subtree (a record moved in
    from outside shows only its revisions inside; one never inside shows none).
    """
    q = (
        select(RecordRevisionRow)
        .where(RecordRevisionRow.record_id == record_id)
        .order_by(RecordRevisionRow.revision)
    )
    if scope_path is not None:
        q = q.join(UnitRow, UnitRow.code == RecordRevisionRow.unit_code).where(
            _within(UnitRow.path, scope_path)
        )
    rows = session.scalars(q)
    return [
        RecordRevision(
            record_id=r.record_id,
            revision=r.revision,
            form_id=r.form_id,
            form_version=r.form_version,
            unit=r.unit_code,
            period=r.period,
            author=r.author,
            device=r.device,
            status=RecordStatus(r.status),
            void_reason=r.void_reason,
            answers=dict(r.answers),
            received_at=r.received_at,
        )
        for r in rows
    ]
