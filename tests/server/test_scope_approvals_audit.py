"""Subtree scoping, approvals with changes flagged, the audit trail, and what pull carries for offline use."""

from __future__ import annotations

import uuid

from schemas.plan_report import Approval, TallyReport
from schemas.sync import AuditPage, PullResponse, RecordHistory

from .helpers import PLAN, Api, record, survey_answers


def test_scope__a_district_supervisor_sees_only_the_district(api: Api) -> None:
    bd = record("awareness_survey", survey_answers("2024-05-01", correct=6), unit="HN-BD-PX", author="chihuy")
    ss = record("awareness_survey", survey_answers("2024-05-01", correct=6), unit="HN-SS-BS", author="chihuy")
    assert api.statuses(bd, ss, user="chihuy") == ["stored", "stored"]
    for unit in ("HN", "HN-BD", "HN-BD-PX", "BTL", "BP"):
        assert api.tallies("giamsat", unit=unit).status_code == 403, unit
    report = TallyReport.model_validate(api.tallies("giamsat", period="2024").json())
    assert report.unit == "HN-SS"
    i1 = next(i for i in report.totals if i.indicator_id == "i1_understanding")
    assert (i1.numerator, i1.denominator) == (1, 1)  # Ba Đình's survey is not in it
    pull = PullResponse.model_validate(
        api.client.get("/api/v1/sync/pull", headers=api.auth("giamsat")).json()
    )
    assert {u.code for u in pull.units} == {"HN-SS", "HN-SS-MT", "HN-SS-MT-HG1", "HN-SS-BS"}
    # raw records are scoped the same way
    csv_text = api.client.get("/api/v1/exports/records.csv", headers=api.auth("giamsat")).content.decode(
        "utf-8-sig"
    )
    assert ss["id"] in csv_text and bd["id"] not in csv_text
    assert (
        api.client.get(
            "/api/v1/exports/records.csv", params={"unit": "HN"}, headers=api.auth("giamsat")
        ).status_code
        == 403
    )
    # the border-guard command is a tree of its own
    assert api.tallies("bienphong", unit="HN").status_code == 403
    bp = TallyReport.model_validate(api.tallies("bienphong").json())
    assert [c.unit for c in bp.children] == sorted(c.unit for c in bp.children) == ["BP-BM", "BP-CK"]


def test_pull__carries_drill_down_reports_and_a_series_for_offline_use(api: Api) -> None:
    pull = PullResponse.model_validate(api.client.get("/api/v1/sync/pull", headers=api.auth("chihuy")).json())
    assert {t.unit for t in pull.tallies} == {"HN"}
    # every unit under HN that has children, for each standard period
    assert {t.unit for t in pull.subtree_tallies} == {"HN-BD", "HN-BD-PX", "HN-SS", "HN-SS-MT"}
    assert len(pull.subtree_tallies) == 4 * len(pull.tallies)
    (series,) = pull.series
    assert series.unit == "HN" and series.granularity == "month" and series.points
    assert series.points[-1].end == pull.tallies[-1].end or series.points[-1].end <= pull.tallies[-1].end


def _approve(api: Api, user: str, **body) -> object:
    body = {"plan_id": PLAN, "unit": "HN-SS", "start": "2024-01-01", "end": "2024-12-31", **body}
    return api.client.post("/api/v1/approvals", json=body, headers=api.auth(user))


def test_approvals__later_changes_inside_the_period_are_flagged(api: Api) -> None:
    first = record("awareness_survey", survey_answers("2024-03-01", correct=6))
    moved = record("awareness_survey", survey_answers("2024-03-02", correct=6))
    assert api.statuses(first, moved) == ["stored", "stored"]
    assert _approve(api, "canbo").status_code == 403  # officers do not approve
    assert _approve(api, "giamsat", unit="HN").status_code == 403  # outside the subtree
    resp = _approve(api, "giamsat")
    assert resp.status_code == 200, resp.text
    approval = Approval.model_validate(resp.json())
    assert (approval.approved_by, approval.changed_records) == ("giamsat", 0)

    report = TallyReport.model_validate(api.tallies("giamsat", period="2024").json())
    assert report.approval is not None and report.approval.changed_records == 0
    # an edit of a record inside, and an edit moving another record out of the period, after approval
    assert api.statuses(dict(first, revision=2, answers=survey_answers("2024-03-01", correct=1))) == [
        "stored"
    ]
    assert api.statuses(dict(moved, revision=2, answers=survey_answers("2025-01-05", correct=6))) == [
        "stored"
    ]
    outside = record("awareness_survey", survey_answers("2025-02-01", correct=6))
    assert api.statuses(outside) == ["stored"]  # not in the approved period: not flagged
    report = TallyReport.model_validate(api.tallies("giamsat", period="2024").json())
    assert report.approval.changed_records == 2
    assert {str(i) for i in report.approval.changed_record_ids} == {first["id"], moved["id"]}
    # a report for another period carries no approval; the list shows it; re-approving clears the flags
    assert TallyReport.model_validate(api.tallies("giamsat", period="2024-Q1").json()).approval is None
    listed = api.client.get("/api/v1/approvals", headers=api.auth("chihuy")).json()["approvals"]
    assert [(a["unit"], a["changed_records"]) for a in listed] == [("HN-SS", 2)]
    assert Approval.model_validate(_approve(api, "chihuy").json()).changed_records == 0
    params = {"plan_id": PLAN, "unit": "HN-SS", "start": "2024-01-01", "end": "2024-12-31"}
    bound = api.client.delete("/api/v1/approvals", params=params, headers=api.auth("giamsat"))
    assert bound.status_code == 403 and bound.json()["code"] == "bound_by_higher_approval"
    assert (
        api.client.delete("/api/v1/approvals", params=params, headers=api.auth("chihuy")).status_code == 204
    )
    gone = api.client.delete("/api/v1/approvals", params=params, headers=api.auth("chihuy"))
    assert gone.status_code == 404 and gone.json()["code"] == "unknown_approval"


def test_audit__admin_reads_changes_and_record_revisions(api: Api) -> None:
    rec = record("awareness_survey", survey_answers("2024-03-01", correct=6))
    assert api.statuses(rec) == ["stored"]
    assert api.statuses(dict(rec, revision=2, status="void", void_reason="Sai đơn vị")) == ["stored"]
    assert _approve(api, "chihuy").status_code == 200
    assert api.client.get("/api/v1/audit", headers=api.auth("chihuy")).status_code == 403
    page = AuditPage.model_validate(api.client.get("/api/v1/audit", headers=api.auth("admin")).json())
    seen = {(e.actor, e.action, e.entity) for e in page.entries}
    assert ("chihuy", "approve", "approval") in seen
    assert ("canbo", "enroll", "device") in seen
    assert ("system", "create", "user") in seen  # the demo users
    only_units = api.client.get(
        "/api/v1/audit", params={"entity": "approval"}, headers=api.auth("admin")
    ).json()
    assert {e["entity"] for e in only_units["entries"]} == {"approval"}
    small = AuditPage.model_validate(
        api.client.get("/api/v1/audit", params={"limit": 2}, headers=api.auth("admin")).json()
    )
    older = api.client.get(
        "/api/v1/audit", params={"limit": 2, "before_id": small.next_before_id}, headers=api.auth("admin")
    ).json()["entries"]
    assert small.next_before_id and all(e["id"] < small.next_before_id for e in older)

    hist = api.client.get(f"/api/v1/records/{rec['id']}/history", headers=api.auth("admin"))
    history = RecordHistory.model_validate(hist.json())
    assert [(r.revision, r.status.value, r.author) for r in history.revisions] == [
        (1, "final", "canbo"),
        (2, "void", "canbo"),
    ]
    assert history.revisions[1].void_reason == "Sai đơn vị"
    missing = api.client.get(f"/api/v1/records/{uuid.uuid4()}/history", headers=api.auth("admin"))
    assert missing.status_code == 404 and missing.json()["message"]["vi"]
