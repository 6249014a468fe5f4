"""The record envelope and the wire models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.catalog import latest_forms, shipped_forms
from schemas.records import Record, check_record
from schemas.sync import MAX_BATCH_RECORDS, PushBatch

FORMS = latest_forms(shipped_forms())
NOW = datetime(2026, 11, 22, tzinfo=UTC)


def envelope(**over):
    raw = dict(
        id=str(uuid.uuid4()),
        form_id="outreach_session",
        form_version=1,
        unit="HN-SS-MT",
        author="canbo",
        device="d1",
        created_at=NOW.isoformat(),
        updated_at=NOW.isoformat(),
        revision=1,
        status="final",
        answers={
            "session_date": "2026-11-20",
            "place": "Thôn Đông",
            "format": "meeting",
            "topics": ["border"],
        },
    )
    raw.update(over)
    return raw


def test_records__round_trip_through_json():
    r = Record.model_validate(envelope())
    assert Record.model_validate_json(r.model_dump_json()) == r


@pytest.mark.parametrize(
    "over",
    [
        {"id": "not-a-uuid"},
        {"revision": 0},
        {"status": "deleted"},
        {"created_at": "2026-11-22T10:00:00"},  # no timezone
        {"unknown": 1},
        {"answers": {f"a{i}": i for i in range(501)}},
    ],
)
def test_records__malformed_envelopes_are_refused(over):
    with pytest.raises(ValidationError):
        Record.model_validate(envelope(**over))


def test_records__check_record_unknown_form_and_void_without_reason():
    r = Record.model_validate(envelope())
    assert check_record(r, None)[0].code == "unknown_form"
    assert check_record(r, FORMS["outreach_session"], today=NOW.date()) == []
    void = Record.model_validate(envelope(status="void"))
    assert check_record(void, FORMS["outreach_session"])[0].code == "void_reason_required"


def test_records__batches_are_capped():
    rec = envelope()
    with pytest.raises(ValidationError):
        PushBatch.model_validate({"batch_id": str(uuid.uuid4()), "records": [rec] * (MAX_BATCH_RECORDS + 1)})
