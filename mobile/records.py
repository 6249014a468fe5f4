"""The officer's records and the outbox, kept in the vault.

Local life of a record::

    new_record ──save_draft──> DRAFT ──finalize──> PENDING ──receipt stored/duplicate/stale──> SENT
                                  ^                  │  ^ \\──receipt rejected──> REJECTED (kept, with issues)
                                  └──save_draft──────┘  └──finalize / void (a new revision)──┘
                                                        └──requeue (same revision, sent again)──┘

Every change that reaches a stored record bumps its ``revision``; the server
keeps the highest revision per id, so resending is always safe. A receipt
moves a record only if it is for the revision held locally: a record edited
while its previous revision was on the wire stays PENDING and goes again.
Drafts never leave the phone; editing a sent record as a draft leaves the
server's last final copy counting until it is finalized again or voided.

The form on screen is also kept, as typed, in one autosave slot, so a form
in progress survives the app being killed; it becomes a record only when the
officer saves it.

Records live in the vault's ``records`` table (document id = record id) as
``StoredRecord`` JSON, each with its index entry (``record_index.py``): counting,
listing and searching read the entries and validate only the records they
return. A few settings that must stay secret (device
token, cached pull) in its ``meta`` table. Every method persists before it
returns and is safe to call from worker threads (one lock serialises them).
"""

from __future__ import annotations

import builtins
import copy
import json
import threading
from collections.abc import Iterable, MutableMapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import TypeAdapter, ValidationError

from schemas.catalog import form_index, shipped_forms
from schemas.common import Issue, text, utcnow
from schemas.form_state import derive_answers
from schemas.form_validation import validate_answers
from schemas.forms import FieldType, FormDefinition
from schemas.records import Record, RecordStatus, check_record
from schemas.sync import PullResponse, Receipt, ReceiptStatus
from vault_format import journal as jn
from vault_format.reader import META_TABLE, RECORDS_TABLE

from . import record_index as ix
from .errors import FieldTallyError
from .keyed_table import KeyedTable, replace_with
from .record_reads import RecordReads
from .record_state import LocalState, RecordAction, StoredRecord, allowed_actions, refuse_edit
from .vault import Vault

PULL_KEY = "pull"
AUTOSAVE_KEY = "autosave"  # the form on screen, as typed so far (one slot: one form is open at a time)
SENT_RECEIPTS = (ReceiptStatus.STORED, ReceiptStatus.DUPLICATE, ReceiptStatus.STALE)
_DATETIME_JSON = TypeAdapter(datetime)


class ValidationFailed(FieldTallyError):
    """Answers that cannot be saved as they are; ``issues`` says where and why."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        super().__init__(
            text(f"Phiếu có {n} chỗ cần sửa.", f"The record has {n} problem{'s' if n != 1 else ''} to fix."),
            detail="; ".join(f"{i.field or '-'}: {i.code}" for i in self.issues[:5]),
        )


class RecordNotFound(FieldTallyError):
    default_message = text("Không tìm thấy phiếu này trên máy.", "This record is not on this phone.")


class RecordStore(RecordReads):
    def __init__(
        self,
        vault: Vault,
        *,
        author: str,
        unit: str,
        device: str,
        forms: Iterable[FormDefinition] | None = None,
    ) -> None:
        """``forms``: extra form definitions to validate drafts with (besides shipped and pulled ones)."""
        self.vault = vault
        self.author, self.unit, self.device = author, unit, device
        storage = vault.storage
        self._records = KeyedTable(storage, RECORDS_TABLE, cache_size=0)
        self._meta = KeyedTable(storage, META_TABLE, cache_size=0)
        self._extra_forms = list(forms or [])
        self._forms: dict[tuple[str, int], FormDefinition] | None = None
        self._lock = threading.RLock()
        self._entries = ix.Entries()  # each stored record's index entry (record_index.py)
        storage.index_of = self._index_line
        storage.on_repack = self._entries.rebind
        if storage.snapshot_format < jn.SNAP_FORMAT and self._records.live():
            # A vault an older app sealed as one JSON object: seal it again, one line per record with
            # its entry, once, so that every later unlock parses no record.
            self._registry()
            vault.compact()

    # ---- forms -------------------------------------------------------------------------------------
    # The phone's one registry of forms: read and validated once per pull (save_pull resets it),
    # then asked by the store, the search and the screens (through the service).
    def _registry(self) -> dict[tuple[str, int], FormDefinition]:
        with self._lock:
            if self._forms is None:
                pull = self.cached_pull()
                forms = [*shipped_forms(), *(pull.forms if pull else []), *self._extra_forms]
                self._forms = form_index(forms)
            return self._forms

    def forms(self) -> list[FormDefinition]:
        """Every form definition this phone knows: shipped, pulled from the server, or given."""
        return list(self._registry().values())

    def form_for(self, record: Record) -> FormDefinition | None:
        """The definition ``record`` was made with: given, pulled from the server, or shipped."""
        return self._registry().get((record.form_id, record.form_version))

    # ---- records -----------------------------------------------------------------------------------
    def new_record(self, form: FormDefinition) -> Record:
        """A blank draft of ``form`` (revision 1, a fresh uuid4); not saved until save_draft."""
        now = utcnow()
        return Record(
            id=uuid4(),
            form_id=form.id,
            form_version=form.version,
            unit=self.unit,
            author=self.author,
            device=self.device,
            created_at=now,
            updated_at=now,
            revision=1,
            status=RecordStatus.DRAFT,
            answers={},
        )

    def save_draft(self, record: Record, answers: dict[str, Any]) -> StoredRecord:
        """Save ``answers`` as a draft at once; what is filled in must be well-formed (ValidationFailed)."""
        with self._lock:
            form = self._require_form(record)
            issues = validate_answers(form, answers, final=False)
            if issues:
                raise ValidationFailed(issues)
            answers = _without_calculated(form, answers)
            existing = self.get(record.id)
            refuse_edit(existing)
            if existing is not None:
                old = existing.record
                if (
                    existing.state == LocalState.DRAFT
                    and old.status == RecordStatus.DRAFT
                    and old.answers == answers
                ):
                    return existing
                new = _revise(old, status=RecordStatus.DRAFT, answers=answers, void_reason=None)
            else:
                new = _revise(
                    record, status=RecordStatus.DRAFT, answers=answers, void_reason=None, bump=False
                )
            return self._put(StoredRecord(record=new, state=LocalState.DRAFT))

    def finalize(self, record: Record, answers: dict[str, Any], form: FormDefinition) -> StoredRecord:
        """Check ``answers`` as final, fill the calculated fields, and put the record in the outbox."""
        with self._lock:
            if form.key != (record.form_id, record.form_version):
                raise ValidationFailed([_form_mismatch(record, form)])
            issues = validate_answers(form, answers, final=True)
            if issues:
                raise ValidationFailed(issues)
            answers = derive_answers(form, answers)
            existing = self.get(record.id)
            refuse_edit(existing)
            if existing is not None:
                old = existing.record
                unchanged = old.status == RecordStatus.FINAL and old.answers == answers
                if unchanged and existing.state in (LocalState.PENDING, LocalState.SENT):
                    return existing
                new = _revise(old, status=RecordStatus.FINAL, answers=answers, void_reason=None)
            else:
                new = _revise(
                    record, status=RecordStatus.FINAL, answers=answers, void_reason=None, bump=False
                )
            issues = check_record(new, form)
            if issues:
                raise ValidationFailed(issues)
            return self._put(StoredRecord(record=new, state=LocalState.PENDING))

    def void(self, record_id: UUID, reason: str) -> StoredRecord:
        """Cancel a record: a new revision with status VOID goes to the outbox (it counts nothing)."""
        with self._lock:
            existing = self.get(record_id)
            if existing is None:
                raise RecordNotFound(detail=str(record_id))
            reason = (reason or "").strip()
            old = existing.record
            if (
                old.status == RecordStatus.VOID
                and old.void_reason == reason
                and existing.state != LocalState.REJECTED
            ):
                return existing
            if RecordAction.VOID not in allowed_actions(existing):
                return existing  # already voided and on its way or sent: it stays as it is
            if not reason:
                raise ValidationFailed(
                    [
                        Issue(
                            field="void_reason",
                            code="void_reason_required",
                            message=text("Cần ghi lý do hủy phiếu.", "A reason is needed to void a record."),
                        )
                    ]
                )
            new = _revise(old, status=RecordStatus.VOID, answers=old.answers, void_reason=reason)
            return self._put(StoredRecord(record=new, state=LocalState.PENDING))

    def requeue(self, record_id: UUID) -> StoredRecord:
        """Put a REJECTED record back in the outbox unchanged (the server's side of the problem was fixed).

        The server never stored the rejected revision, so the same revision can
        go again; a record in any other state is returned as it is.
        """
        with self._lock:
            existing = self.get(record_id)
            if existing is None:
                raise RecordNotFound(detail=str(record_id))
            if RecordAction.RESEND not in allowed_actions(existing):
                return existing
            return self._put(existing.model_copy(update={"state": LocalState.PENDING, "issues": []}))

    def apply_receipts(self, receipts: builtins.list[Receipt]) -> None:
        """Move records by the server's receipts, in one atomic save.

        stored/duplicate/stale -> SENT and rejected -> REJECTED (with the
        issues), but only when the receipt is for the revision held here and
        the record is still waiting; anything else is left as it is.
        """
        # The stored documents were validated when saved; only the state, issues and sent_at
        # change, so they are edited as JSON (validating and re-dumping each whole record was most
        # of the phone's time in a large sync).
        now_json = _DATETIME_JSON.dump_python(utcnow(), mode="json")
        with self._lock:
            updates: dict[str, dict[str, Any]] = {}
            carried: dict[str, ix.Entry] = {}
            for receipt in receipts:
                rid = str(receipt.id)
                current = updates.get(rid) or self._records.get_key(rid)
                if current is None:
                    continue
                if (
                    current["record"]["revision"] != receipt.revision
                    or current["state"] != LocalState.PENDING
                ):
                    continue
                if receipt.status in SENT_RECEIPTS:
                    change = {"state": LocalState.SENT.value, "issues": [], "sent_at": now_json}
                    if not current["issues"]:  # the same words before and after: only the state moves
                        entry = self._entries.known(rid, self._records.live().get(rid))
                        if entry is not None:
                            carried[rid] = entry._replace(state=LocalState.SENT.value)
                else:
                    issues = [i.model_dump(mode="json") for i in receipt.issues]
                    change = {"state": LocalState.REJECTED.value, "issues": issues}
                updates[rid] = {**current, **change}
            if updates:

                def apply(stored: MutableMapping[Any, Any]) -> None:
                    replace_with(updates[stored["record"]["id"]])(stored)

                # A large sync's saves set off compactions, which seal each changed record with
                # its entry: the SENT ones keep theirs (remaking 10,000 cost ~0.5 s of the sync).
                for rid, entry in carried.items():
                    self._entries.expect(rid, updates[rid], entry)
                try:
                    self._records.update_keys(apply, list(updates))
                finally:
                    self._entries.settle(self._records.live())

    # ---- meta: a small encrypted key/value area ----------------------------------------------------
    def get_meta(self, key: str, default: Any = None) -> Any:
        with self._lock:
            doc = self._meta.get_key(key)
            return copy.deepcopy(doc["value"]) if doc is not None else default

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON-able ``value`` under ``key`` (TypeError/ValueError if it is not JSON)."""
        doc = {"value": json.loads(json.dumps(value, allow_nan=False))}
        with self._lock:
            if self._meta.has_key(key):
                self._meta.update_keys(replace_with(doc), [key])
            else:
                self._meta.insert_keyed(doc, key)

    def delete_meta(self, key: str) -> None:
        with self._lock:
            if self._meta.has_key(key):
                self._meta.remove_keys([key])

    # ---- autosave: the form in progress survives the app being killed -----------------------------
    def save_autosave(self, record: Record, answers: dict[str, Any]) -> None:
        """Keep what is on the form right now, even half-typed or malformed (it is not a draft yet)."""
        self.set_meta(
            AUTOSAVE_KEY,
            {"record": record.model_dump(mode="json"), "answers": answers, "saved_at": utcnow().isoformat()},
        )

    def autosaved(self) -> tuple[Record, dict[str, Any]] | None:
        """The form that was open when the app last stopped, or None (also when unreadable)."""
        raw = self.get_meta(AUTOSAVE_KEY)
        if not isinstance(raw, dict) or not isinstance(raw.get("answers"), dict):
            return None
        try:
            return Record.model_validate(raw.get("record")), raw["answers"]
        except ValidationError:
            return None

    def clear_autosave(self) -> None:
        self.delete_meta(AUTOSAVE_KEY)

    def save_pull(self, pull: PullResponse) -> None:
        with self._lock:
            self.set_meta(PULL_KEY, pull.model_dump(mode="json"))
            self._forms = None

    def cached_pull(self) -> PullResponse | None:
        raw = self.get_meta(PULL_KEY)
        if raw is None:
            return None
        try:
            return PullResponse.model_validate(raw)
        except ValidationError:  # saved by an older app whose contract differed: wait for the next pull
            return None

    # ---- internals ---------------------------------------------------------------------------------
    def _require_form(self, record: Record) -> FormDefinition:
        form = self.form_for(record)
        if form is None:
            raise ValidationFailed(check_record(record, None))
        return form

    def _put(self, sr: StoredRecord) -> StoredRecord:
        doc = sr.model_dump(mode="json")
        rid = doc["record"]["id"]
        if self._records.has_key(rid):
            self._records.update_keys(replace_with(doc), [rid])
        else:
            self._records.insert_keyed(doc, rid)
        self._remember_entry(rid, sr)
        return sr


def _revise(
    record: Record,
    *,
    status: RecordStatus,
    answers: dict[str, Any],
    void_reason: str | None,
    bump: bool = True,
) -> Record:
    """``record`` changed as given, re-validated; a new revision unless ``bump`` is False."""
    data = record.model_dump()
    data.update(status=status, answers=answers, void_reason=void_reason, updated_at=utcnow())
    if bump:
        data["revision"] = record.revision + 1
    try:
        return Record.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            [
                Issue(
                    field=".".join(str(p) for p in err["loc"]) or None,
                    code="invalid_record",
                    message=text(
                        f"Phiếu không hợp lệ: {err['msg']}", f"The record is not valid: {err['msg']}"
                    ),
                )
                for err in exc.errors()
            ]
        ) from exc


def _without_calculated(form: FormDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    calculated = {f.name for f in form.fields if f.type == FieldType.CALCULATED}
    return {k: v for k, v in answers.items() if k not in calculated}


def _form_mismatch(record: Record, form: FormDefinition) -> Issue:
    return Issue(
        field="form_id",
        code="form_mismatch",
        message=text(
            f"Phiếu thuộc biểu mẫu {record.form_id} phiên bản {record.form_version}, không phải {form.id} "
            f"phiên bản {form.version}.",
            f"The record belongs to form {record.form_id} version {record.form_version}, not {form.id} "
            f"version {form.version}.",
        ),
    )
