"""GET /api/v1/sync/pull and GET /api/v1/tallies: scope, numbers, and errors."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.catalog import shipped_forms
from schemas.common import ErrorBody
from schemas.form_features import reads_header
from schemas.plan_report import TallyReport
from schemas.sync import PullResponse

from .helpers import PLAN, Api, current_phase, record, survey_answers, vn_today

HN_UNITS = {
    "HN",
    "HN-BD",
    "HN-BD-PX",
    "HN-BD-PX-HG1",
    "HN-BD-DC",
    "HN-SS",
    "HN-SS-MT",
    "HN-SS-MT-HG1",
    "HN-SS-BS",
}
# 2024 local reporters + propagandists + collaborators + mediators (i5's denominator), per unit
LOCAL_2024 = {
    "HN-BD-PX": 66,
    "HN-BD-PX-HG1": 7,
    "HN-BD-DC": 45,
    "HN-SS-MT": 55,
    "HN-SS-MT-HG1": 6,
    "HN-SS-BS": 60,
}


def test_pull__officer_gets_forms_plans_own_unit_and_tallies(api: Api) -> None:
    resp = api.client.get("/api/v1/sync/pull", headers={**api.auth("canbo"), **reads_header()})
    assert resp.status_code == 200, resp.text
    pull = PullResponse.model_validate(resp.json())
    assert pull.user.username == "canbo" and pull.user.unit == "HN-SS-MT"
    assert sorted(f.key for f in pull.forms) == sorted(f.key for f in shipped_forms())
    assert [p.id for p in pull.plans] == [PLAN]
    assert [u.code for u in pull.units] == ["HN-SS-MT", "HN-SS-MT-HG1"]  # the commune and its mediation team
    assert pull.units[0].tags == ["key_area", "suburban"]
    assert pull.units[0].baselines[2025]["local_propagandists"] == 25
    today = vn_today()
    periods = [(t.start, t.end) for t in pull.tallies]
    assert periods == [(date(today.year, 1, 1), today), current_phase(today)]
    assert all(t.unit == "HN-SS-MT" and t.plan_id == PLAN for t in pull.tallies)


def test_pull__supervisor_gets_the_whole_subtree_only(api: Api) -> None:
    pull = PullResponse.model_validate(api.client.get("/api/v1/sync/pull", headers=api.auth("chihuy")).json())
    codes = [u.code for u in pull.units]
    assert set(codes) == HN_UNITS  # not the BTL command
    assert codes[0] == "HN"
    assert {c.unit for c in pull.tallies[0].children} == {"HN-BD", "HN-SS"}


def test_pull__etag_answers_304_until_something_changes(api: Api) -> None:
    first = api.client.get("/api/v1/sync/pull", headers=api.auth())
    etag = first.headers["ETag"]
    again = api.client.get("/api/v1/sync/pull", headers={**api.auth(), "If-None-Match": etag})
    assert again.status_code == 304
    assert api.statuses(record("awareness_survey", survey_answers(date.today().isoformat(), correct=5))) == [
        "stored"
    ]
    changed = api.client.get("/api/v1/sync/pull", headers={**api.auth(), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.fixture
def hand_counted(api: Api) -> Api:
    """In 2024, at Minh Trí: 3 surveys (2 pass) and a local training of 10; at Phúc Xá one passing survey."""
    day = "2024-06-01"
    mt = [
        record("awareness_survey", survey_answers(day, correct=6)),
        record("awareness_survey", survey_answers(day, correct=4)),  # the pass mark
        record("awareness_survey", survey_answers(day, correct=3)),
        record(
            "training",
            {
                "training_date": day,
                "course_name": "Tập huấn hòa giải viên",
                "trainee_force": "local",
                "trained_mediators": 6,
                "trained_collaborators": 4,
                # none of them had been trained earlier in the year
                "new_mediators": 6,
                "new_collaborators": 4,
            },
            form_version=2,
        ),
        # outside the period asked for: must not count
        record("awareness_survey", survey_answers("2025-02-01", correct=6)),
    ]
    assert api.statuses(*mt) == ["stored"] * 5
    px = record("awareness_survey", survey_answers(day, correct=5), unit="HN-BD-PX", author="chihuy")
    assert api.statuses(px, user="chihuy") == ["stored"]
    return api


def _by_id(indicators: list) -> dict:
    return {i.indicator_id: i for i in indicators}


def test_tallies__commune_numbers_by_hand(hand_counted: Api) -> None:
    resp = hand_counted.tallies("canbo", start="2024-01-01", end="2024-12-31")
    assert resp.status_code == 200, resp.text
    report = TallyReport.model_validate(resp.json())
    assert (report.unit, report.unit_name) == ("HN-SS-MT", "Xã Minh Trí")
    assert [c.unit for c in report.children] == ["HN-SS-MT-HG1"]
    got = _by_id(report.totals)
    i1 = got["i1_understanding"]
    assert (i1.numerator, i1.denominator, i1.pct) == (2, 3, 66.67)
    assert (i1.milestone_pct, i1.milestone_due, i1.status.value) == (50, date(2024, 12, 31), "on_track")
    i5 = got["i5_local_propagandists"]
    den = LOCAL_2024["HN-SS-MT"] + LOCAL_2024["HN-SS-MT-HG1"]
    assert (i5.numerator, i5.denominator, i5.pct, i5.status.value) == (10, den, 16.39, "behind")
    i4 = got["i4_military_propagandists"]
    assert (i4.numerator, i4.denominator, i4.pct) == (0, 1 + 2, 0)  # military reporters + propagandists


def test_tallies__supervisor_sees_totals_and_children(hand_counted: Api) -> None:
    resp = hand_counted.tallies("chihuy", unit="HN", start="2024-01-01", end="2024-12-31")
    report = TallyReport.model_validate(resp.json())
    i1 = _by_id(report.totals)["i1_understanding"]
    assert (i1.numerator, i1.denominator, i1.pct) == (3, 4, 75.0)
    i5 = _by_id(report.totals)["i5_local_propagandists"]
    assert (i5.numerator, i5.denominator) == (10, sum(LOCAL_2024.values()))
    children = {c.unit: _by_id(c.indicators) for c in report.children}
    assert set(children) == {"HN-BD", "HN-SS"}
    # furthest behind first. Shortfall = mean over judged indicators of gap / level due (i3 has no data):
    # Ba Đình: i1 met (0), i2 0% of 60 (1), i4 0% of 60 (1), i5 0% of 50 (1) -> 0.75
    # Sóc Sơn: i1 met (0), i2 (1), i4 (1), i5 8.26% of 50 -> 41.74 / 50 = 0.8348 -> 0.7087
    assert [(c.unit_name, c.shortfall) for c in report.children] == [
        ("Quận Ba Đình", 0.75),
        ("Huyện Sóc Sơn", 0.7087),
    ]
    assert (
        children["HN-SS"]["i1_understanding"].numerator,
        children["HN-SS"]["i1_understanding"].denominator,
    ) == (2, 3)
    assert (children["HN-BD"]["i1_understanding"].numerator, children["HN-BD"]["i1_understanding"].pct) == (
        1,
        100.0,
    )
    assert children["HN-BD"]["i1_understanding"].status.value == "reached"
    assert children["HN-SS"]["i5_local_propagandists"].denominator == 55 + 6 + 60
    # the 2025 survey counts in the 2025 phase, judged against the 2027 milestone
    later = _by_id(
        TallyReport.model_validate(
            hand_counted.tallies("chihuy", unit="HN", start="2025-01-01", end="2027-12-31").json()
        ).totals
    )["i1_understanding"]
    assert (later.numerator, later.denominator, later.milestone_pct) == (1, 1, 90)


def test_tallies__default_period_is_the_current_phase(hand_counted: Api) -> None:
    report = TallyReport.model_validate(hand_counted.tallies("canbo").json())
    phase = current_phase(vn_today())
    assert (report.start, report.end) == phase
    counted = {(date(2025, 1, 1), date(2027, 12, 31)): 1, (date(2021, 1, 1), date(2027, 12, 31)): 3}
    assert _by_id(report.totals)["i1_understanding"].numerator == counted[phase]


def test_tallies__scope_and_errors(api: Api) -> None:
    cases = [
        ("canbo", {"unit": "HN"}, 403, "forbidden"),
        ("canbo", {"unit": "HN-SS-BS"}, 403, "forbidden"),
        ("chihuy", {"unit": "BTL"}, 403, "forbidden"),
        ("chihuy", {"unit": "NOWHERE"}, 403, "forbidden"),  # as if outside: existence is not revealed
        ("chihuy", {"plan_id": "no_such_plan"}, 404, "unknown_plan"),
        ("chihuy", {"start": "2024-12-31", "end": "2024-01-01"}, 422, "invalid"),
        ("chihuy", {"start": "31/12/2024"}, 422, "invalid"),
    ]
    for user, params, status, code in cases:
        resp = api.tallies(user, **params)
        assert resp.status_code == status, (user, params, resp.text)
        err = ErrorBody.model_validate(resp.json())
        assert err.code == code and err.message.vi
    assert api.tallies("chihuy", unit="HN-SS-MT").status_code == 200
