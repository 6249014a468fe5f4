"""Photos on the server: who may upload or see a hash, resumable uploads, and the record links.

A photo is known to the server only through the records that reference it (``record_media``,
written at ingest by ``link_records``). That link is the whole access rule:

* **upload** a hash: only a device that pushed a record referencing it (records go first), and
  only up to the size that record declared;
* **see** a hash (its status, the image, the thumbnail): whoever can see a record referencing it:
  an officer their own records, a supervisor or admin the records of units in their subtree
  (the scope of exports and record history). Anyone else, and a hash nobody references, gets the
  same 404: the answer never tells whether a photo exists outside the caller's scope.

An upload is a sequence of chunks at increasing offsets; the ``media`` row says how many bytes
count (``received``), so a cut link resumes from there and a repeated chunk changes nothing.
When the last byte arrives the file is checked (hash, JPEG, size, see ``media_files``) in the same
transaction: a bad file is discarded, the row goes back to 0, and the caller hears why. A complete
photo answers ``complete`` to any further chunk. Bytes on disk, state in the database: files in
``media_files``, the rule here; routes only translate HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from schemas.common import LocalizedText, text
from schemas.media import MAX_MEDIA_BYTES, MediaStatus, has_photos, is_sha256, record_photos
from schemas.sync import RecordRevision, Role

from ..db import Database
from ..errors import Conflict, InvalidInput, NotFound, TooLarge
from ..models import MediaRow, RecordMediaRow, RecordRow, UnitRow
from .accounts import Caller
from .catalog import load_forms
from .media_files import MediaFiles
from .units import subtree_clause

UNKNOWN = text("Không có ảnh này.", "There is no such photo.")
_PROBLEMS: dict[str, LocalizedText] = {
    "hash_mismatch": text(
        "Ảnh gửi lên không khớp mã SHA-256 của nó (có thể bị hỏng trên đường truyền); phần đã nhận bị xóa, "
        "hãy gửi lại từ đầu.",
        "The uploaded photo does not match its SHA-256 (it may have been damaged on the way); what was "
        "received is discarded: send it again from the start.",
    ),
    "not_jpeg": text(
        "Tệp gửi lên không phải ảnh JPEG đọc được; phần đã nhận bị xóa.",
        "The uploaded file is not a readable JPEG image; what was received is discarded.",
    ),
    "too_many_pixels": text(
        "Ảnh quá lớn (quá nhiều điểm ảnh); hãy thu nhỏ ảnh rồi gửi lại.",
        "The image is too large (too many pixels); shrink it and send it again.",
    ),
    "wrong_size": text(
        "Dung lượng ảnh nhận được không đúng dung lượng đã khai báo; phần đã nhận bị xóa.",
        "The photo received is not the size its record declared; what was received is discarded.",
    ),
}


def _links_table() -> Table:
    return RecordMediaRow.__table__  # type: ignore[return-value]


def link_records(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write the record↔photo links of stored revisions (``record_id``, ``sha256``, ``size``, ``name``).

    Inserted in key order, a link that exists is left as it is; in the ingest's transaction.
    """
    if not rows:
        return
    table = _links_table()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    ordered = sorted(
        {(r["record_id"], r["sha256"]): r for r in rows}.values(), key=lambda r: (r["record_id"], r["sha256"])
    )
    session.connection().execute(insert(table).on_conflict_do_nothing(), ordered)


def _visible_size(session: Session, caller: Caller, sha256: str) -> int | None:
    """The size a record the caller can see declares for ``sha256``; None if no such record."""
    q = (
        select(RecordMediaRow.size)
        .join(RecordRow, RecordRow.id == RecordMediaRow.record_id)
        .join(UnitRow, UnitRow.code == RecordRow.unit_code)
        .where(RecordMediaRow.sha256 == sha256, subtree_clause(UnitRow.path, caller.unit_path))
        .limit(1)
    )
    if caller.role == Role.OFFICER:  # an officer sees their own records' photos, not their colleagues'
        q = q.where(RecordRow.author == caller.username)
    return session.scalar(q)


def _own_size(session: Session, caller: Caller, sha256: str) -> int | None:
    """The size declared for ``sha256`` by a record this caller's device pushed; None if none did."""
    if not caller.device_id:
        return None
    return session.scalar(
        select(RecordMediaRow.size)
        .join(RecordRow, RecordRow.id == RecordMediaRow.record_id)
        .where(
            RecordMediaRow.sha256 == sha256,
            RecordRow.author == caller.username,
            RecordRow.device == caller.device_id,
        )
        .order_by(RecordMediaRow.size)
        .limit(1)
    )


def _status(sha256: str, size: int, row: MediaRow | None) -> MediaStatus:
    if row is None:
        return MediaStatus(sha256=sha256, size=size, received=0, complete=False)
    return MediaStatus(sha256=sha256, size=row.size, received=row.received, complete=row.complete)


def media_status(db: Database, files: MediaFiles, *, caller: Caller, sha256: str) -> MediaStatus:
    """How much of ``sha256`` the server holds; NotFound unless a record the caller can see references it."""
    if not is_sha256(sha256):
        raise NotFound(UNKNOWN, code="unknown_media")
    with db.session() as s:
        size = _visible_size(s, caller, sha256)
        if size is None:
            raise NotFound(UNKNOWN, code="unknown_media")
        row = s.get(MediaRow, sha256)
    if row is not None and row.complete and not files.final(sha256).exists():
        return _status(sha256, size, None)  # lost from disk (an older backup restored): send it again
    return _status(sha256, size, row)


def _locked_row(session: Session, sha256: str, size: int, now: datetime) -> MediaRow:
    """The media row of ``sha256``, made if missing, locked for this transaction (PostgreSQL: FOR UPDATE)."""
    table = MediaRow.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        "sha256": sha256,
        "size": size,
        "received": 0,
        "complete": False,
        "created_at": now,
        "updated_at": now,
    }
    session.connection().execute(insert(table).on_conflict_do_nothing(), [values])  # type: ignore[arg-type]
    return session.execute(select(MediaRow).where(MediaRow.sha256 == sha256).with_for_update()).scalar_one()


@dataclass
class _Outcome:
    status: MediaStatus
    conflict: bool = False  # the offset is not where the upload stands: 409
    past_size: bool = False  # the chunk goes past the declared size: 413
    problem: str | None = None  # the finished file failed its check: 422


def _finish(files: MediaFiles, row: MediaRow, now: datetime) -> str | None:
    """Check a fully received upload and mark it complete, or reset it; the problem's code if any."""
    problem = files.finish(row.sha256, row.size)
    if problem is None:
        row.complete, row.completed_at = True, now
    else:
        row.received = 0
    row.updated_at = now
    return problem


def upload_chunk(
    db: Database, files: MediaFiles, *, caller: Caller, sha256: str, offset: int, data: bytes, now: datetime
) -> MediaStatus:
    """Take ``data`` at ``offset`` of the photo ``sha256``; the state after it.

    NotFound unless this caller's device pushed a record referencing the hash; TooLarge past the
    declared size; Conflict (with the current state) when ``offset`` is not where the upload stands
    and the chunk is not one already held; InvalidInput when the finished file is not the photo
    (discarded; the upload starts again at 0).
    """
    if not is_sha256(sha256):
        raise NotFound(UNKNOWN, code="unknown_media")
    with db.session(write=True) as s:
        size = _own_size(s, caller, sha256)
        if size is None:
            raise NotFound(UNKNOWN, code="unknown_media")
        row = _locked_row(s, sha256, size, now)
        outcome = _apply_chunk(files, row, size=size, offset=offset, data=data, now=now)
    # refusals are raised here, after the commit, so what the step changed (a reset) is kept
    if outcome.problem is not None:
        raise InvalidInput(_PROBLEMS[outcome.problem], code=outcome.problem)
    if outcome.past_size:
        raise TooLarge(
            text(
                f"Ảnh này khai báo {outcome.status.size} byte; phần gửi lên vượt quá dung lượng đó.",
                f"This photo was declared as {outcome.status.size} bytes; the chunk goes past that size.",
            )
        )
    if outcome.conflict:
        raise Conflict(
            text(
                f"Máy chủ đang có {outcome.status.received} byte của ảnh này; hãy gửi tiếp từ đó.",
                f"The server holds {outcome.status.received} bytes of this photo; continue from there.",
            ),
            code="offset_mismatch",
            detail=outcome.status.model_dump(mode="json"),
        )
    return outcome.status


def _apply_chunk(
    files: MediaFiles, row: MediaRow, *, size: int, offset: int, data: bytes, now: datetime
) -> _Outcome:
    """One upload step on the locked row; what it changes is committed even when the answer is a refusal."""
    sha = row.sha256
    if row.complete and not files.final(sha).exists():  # lost from disk: take it again from the start
        row.complete, row.received, row.completed_at, row.updated_at = False, 0, None, now
    if row.complete:
        return _Outcome(_status(sha, size, row))
    if row.size != size:  # a partial upload under another declared size: it can never match this one
        files.discard(sha)
        row.size, row.received, row.updated_at = size, 0, now
    on_disk = files.partial_size(sha)
    if on_disk < row.received:  # bytes counted but lost from disk: resume from what is really there
        row.received, row.updated_at = on_disk, now
    if row.received == row.size:  # a finished upload whose check did not run to the end
        problem = _finish(files, row, now)
        return _Outcome(_status(sha, size, row), problem=problem)
    end = offset + len(data)
    if end > row.size or end > MAX_MEDIA_BYTES:
        return _Outcome(_status(sha, size, row), past_size=True)
    if offset != row.received:
        held = end <= row.received and files.read_partial(sha, offset, len(data)) == data
        return _Outcome(_status(sha, size, row), conflict=not held)
    if data:
        files.write_at(sha, offset, data)
        row.received, row.updated_at = end, now
    problem = _finish(files, row, now) if row.received == row.size else None
    return _Outcome(_status(sha, size, row), problem=problem)


def photo_path(db: Database, files: MediaFiles, *, caller: Caller, sha256: str, thumb: bool) -> Path:
    """The file of a complete photo (or its thumbnail) the caller may see; NotFound otherwise."""
    if not is_sha256(sha256):
        raise NotFound(UNKNOWN, code="unknown_media")
    with db.session() as s:
        if _visible_size(s, caller, sha256) is None:
            raise NotFound(UNKNOWN, code="unknown_media")
        row = s.get(MediaRow, sha256)
        complete = row is not None and row.complete
    if not complete or not files.final(sha256).exists():
        raise NotFound(
            text("Ảnh này chưa được gửi lên đủ.", "This photo has not been fully uploaded yet."),
            code="media_incomplete",
        )
    return files.thumbnail(sha256) if thumb else files.final(sha256)


def with_photos(session: Session, revisions: list[RecordRevision]) -> list[RecordRevision]:
    """``revisions`` (a record's history) with each one's photos and the addresses to fetch them."""
    if not revisions:
        return revisions
    forms = {f.key: f for f in load_forms(session)}
    out = []
    for rev in revisions:
        form = forms.get((rev.form_id, rev.form_version))
        if form is not None and has_photos(form):
            rev = rev.model_copy(update={"photos": record_photos(form, rev.answers)})
        out.append(rev)
    return out
