"""Sync, "plan, then apply": a pure plan of batches, then thin I/O around it.

``plan_batches`` decides what goes in which request (a pure function of the
outbox). ``SyncEngine.run`` then, for each batch: pushes it (the same batch
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

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from schemas.common import Issue, text, utcnow
from schemas.records import Record
from schemas.sync import MAX_BATCH_RECORDS, MAX_BODY_BYTES, PushBatch, PushResponse, Receipt, ReceiptStatus

from ..errors import AuthRejected, FieldTallyError, PermanentSyncError, RetryableSyncError
from ..records import LocalState, RecordStore, StoredRecord
from .client import ServerClient

BATCH_OVERHEAD = 128  # bytes of JSON around the records: {"batch_id": "...", "records": [...]}
SPLITTABLE_STATUS = {400, 413, 422}
MAX_DELAY = 30.0  # never sleep longer than this between tries; a longer Retry-After ends the run


def plan_batches(
    outbox: Sequence[StoredRecord], *, max_records: int = 200, max_bytes: int = 256_000
) -> list[list[Record]]:
    """The PENDING records of ``outbox`` cut into batches, in order.

    A batch holds at most ``max_records`` records and at most ``max_bytes``
    of uncompressed JSON, except that a single record bigger than that goes
    alone. Each record appears once (the first time, if repeated).
    """
    max_records = max(1, min(max_records, MAX_BATCH_RECORDS))
    max_bytes = min(max_bytes, MAX_BODY_BYTES)
    batches: list[list[Record]] = []
    current: list[Record] = []
    size = BATCH_OVERHEAD
    seen: set = set()
    for sr in outbox:
        if sr.state != LocalState.PENDING or sr.record.id in seen:
            continue
        seen.add(sr.record.id)
        rec_size = len(sr.record.model_dump_json()) + 1
        if current and (len(current) >= max_records or size + rec_size > max_bytes):
            batches.append(current)
            current, size = [], BATCH_OVERHEAD
        current.append(sr.record)
        size += rec_size
    if current:
        batches.append(current)
    return batches


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

    @property
    def ok(self) -> bool:
        return self.error is None


_GAVE_UP_WAITING = text(
    "Máy chủ yêu cầu chờ lâu trước khi gửi tiếp. Dữ liệu vẫn an toàn trên máy; hãy đồng bộ lại sau.",
    "The server asked to wait a long time before sending more. "
    "Your data is safe on this phone; sync again later.",
)


class SyncEngine:
    def __init__(
        self,
        store: RecordStore,
        client: ServerClient,
        *,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        max_records: int = 200,
        max_bytes: int = 256_000,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.sleep = sleep
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._rng = rng or random.Random()

    def run(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Push the whole outbox, then pull; the report says what happened (never raises for I/O)."""
        counts = {s: 0 for s in ReceiptStatus}
        error: FieldTallyError | None = None
        pulled = False
        batches = plan_batches(self.store.outbox(), max_records=self.max_records, max_bytes=self.max_bytes)
        total = sum(len(b) for b in batches)
        done = 0
        if progress:
            progress(0, total)
        try:
            for batch in batches:
                for status, n in self._push_batch(batch).items():
                    counts[status] += n
                done += len(batch)
                if progress:
                    progress(done, total)
            pull = self._with_retries(self.client.pull)
            self.store.save_pull(pull)
            pulled = True
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
        )

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
                if attempt >= self.max_attempts:
                    raise
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
