"""Repeats on the server: a pushed record's entries are checked like the phone checks them, stored with
the record, and exported as ODK does (one sheet per repeat, joined by the record id)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from schemas.common import utcnow
from schemas.forms import FormDefinition
from sync_server.db import Database
from sync_server.services.catalog import publish_form

from .helpers import Api, record, this_year_day

DAY = this_year_day()

FORUM = {
    "id": "forum_test",
    "version": 1,
    "title": {"vi": "Đối thoại", "en": "Dialogue"},
    "period_field": "held_on",
    "sections": [{"name": "main", "label": {"vi": "Chung", "en": "General"}}],
    "fields": [
        {"name": "held_on", "type": "date", "label": {"vi": "Ngày", "en": "Date"}, "required": True},
        {
            "name": "questions",
            "type": "repeat",
            "label": {"vi": "Câu hỏi của người dân", "en": "Question raised"},
            "section": "main",
            "min_count": 1,
            "max_count": 5,
            "fields": [
                {
                    "name": "topic",
                    "type": "text",
                    "label": {"vi": "Nội dung", "en": "Topic"},
                    "required": True,
                },
                {
                    "name": "answered",
                    "type": "select_one",
                    "label": {"vi": "Đã trả lời", "en": "Answered"},
                    "choices": [
                        {"value": "yes", "label": {"vi": "Có", "en": "Yes"}},
                        {"value": "no", "label": {"vi": "Không", "en": "No"}},
                    ],
                },
            ],
        },
        {
            "name": "question_count",
            "type": "calculated",
            "label": {"vi": "Số câu hỏi", "en": "Questions"},
            "calculation": "count(${questions})",
        },
    ],
}


def _publish(db: Database) -> None:
    with db.session(write=True) as s:
        assert publish_form(s, form=FormDefinition.model_validate(FORUM), now=utcnow(), actor="admin")
    with db.session(write=True) as s:  # the same definition again: unchanged, not refused
        assert not publish_form(s, form=FormDefinition.model_validate(FORUM), now=utcnow(), actor="admin")


def test_push__repeat_entries_are_checked_and_stored_with_derived_values(api: Api, db: Database) -> None:
    _publish(db)
    bad = record("forum_test", {"held_on": DAY, "questions": [{"topic": "Đất đai"}, {"answered": "maybe"}]})
    resp = api.push(bad)
    assert resp.status_code == 200, resp.text
    receipt = resp.json()["receipts"][0]
    assert receipt["status"] == "rejected"
    fields = sorted(i["field"] for i in receipt["issues"])
    assert fields == ["questions[2].answered", "questions[2].topic"]
    assert "Question raised 2" in receipt["issues"][0]["message"]["en"]

    good = record(
        "forum_test",
        {"held_on": DAY, "questions": [{"topic": "Đất đai", "answered": "yes"}, {"topic": "=1+1"}]},
    )
    assert api.statuses(good) == ["stored"]
    resp = api.client.get(
        "/api/v1/exports/records.xlsx",
        params={"form_id": "forum_test", "unit": "HN-SS-MT"},
        headers=api.auth(),
    )
    assert resp.status_code == 200, resp.text
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["Phiếu", "Câu hỏi của người dân"]
    main = list(wb["Phiếu"].iter_rows(values_only=True))
    assert main[1][0] == good["id"] and main[0][-1] == "Số câu hỏi" and main[1][-1] == 2
    entries = list(wb["Câu hỏi của người dân"].iter_rows(values_only=True))
    assert entries == [
        ("Mã phiếu", "Thứ tự", "Nội dung", "Đã trả lời"),
        (good["id"], 1, "Đất đai", "Có"),
        (good["id"], 2, "'=1+1", None),  # typed text never becomes a formula
    ]
    # CSV keeps one table; the repeat's entries are in its cell
    csv = api.client.get(
        "/api/v1/exports/records.csv",
        params={"form_id": "forum_test", "unit": "HN-SS-MT"},
        headers=api.auth(),
    )
    assert csv.status_code == 200 and "Đất đai" in csv.content.decode("utf-8-sig")
