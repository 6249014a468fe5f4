"""Sync, "plan, then apply": a pure plan of batches, then thin I/O around it.

``sized_pending`` and ``cut_batch`` decide what goes in which request (pure
functions of the outbox); the engine cuts batch by batch, with a record limit
that adapts to the link (``next_batch_limit``): it starts at
``FIRST_BATCH`` records, doubles while a push takes well under
``TARGET_SECONDS`` and shrinks when one takes longer or timed out, so a fast
link sends few large requests (each one a gzip body, over one kept-alive
connection) and a 2G link sends requests small enough to finish between two
cuts. ``SyncEngine.run`` then, for each batch: pushes it (the same batch
id on every retry, so the server's Idempotency-Key sees one batch), retries
retryable failures with exponential backoff, full jitter and Retry-After,
and applies the receipts at once, so a sync cut midway resumes where it
stopped and nothing already acknowledged is sent again. It then pulls forms,
plans and tallies and caches them for offline viewing.

A batch the server refuses as a whole (400/413/422) is split in halves until
the record at fault is alone; that one is marked REJECTED locally with the
server's reasons rather than blocking the outbox forever.

``run`` never raises for network or server trouble: the error is returned in
the ``SyncReport`` (``AuthRejected`` too); the records stay in the outbox.
"""

from __future__ import annotations

import gc
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from uuid import uuid4

from schemas.common import Issue, text, utcnow
from schemas.records import Record
from schemas.sync import MAX_BATCH_RECORDS, MAX_BODY_BYTES, PushBatch, PushResponse, Receipt, ReceiptStatus

from ..errors import AuthRejected, FieldTallyError, PermanentSyncError, RetryableSyncError
from ..media.store import MediaStore
from ..media.usage import waiting_photos
from ..record_state import LocalState, StoredRecord
from ..records import RecordStore
from .client import ServerClient
from .media_upload import MediaUploader, PhotoReport

BATCH_OVERHEAD = 128  # bytes of JSON around the records: {"batch_id": "...", "records": [...]}
FIRST_BATCH = 200  # records in the first push of a run, before the link's speed is known
TARGET_SECONDS = 8.0  # aim for pushes this long: short enough to fit between two cuts of a 2G link
DEFAULT_MAX_BYTES = 1_000_000  # uncompressed JSON per push (the server takes up to MAX_BODY_BYTES)
SPLITTABLE_STATUS = {400, 413, 422}
MAX_DELAY = 30.0  # never sleep longer than this between tries; a longer Retry-After ends the run


def sized_pending(outbox: Sequence[StoredRecord]) -> list[tuple[Record, int]]:
    """The PENDING records of ``outbox``, each once, in order, with its size in the push body."""
    out: list[tuple[Record, int]] = []
    seen: set = set()
    for sr in outbox:
        if sr.state != LocalState.PENDING or sr.record.id in seen:
            continue
        seen.add(sr.record.id)
        out.append((sr.record, len(sr.record.model_dump_json()) + 1))
    return out


def cut_batch(sized: Sequence[tuple[Record, int]], pos: int, *, max_records: int, max_bytes: int) -> int:
    """Where the batch starting at ``pos`` ends (exclusive): within both limits, at least one record."""
    max_records = max(1, min(max_records, MAX_BATCH_RECORDS))
    max_bytes = min(max_bytes, MAX_BODY_BYTES)
    end, size = pos, BATCH_OVERHEAD
    while end < len(sized) and end - pos < max_records:
        size += sized[end][1]
        if size > max_bytes and end > pos:
            break
        end += 1
    return end


def next_batch_limit(
    limit: int,
    *,
    sent: int,
    seconds: float,
    timed_out: bool,
    max_records: int,
    target: float = TARGET_SECONDS,
) -> int:
    """The record limit for the next push, from how the last one (``sent`` records) went. Pure.

    A push that timed out halves the limit; otherwise the limit moves toward
    ``target`` seconds per push at the speed just seen, at most doubling and
    at least halving at each step, within 1 .. ``max_records``.
    """
    if timed_out:
        new = max(1, min(limit, sent) // 2)
    elif seconds <= 0:
        new = limit * 2
    else:
        rate = sent / seconds
        new = int(min(max(rate * target, limit / 2), limit * 2))
    return max(1, min(new, max_records, MAX_BATCH_RECORDS))


def receipts_summary(receipts: Sequence[Receipt]) -> dict[ReceiptStatus, int]:
    out = {s: 0 for s in ReceiptStatus}
    for r in receipts:
        out[r.status] += 1
    return out


def rejected_locally(record: Record, err: PermanentSyncError) -> Receipt:
    """A receipt standing for the server's refusal of a batch holding only ``record``."""
    issues = list(err.body.issues) if err.body and err.body.issues else []
    if not issues:
        issues = [
            Issue(field=None, code=err.body.code if err.body else f"http_{err.status}", message=err.message)
        ]
    return Receipt(id=record.id, revision=record.revision, status=ReceiptStatus.REJECTED, issues=issues)


@dataclass
class SyncReport:
    sent: int  # records that left the outbox as SENT (stored + duplicate + stale)
    stored: int
    duplicate: int
    rejected: int
    pulled: bool
    finished_at: datetime
    error: FieldTallyError | None
    stale: int = 0
    remaining: int = 0  # records still in the outbox when the run ended
    photos: PhotoReport = field(default_factory=PhotoReport)  # after the records (media_upload.py)

    @property
    def ok(self) -> bool:
        return self.error is None


_GAVE_UP_WAITING = text(
    "Máy chủ yêu cầu chờ lâu trước khi gửi tiếp. Dữ liệu vẫn an toàn trên máy; hãy đồng bộ lại sau.",
    "The server asked to wait a long time before sending more. "
    "Your data is safe on this phone; sync again later.",
)


_frozen_runs = 0
_frozen_lock = threading.Lock()


@contextmanager
def _gc_frozen() -> Iterator[None]:
    """Freeze the objects alive now out of the cyclic garbage collector until the last sync ends.

    A full collection holds the GIL while it walks every object the process
    holds (the vault's records, the app's screens): about 110 ms with 1,000
    records in the app's web build on a 2-core machine, during which the
    app's event loop can neither draw nor take a tap (benchmarks/app_timing.py
    found it; it was the one stall over 100 ms of a 1,000-record sync). What
    was alive before the sync is not the sync's garbage, so its collections
    only walk what the sync itself made. Reference counting frees everything
    as before; only cycles among frozen objects wait for the thaw.
    """
    global _frozen_runs
    with _frozen_lock:
        if _frozen_runs == 0:
            gc.freeze()
        _frozen_runs += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_runs -= 1
            if _frozen_runs == 0:
                gc.unfreeze()


class SyncEngine:
    def __init__(
        self,
        store: RecordStore,
        client: ServerClient,
        *,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        max_records: int = MAX_BATCH_RECORDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        first_batch: int = FIRST_BATCH,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        media: MediaStore | None = None,
        send_photos: bool = True,
    ) -> None:
        """``media``: the vault's photos, sent after the records; ``send_photos`` False holds them
        (the officer's "photos only on Wi-Fi" without Wi-Fi): the records still go."""
        self.store = store
        self.client = client
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.sleep = sleep
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.first_batch = max(1, first_batch)
        self.clock = clock
        self._rng = rng or random.Random()
        self._timeouts = 0  # pushes that timed out since the last batch started (for the sizing)
        self.media = media
        self.send_photos = send_photos

    def run(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Push the whole outbox, then pull; the report says what happened (never raises for I/O).

        The objects alive when the sync starts are kept out of the garbage
        collections its allocations trigger (``_gc_frozen``).
        """
        with _gc_frozen():
            return self._run(progress)

    def _run(self, progress: Callable[[int, int], None] | None) -> SyncReport:
        counts = {s: 0 for s in ReceiptStatus}
        error: FieldTallyError | None = None
        pulled = False
        sized = sized_pending(self.store.outbox())
        total = len(sized)
        done = 0
        limit = min(self.first_batch, self.max_records)
        if progress:
            progress(0, total)
        try:
            while done < total:
                end = cut_batch(sized, done, max_records=limit, max_bytes=self.max_bytes)
                self._timeouts = 0
                started = self.clock()
                for status, n in self._push_batch([r for r, _ in sized[done:end]]).items():
                    counts[status] += n
                limit = next_batch_limit(
                    limit,
                    sent=end - done,
                    seconds=self.clock() - started,
                    timed_out=self._timeouts > 0,
                    max_records=self.max_records,
                )
                done = end
                if progress:
                    progress(done, total)
            pull = self._with_retries(self.client.pull)
            self.store.save_pull(pull)
            pulled = True
        except FieldTallyError as exc:
            error = exc
        photos = PhotoReport()
        if error is None and self.media is not None:
            try:
                self._send_photos(self.media, photos)
            except FieldTallyError as exc:
                error = exc
        finished = utcnow()
        remaining = total - done
        try:
            remaining = self.store.counts()[LocalState.PENDING]
            self.store.set_meta("last_sync_attempt", finished.isoformat())
            if error is None:
                self.store.set_meta("last_sync", finished.isoformat())
        except FieldTallyError as exc:  # e.g. the vault was locked meanwhile
            error = error or exc
        sent = counts[ReceiptStatus.STORED] + counts[ReceiptStatus.DUPLICATE] + counts[ReceiptStatus.STALE]
        return SyncReport(
            sent=sent,
            stored=counts[ReceiptStatus.STORED],
            duplicate=counts[ReceiptStatus.DUPLICATE],
            rejected=counts[ReceiptStatus.REJECTED],
            stale=counts[ReceiptStatus.STALE],
            pulled=pulled,
            finished_at=finished,
            error=error,
            remaining=remaining,
            photos=photos,
        )

    def _send_photos(self, media: MediaStore, report: PhotoReport) -> None:
        """The photos of the records the server acknowledged, unless they wait for Wi-Fi."""
        todo = waiting_photos(self.store, media)
        if todo.sendable and not self.send_photos:
            report.held_for_wifi = True
        elif todo.sendable:
            uploader = MediaUploader(
                self.client,
                media,
                retries=self._with_retries,
                pause=self._pause,
                max_attempts=self.max_attempts,
            )
            try:
                uploader.upload_all(todo.sendable, report)
            finally:
                report.waiting = waiting_photos(self.store, media).waiting
            return
        report.waiting = todo.waiting

    def _push_batch(self, records: list[Record]) -> dict[ReceiptStatus, int]:
        """Push ``records`` (splitting on a whole-batch refusal), apply the receipts, count them."""
        batch = PushBatch(batch_id=uuid4(), records=records)
        try:
            resp: PushResponse = self._with_retries(lambda: self.client.push(batch))
        except AuthRejected:
            raise
        except PermanentSyncError as exc:
            if exc.status not in SPLITTABLE_STATUS:
                raise
            if len(records) == 1:
                receipt = rejected_locally(records[0], exc)
                self.store.apply_receipts([receipt])
                return receipts_summary([receipt])
            half = len(records) // 2
            first = self._push_batch(records[:half])
            second = self._push_batch(records[half:])
            return {s: first[s] + second[s] for s in ReceiptStatus}
        mine = {(r.id, r.revision) for r in records}
        receipts = [r for r in resp.receipts if (r.id, r.revision) in mine]
        self.store.apply_receipts(receipts)
        return receipts_summary(receipts)

    def _with_retries(self, call):
        attempt = 0
        while True:
            try:
                return call()
            except RetryableSyncError as exc:
                attempt += 1
                if exc.status is None:  # the link failed or timed out, not the server
                    self._timeouts += 1
                if attempt >= self.max_attempts:
                    raise
                self._pause(attempt, exc)

    def _pause(self, attempt: int, exc: RetryableSyncError) -> None:
        """Wait before try ``attempt + 1``: exponential backoff with full jitter, or Retry-After."""
        delay = self._rng.uniform(0, self.base_delay * 2 ** (attempt - 1))
        if exc.retry_after is not None:
            if exc.retry_after > MAX_DELAY:
                raise RetryableSyncError(
                    _GAVE_UP_WAITING,
                    status=exc.status,
                    retry_after=exc.retry_after,
                    detail=exc.detail,
                ) from exc
            delay = max(delay, exc.retry_after)
        self.sleep(min(delay, MAX_DELAY))
