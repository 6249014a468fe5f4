"""Receiving pushed records: screen each, upsert by (id, revision), move the tallies, in one transaction.

For each record a pure step decides (``screen``, ``decide``) and a thin step
does the I/O. Records are taken in id order (receipts still come back in the
pushed order) and tally rows in key order, so two pushes touching the same
rows lock them in the same order and never deadlock on PostgreSQL; on SQLite
the caller's ``BEGIN IMMEDIATE`` serialises pushes anyway. A new record goes in
with ``INSERT ... ON CONFLICT DO NOTHING``; if the id exists, its row is read
``FOR UPDATE``, so the same record pushed over two connections is stored and
counted once. Each stored revision's photos are linked to the record
(``services/media.link_records``): the link is what lets its phone upload
them and its readers see them.

A record's own times (``created_at``, ``updated_at``) must fall between the
earliest date a form accepts and tomorrow: a time like 9999-12-31 is nonsense
from a phone and breaks every later use of it (local time, exports). A record
is stored under the device its sender's token was issued to, not the free
text the record carries.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from schemas.common import Issue, text
from schemas.form_state import FormState, form_state
from schemas.form_validation import EARLIEST_DATE
from schemas.forms import FormDefinition
from schemas.media import has_photos, placed_refs
from schemas.plan_records import record_period
from schemas.records import Record, RecordStatus, check_record, finalize_answers
from schemas.sync import Receipt, ReceiptStatus

from ..models import RecordRow, TallyRollupRow, TallyRow, UnitRow
from .accounts import Caller
from .catalog import load_catalog
from .media import link_records
from .record_insert import insert_new, insert_revisions
from .tallies.rollups import Contributions, TallyKey, add_to, apply_deltas, contributions_of, shard_for
from .units import is_within


def screen(
    record: Record,
    *,
    caller: Caller,
    form: FormDefinition | None,
    unit_path: str | None,
    today: date,
    state: FormState | None = None,
) -> list[Issue]:
    """Why ``record`` cannot be accepted from ``caller`` (empty: it can). Pure.

    ``state``: ``form_state(form, record.answers)`` when the caller computed it already.
    """
    issues: list[Issue] = []
    if record.status == RecordStatus.DRAFT:
        issues.append(
            Issue(
                field="status",
                code="draft",
                message=text(
                    "Phiếu nháp không được gửi lên máy chủ; hãy hoàn tất phiếu trước.",
                    "Drafts are not sent to the server; finish the record first.",
                ),
            )
        )
    if record.author != caller.username:
        issues.append(
            Issue(
                field="author",
                code="wrong_author",
                message=text(
                    f"Người ghi phiếu ({record.author}) không phải tài khoản đang đăng nhập "
                    f"({caller.username}).",
                    f"The record's author ({record.author}) is not the signed-in user ({caller.username}).",
                ),
            )
        )
    if unit_path is None:
        issues.append(
            Issue(
                field="unit",
                code="unknown_unit",
                message=text(f"Không có đơn vị {record.unit}.", f"There is no unit {record.unit}."),
            )
        )
    elif not is_within(unit_path, caller.unit_path):
        issues.append(
            Issue(
                field="unit",
                code="unit_out_of_scope",
                message=text(
                    f"Đơn vị {record.unit} không thuộc phạm vi của bạn ({caller.unit_code}).",
                    f"Unit {record.unit} is outside your scope ({caller.unit_code}).",
                ),
            )
        )
    for name in ("created_at", "updated_at"):
        day = getattr(record, name).date()
        if not EARLIEST_DATE <= day <= today + timedelta(days=1):
            issues.append(
                Issue(
                    field=name,
                    code="bad_timestamp",
                    message=text(
                        f"Thời điểm {name} ({day.isoformat()}) không hợp lệ: phải từ "
                        f"{EARLIEST_DATE.isoformat()} đến hôm nay.",
                        f"The time {name} ({day.isoformat()}) is not valid: it must lie between "
                        f"{EARLIEST_DATE.isoformat()} and today.",
                    ),
                )
            )
    issues.extend(check_record(record, form, today=today, state=state))
    return issues


@dataclass(frozen=True)
class Stored:
    """What the database holds for an id, as far as the decision needs."""

    revision: int
    author: str
    unit_code: str
    unit_path: str
    period: date
    contributions: dict[str, Any]


NOT_YOURS = Issue(
    field="id",
    code="not_yours",
    message=text(
        "Mã phiếu này đã thuộc về người hoặc đơn vị khác; không thể ghi đè.",
        "This record id belongs to another user or unit; it cannot be overwritten.",
    ),
)


def decide(record: Record, stored: Stored, *, caller: Caller) -> ReceiptStatus:
    """What a pushed revision does to the stored one. Pure."""
    if stored.author != record.author or not is_within(stored.unit_path, caller.unit_path):
        return ReceiptStatus.REJECTED
    if record.revision == stored.revision:
        return ReceiptStatus.DUPLICATE
    if record.revision < stored.revision:
        return ReceiptStatus.STALE
    return ReceiptStatus.STORED


def _row_values(record: Record, *, period: date, contributions: Mapping, now: datetime) -> dict[str, Any]:
    return {
        "id": record.id,
        "revision": record.revision,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "unit_code": record.unit,
        "author": record.author,
        "device": record.device,
        "status": record.status.value,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "received_at": now,
        "period": period,
        "void_reason": record.void_reason,
        "answers": record.answers,
        "contributions": dict(contributions),
    }


def _records_table() -> Table:
    return RecordRow.__table__  # type: ignore[return-value]


_REVISION_COLUMNS = (
    "revision",
    "form_id",
    "form_version",
    "unit_code",
    "period",
    "author",
    "device",
    "status",
    "void_reason",
    "answers",
    "received_at",
)


def _revision_values(values: Mapping[str, Any], *, prev: Stored | None) -> dict[str, Any]:
    """The audit row of one stored revision; ``prev`` is where the revision it replaced counted."""
    out = {k: values[k] for k in _REVISION_COLUMNS}
    out["record_id"] = values["id"]
    out["prev_unit_code"] = prev.unit_code if prev else None
    out["prev_period"] = prev.period if prev else None
    return out


def _lock_stored(session: Session, record_ids: set[uuid.UUID]) -> dict[uuid.UUID, Stored]:
    """The stored rows of ``record_ids``, locked (PostgreSQL) in id order, in one statement.

    One statement where a push of resent records (a phone that missed its receipts) took one round
    trip per record; ``ORDER BY`` under ``FOR UPDATE`` takes the locks in id order, as before.
    """
    if not record_ids:
        return {}
    rows = session.execute(
        select(
            RecordRow.id,
            RecordRow.revision,
            RecordRow.author,
            RecordRow.unit_code,
            UnitRow.path,
            RecordRow.period,
            RecordRow.contributions,
        )
        .join(UnitRow, UnitRow.code == RecordRow.unit_code)
        .where(RecordRow.id.in_(record_ids))
        .order_by(RecordRow.id)
        .with_for_update(of=RecordRow)
    )
    return {record_id: Stored(*rest) for record_id, *rest in rows}


def push_records(
    session: Session, *, caller: Caller, records: Sequence[Record], today: date, now: datetime
) -> list[Receipt]:
    """Store what can be stored and move the tallies; one receipt per record, in the given order.

    Run inside a write transaction: everything here commits or nothing does.
    """
    form_list, plans = load_catalog(session)
    forms = {f.key: f for f in form_list}
    codes = {r.unit for r in records}
    paths = dict(
        session.execute(select(UnitRow.code, UnitRow.path).where(UnitRow.code.in_(codes))).tuples().all()
    )

    receipts: list[Receipt | None] = [None] * len(records)
    deltas: dict[TallyKey, float] = {}
    revisions: list[dict[str, Any]] = []
    accepted: list[tuple[int, Record, Contributions, date, dict[str, Any]]] = []
    # id order for locking; sorted() is stable, so revisions of one id keep their pushed order
    for i in sorted(range(len(records)), key=lambda i: records[i].id):
        record = records[i]
        if caller.device_id and record.device != caller.device_id:
            # ``device`` is whatever the phone wrote; what is stored is the phone the token was given to
            record = record.model_copy(update={"device": caller.device_id})
        form = forms.get((record.form_id, record.form_version))
        state = form_state(form, record.answers) if form is not None else None  # shared by both steps
        issues = screen(
            record, caller=caller, form=form, unit_path=paths.get(record.unit), today=today, state=state
        )
        if issues or form is None:
            receipts[i] = Receipt(
                id=record.id, revision=record.revision, status=ReceiptStatus.REJECTED, issues=issues
            )
            continue
        final = finalize_answers(record, form, state=state)
        contributions = contributions_of(final, form, plans)
        period = record_period(final, form)
        values = _row_values(final, period=period, contributions=contributions, now=now)
        accepted.append((i, final, contributions, period, values))
    # The first revision of each id tries a plain insert (all in one statement); the rest, and every
    # id that already exists, are decided against the stored row, locked, in id order.
    first: dict[uuid.UUID, int] = {}
    for i, final, *_ in accepted:
        first.setdefault(final.id, i)
    inserted = insert_new(session, [v for i, final, _c, _p, v in accepted if first[final.id] == i])
    stored_rows = _lock_stored(
        session, {final.id for i, final, *_ in accepted if first[final.id] != i or final.id not in inserted}
    )
    for i, final, contributions, period, values in accepted:
        record = records[i]
        if first[final.id] == i and final.id in inserted:
            revisions.append(_revision_values(values, prev=None))
            add_to(deltas, unit_code=final.unit, day=period, contributions=contributions, sign=+1)
            receipts[i] = Receipt(id=record.id, revision=record.revision, status=ReceiptStatus.STORED)
            continue
        stored = stored_rows[record.id]
        status = decide(final, stored, caller=caller)
        if status == ReceiptStatus.STORED:
            add_to(
                deltas,
                unit_code=stored.unit_code,
                day=stored.period,
                contributions=stored.contributions,
                sign=-1,
            )
            add_to(deltas, unit_code=final.unit, day=period, contributions=contributions, sign=+1)
            session.connection().execute(
                update(_records_table()).where(RecordRow.id == record.id).values(**values)
            )
            revisions.append(_revision_values(values, prev=stored))
            # what the row now holds, for a later revision of the same id in this push
            stored_rows[record.id] = Stored(
                revision=final.revision,
                author=final.author,
                unit_code=final.unit,
                unit_path=paths[final.unit],
                period=period,
                contributions=dict(contributions),
            )
        issues = [NOT_YOURS] if status == ReceiptStatus.REJECTED else []
        receipts[i] = Receipt(id=record.id, revision=record.revision, status=status, issues=issues)
    if revisions:  # the audit trail of field data, in the same transaction
        # Declarative ``__table__`` is typed as a FromClause; on these mapped classes it is a Table.
        insert_revisions(session, revisions)
        link_records(session, _photo_links(revisions, forms))
    # Last, so the tally rows stay locked (PostgreSQL) only until the commit; in this device's shard, so
    # the other phones of the same unit do not wait for them.
    apply_deltas(session, deltas, shard=shard_for(caller.device_pk))
    return [r for r in receipts if r is not None]


def _photo_links(revisions: Sequence[Mapping[str, Any]], forms: Mapping) -> list[dict[str, Any]]:
    """The record↔photo links of the stored revisions: what their (finalized) answers reference."""
    links = []
    with_photos: dict[Any, bool] = {}  # a push's records share a few forms: ask each once
    for rev in revisions:
        key = (rev["form_id"], rev["form_version"])
        form = forms.get(key)
        if key not in with_photos:
            with_photos[key] = form is not None and has_photos(form)
        if form is None or not with_photos[key]:
            continue
        for _where, ref in placed_refs(form, rev["answers"]):
            links.append(
                {"record_id": rev["record_id"], "sha256": ref.sha256, "size": ref.size, "name": ref.name}
            )
    return links


def row_to_record(row: RecordRow) -> Record:
    """A stored row as the contract's Record (answers already finalized)."""
    return Record(
        id=row.id,
        form_id=row.form_id,
        form_version=row.form_version,
        unit=row.unit_code,
        author=row.author,
        device=row.device,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        status=RecordStatus(row.status),
        void_reason=row.void_reason,
        answers=dict(row.answers),
    )


def rebuild_tallies(session: Session, *, plan_ids: Sequence[str] | None = None) -> int:
    """Recount the tallies of some plans (all by default) from the stored records; returns records read.

    Needed when a plan is added or its measures change after records arrived.
    """
    form_list, all_plans = load_catalog(session)
    forms = {f.key: f for f in form_list}
    plans = [p for p in all_plans if plan_ids is None or p.id in plan_ids]
    ids = [p.id for p in plans]
    session.execute(delete(TallyRow).where(TallyRow.plan_id.in_(ids)))
    session.execute(delete(TallyRollupRow).where(TallyRollupRow.plan_id.in_(ids)))
    deltas: dict[TallyKey, float] = {}
    count = 0
    for row in session.scalars(select(RecordRow).order_by(RecordRow.id).execution_options(yield_per=500)):
        count += 1
        form = forms.get((row.form_id, row.form_version))
        if form is None:
            continue
        fresh = contributions_of(row_to_record(row), form, plans)
        merged = {k: v for k, v in (row.contributions or {}).items() if k not in ids} | fresh
        if merged != row.contributions:
            row.contributions = merged
        add_to(deltas, unit_code=row.unit_code, day=row.period, contributions=fresh, sign=+1)
    session.flush()
    apply_deltas(session, deltas)
    return count
