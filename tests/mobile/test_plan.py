"""Cutting the outbox into batches: the pure part of sync, tested with plain lists."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from mobile.record_state import LocalState, StoredRecord
from mobile.sync.engine import BATCH_OVERHEAD, DEFAULT_MAX_BYTES, cut_batch, sized_pending
from schemas.records import Record, RecordStatus
from schemas.sync import MAX_BATCH_RECORDS

NOW = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)


def plan_batches(
    outbox: list[StoredRecord], *, max_records: int = MAX_BATCH_RECORDS, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[list[Record]]:
    """The outbox cut the way the engine cuts it (with a fixed limit): cut_batch from where the last ended."""
    sized = sized_pending(outbox)
    batches: list[list[Record]] = []
    pos = 0
    while pos < len(sized):
        end = cut_batch(sized, pos, max_records=max_records, max_bytes=max_bytes)
        batches.append([r for r, _ in sized[pos:end]])
        pos = end
    return batches


def stored(notes_len: int = 10, state: LocalState = LocalState.PENDING) -> StoredRecord:
    rec = Record(
        id=uuid4(),
        form_id="outreach_session",
        form_version=1,
        unit="HN-SS-MT",
        author="canbo",
        device="d1",
        created_at=NOW,
        updated_at=NOW,
        revision=1,
        status=RecordStatus.FINAL,
        answers={"session_date": "2026-03-10", "place": "Thôn Đông", "notes": "ư" * notes_len},
    )
    return StoredRecord(record=rec, state=state)


def test_plan__empty_outbox_gives_no_batches():
    assert plan_batches([]) == []


def test_plan__cuts_by_count_and_keeps_order():
    box = [stored() for _ in range(7)]
    batches = plan_batches(box, max_records=3)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [r.id for b in batches for r in b] == [s.record.id for s in box]


def test_plan__cuts_by_bytes():
    box = [stored(notes_len=300) for _ in range(10)]
    one = len(box[0].record.model_dump_json()) + 1
    batches = plan_batches(box, max_records=100, max_bytes=BATCH_OVERHEAD + 3 * one)
    assert [len(b) for b in batches] == [3, 3, 3, 1]


def test_plan__an_oversized_record_travels_alone():
    box = [stored(), stored(notes_len=3000), stored()]
    batches = plan_batches(box, max_bytes=2000)
    assert [len(b) for b in batches] == [1, 1, 1]
    assert batches[1][0].id == box[1].record.id


def test_plan__only_pending_records_once_each():
    a, b = stored(), stored(state=LocalState.SENT)
    c, d = stored(state=LocalState.DRAFT), stored(state=LocalState.REJECTED)
    assert plan_batches([a, b, c, d, a]) == [[a.record]]


def test_plan__never_exceeds_the_contract_batch_size():
    box = [stored() for _ in range(MAX_BATCH_RECORDS + 5)]
    assert max(len(b) for b in plan_batches(box, max_records=10_000, max_bytes=10**9)) == MAX_BATCH_RECORDS


@settings(max_examples=60, deadline=None, database=None)
@given(
    sizes=st.lists(st.integers(0, 400), max_size=40),
    max_records=st.integers(1, 12),
    max_bytes=st.integers(200, 5000),
)
def test_plan__every_record_once_in_order_within_limits(sizes, max_records, max_bytes):
    box = [stored(notes_len=n) for n in sizes]
    batches = plan_batches(box, max_records=max_records, max_bytes=max_bytes)
    assert [r.id for b in batches for r in b] == [s.record.id for s in box]
    for b in batches:
        assert 1 <= len(b) <= max_records
        size = BATCH_OVERHEAD + sum(len(r.model_dump_json()) + 1 for r in b)
        assert size <= max_bytes or len(b) == 1
