"""A stored record's local state, and the one rule for what may still be done with it.

``LocalState`` is where a record stands on the phone (draft, in the outbox, sent, refused);
``allowed_actions`` turns that into the actions the record screen offers, and the store
(``mobile/records.py``) refuses the same ones, so screen and store cannot disagree. Kept apart
from the store because the screens, the search and the sync engine need the states without the
vault-backed store.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from pydantic import BaseModel, Field

from schemas.common import Issue, text
from schemas.records import Record, RecordStatus

from .errors import FieldTallyError


class LocalState(str, Enum):  # noqa: UP042 - the contract's enums are str mixins too
    DRAFT = "draft"
    PENDING = "pending"  # in the outbox
    SENT = "sent"  # the server acknowledged this revision
    REJECTED = "rejected"  # the server will not take this revision; see issues


class StoredRecord(BaseModel):
    record: Record
    state: LocalState
    issues: list[Issue] = Field(default_factory=list)
    sent_at: datetime | None = None


class RecordAction(str, Enum):  # noqa: UP042 - like LocalState
    EDIT = "edit"  # open the form again (a new revision when saved)
    RESEND = "resend"  # put a refused revision back in the outbox unchanged
    VOID = "void"  # cancel with a reason (a new revision that counts nothing)


_EDITABLE = (LocalState.DRAFT, LocalState.PENDING, LocalState.REJECTED, LocalState.SENT)


def allowed_actions(sr: StoredRecord) -> frozenset[RecordAction]:
    """What may still be done with ``sr``: the one rule the record screen offers and the store keeps.

    Any record not voided can be edited. Editing a sent one is a correction: a new revision that
    goes to the server like any other, which moves its tallies from the old answers to the new and
    marks an approved period as changed after approval (the server keeps every revision), so a
    mistyped count is put right where it was made instead of voided and typed again. Until the
    correction is finalized the server keeps counting the copy it has. A refused record can be sent
    again as it is. Anything not voided can be voided, and so can a refused void (its reason may be
    corrected). A voided record is never edited.
    """
    voided = sr.record.status == RecordStatus.VOID
    out = set()
    if sr.state in _EDITABLE and not voided:
        out.add(RecordAction.EDIT)
    if sr.state == LocalState.REJECTED:
        out.add(RecordAction.RESEND)
    if not voided or sr.state == LocalState.REJECTED:
        out.add(RecordAction.VOID)
    return frozenset(out)


class ActionRefused(FieldTallyError):
    """An action the record's state does not allow (see ``allowed_actions``)."""

    default_message = text(
        "Không thể làm việc này với phiếu ở trạng thái hiện tại.",
        "This cannot be done with the record as it stands.",
    )


def refuse_edit(existing: StoredRecord | None) -> None:
    """The store's side of the rule: saving new answers over ``existing`` is an edit."""
    if existing is not None and RecordAction.EDIT not in allowed_actions(existing):
        raise ActionRefused(detail=f"edit {existing.record.id}: {existing.state.value}")
