"""A record's times are ISO 8601 with an offset; a bare number is refused, not read as 1970 + seconds."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from schemas.records import Record


def _record(**times) -> dict:
    base = {
        "id": str(uuid.uuid4()),
        "form_id": "awareness_survey",
        "form_version": 1,
        "unit": "HN-SS-MT",
        "author": "canbo",
        "device": "d1",
        "created_at": "2026-03-15T08:30:00+07:00",
        "updated_at": "2026-03-15T08:30:00+07:00",
        "revision": 1,
        "status": "final",
        "answers": {},
    }
    return {**base, **times}


@pytest.mark.parametrize("bad", [0, 1_700_000_000, 1.5e9, "2026-03-15T08:30:00", "yesterday", None])
def test_record_times__numbers_naive_times_and_words_are_refused(bad):
    with pytest.raises(ValidationError) as err:
        Record.model_validate(_record(created_at=bad))
    assert err.value.errors()[0]["loc"] == ("created_at",)


def test_record_times__iso_with_offset_is_kept_in_json_too():
    r = Record.model_validate_json(Record.model_validate(_record()).model_dump_json())
    assert r.created_at.utcoffset().total_seconds() == 7 * 3600
