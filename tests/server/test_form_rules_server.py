"""The server refuses counts that contradict themselves, whatever a phone sent, in both languages."""

from __future__ import annotations

from .helpers import Api, record, session_answers


def test_push__contradicting_counts_are_rejected_with_the_reason(api: Api) -> None:
    too_many_women = {**session_answers("2024-06-01", soldiers=10, first_time=10), "attendees_female": 51}
    too_many_new = session_answers("2024-06-01", soldiers=10, first_time=11)
    fine = {**session_answers("2024-06-01", soldiers=10, first_time=10), "attendees_female": 50}
    records = [record("outreach_session", a, form_version=2) for a in (too_many_women, too_many_new, fine)]
    resp = api.push(*records)
    assert resp.status_code == 200, resp.text
    receipts = resp.json()["receipts"]
    assert [r["status"] for r in receipts] == ["rejected", "rejected", "stored"]
    first, second = receipts[0]["issues"], receipts[1]["issues"]
    assert [(i["field"], i["code"]) for i in first] == [("attendees_female", "constraint")]
    assert "tổng số lượt" in first[0]["message"]["vi"] and "total person-times" in first[0]["message"]["en"]
    assert [(i["field"], i["code"]) for i in second] == [("soldiers_first_time", "constraint")]
