"""Which photos the records use: what to keep, what to send, what the officer is told waits.

A photo belongs to the records whose answers reference it (``schemas.media.media_refs``),
and to the form in progress (the autosave slot) before it is saved. Only a photo of a
record the server has (SENT) may be uploaded: the server takes bytes only for a hash a
record it stored references (records go first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from schemas.forms import FormDefinition
from schemas.media import MediaRef, has_photos, media_refs

from ..record_state import LocalState
from ..records import AUTOSAVE_KEY, RecordStore
from .store import MediaState, MediaStore


@dataclass(frozen=True)
class PhotoUse:
    ref: MediaRef
    record_id: str
    state: LocalState


def _refs(forms: dict, form_id: Any, version: Any, answers: Any) -> list[MediaRef]:
    form: FormDefinition | None = forms.get((form_id, version))
    if form is None or not has_photos(form) or not isinstance(answers, dict):
        return []
    try:
        return media_refs(form, answers)
    except (ValidationError, ValueError, TypeError):  # answers an older form shape left: no photos
        return []


def photo_uses(store: RecordStore) -> list[PhotoUse]:
    """Every (photo, record) pair of the stored records, drafts included."""
    forms = {f.key: f for f in store.forms()}
    out: list[PhotoUse] = []
    for doc in store.documents():
        rec = doc.get("record") or {}
        refs = _refs(forms, rec.get("form_id"), rec.get("form_version"), rec.get("answers"))
        for ref in refs:
            out.append(PhotoUse(ref=ref, record_id=str(rec.get("id")), state=LocalState(doc["state"])))
    return out


def autosave_refs(store: RecordStore) -> list[MediaRef]:
    """The photos of the form in progress (not yet a record)."""
    raw = store.get_meta(AUTOSAVE_KEY)
    if not isinstance(raw, dict):
        return []
    rec = raw.get("record") or {}
    forms = {f.key: f for f in store.forms()}
    return _refs(forms, rec.get("form_id"), rec.get("form_version"), raw.get("answers"))


def referenced(store: RecordStore, extra: set[str] | None = None) -> set[str]:
    """Every hash a stored record or the form in progress refers to (plus ``extra``: on screen now)."""
    keep = {use.ref.sha256 for use in photo_uses(store)}
    keep |= {ref.sha256 for ref in autosave_refs(store)}
    return keep | (extra or set())


def prune(store: RecordStore, media: MediaStore, extra: set[str] | None = None) -> int:
    """Remove the photos nothing refers to any more; returns how many went."""
    return media.prune(referenced(store, extra))


@dataclass(frozen=True)
class Waiting:
    sendable: list[MediaRef]  # photos of records the server has, not yet all on the server
    waiting: int  # photos of finished records not yet on the server (what the home screen says)
    refused: list[MediaState]  # photos the server refused (the officer is told; they stay)


def waiting_photos(store: RecordStore, media: MediaStore) -> Waiting:
    states = media.states()
    sendable: dict[str, MediaRef] = {}
    waiting: set[str] = set()
    refused: dict[str, MediaState] = {}
    for use in photo_uses(store):
        if use.state == LocalState.DRAFT:
            continue
        st = states.get(use.ref.sha256)
        if st is None or st.uploaded:
            continue  # not on this phone (another device's record) or already sent
        if st.refused is not None:
            refused[st.sha256] = st
            continue
        waiting.add(st.sha256)
        if use.state == LocalState.SENT:
            sendable.setdefault(st.sha256, use.ref)
    return Waiting(sendable=list(sendable.values()), waiting=len(waiting), refused=list(refused.values()))
