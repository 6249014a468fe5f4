"""The engine against a table computed by hand: a year of records on the demo tree, edits and a void included.

The demo tree (sync_server/demo/units.json), 2024 baselines:

    HN  ── HN-BD (urban) ── HN-BD-PX (+ mediation team HG1), HN-BD-DC
        └─ HN-SS (suburban) ── HN-SS-MT (key area, + team HG1), HN-SS-BS (key area)

Local reporters + propagandists + collaborators + mediators (i5's denominator):
PX 66, PX-HG1 7, DC 45, MT 55, MT-HG1 6, BS 60. Standing + reserve + militia
(i2's): PX 225, DC 142, MT 220, BS 241.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from schemas.plan_report import TallyReport, TallySeries

from .helpers import Api, record, session_answers, survey_answers

MT_ID = {name: uuid.uuid4() for name in ("nov_fail", "bs_oct")}


def training(day: str, trained: int) -> dict[str, Any]:
    return {
        "training_date": day,
        "course_name": "Tập huấn",
        "trainee_force": "local",
        "trained_mediators": trained,
        "new_mediators": trained,  # none of them trained earlier in the year
    }


def discipline(day: str, headcount: int, violations: int) -> dict[str, Any]:
    return {
        "report_month": day,
        "force": "standing",
        "headcount": headcount,
        "violations_law": 0,
        "violations_discipline": violations,
    }


@pytest.fixture
def year_2024(api: Api) -> Api:
    """The records of the table, pushed as the phone would, then one edit and one void."""
    mt = [
        record("awareness_survey", survey_answers("2024-01-15", correct=6)),
        record("awareness_survey", survey_answers("2024-02-10", correct=1)),
        record("awareness_survey", survey_answers("2024-05-05", correct=4)),
        record("awareness_survey", survey_answers("2024-08-20", correct=5)),
        record("awareness_survey", survey_answers("2024-11-11", correct=2), record_id=MT_ID["nov_fail"]),
        record("training", training("2024-03-03", 10), form_version=2),
        record("training", training("2024-09-09", 12), form_version=2),
        record("outreach_session", session_answers("2024-06-01", soldiers=50, first_time=50), form_version=2),
        record("discipline_return", discipline("2023-03-01", 200, 4)),
        record("discipline_return", discipline("2024-03-01", 200, 2)),
        record(
            "mediation_case",
            {"case_date": "2024-04-04", "dispute_type": "land", "parties": 2, "outcome": "settled"},
            unit="HN-SS-MT-HG1",
        ),
    ]
    assert api.statuses(*mt) == ["stored"] * len(mt)
    others = [
        record("awareness_survey", survey_answers("2024-04-02", correct=6), unit="HN-SS-BS", author="chihuy"),
        record("awareness_survey", survey_answers("2024-04-03", correct=4), unit="HN-SS-BS", author="chihuy"),
        record(
            "awareness_survey",
            survey_answers("2024-10-01", correct=0),
            unit="HN-SS-BS",
            author="chihuy",
            record_id=MT_ID["bs_oct"],
        ),
        record(
            "outreach_session",
            session_answers("2024-12-01", soldiers=100, first_time=100),
            unit="HN-SS-BS",
            author="chihuy",
            form_version=2,
        ),
        # an urban respondent who says the place is not a key area: outside the key-area segment
        record(
            "awareness_survey",
            {**survey_answers("2024-07-07", correct=6), "key_area": "no"},
            unit="HN-BD-PX",
            author="chihuy",
        ),
        record("training", training("2024-07-07", 20), unit="HN-BD-PX", author="chihuy", form_version=2),
    ]
    assert api.statuses(*others, user="chihuy") == ["stored"] * len(others)
    # the November fail is corrected: now a pass, held on 12 December
    edited = record(
        "awareness_survey", survey_answers("2024-12-12", correct=6), record_id=MT_ID["nov_fail"], revision=2
    )
    assert api.statuses(edited) == ["stored"]
    voided = record(
        "awareness_survey",
        survey_answers("2024-10-01", correct=0),
        unit="HN-SS-BS",
        author="chihuy",
        record_id=MT_ID["bs_oct"],
        revision=2,
        status="void",
        void_reason="Phiếu nhập trùng",
    )
    assert api.statuses(voided, user="chihuy") == ["stored"]
    return api


Q = {"Q1": "2024-Q1", "Q2": "2024-Q2", "Q3": "2024-Q3", "Q4": "2024-Q4", "Y": "2024"}

# (unit, period, indicator): (numerator, denominator, pct, level due, status)
TABLE: dict[tuple[str, str, str], tuple[float, float, float | None, float | None, str]] = {
    # i1: surveys passing / surveys. MT: Q1 1/2, Q2 1/1, Q3 1/1, Q4 1/1 (the edit), BS: Q2 2/2, Q4 void
    ("HN-SS-MT", "Q1", "i1_understanding"): (1, 2, 50.0, 50, "on_track"),
    ("HN-SS-MT", "Q4", "i1_understanding"): (1, 1, 100.0, 50, "reached"),
    ("HN-SS-MT", "Y", "i1_understanding"): (4, 5, 80.0, 50, "on_track"),
    ("HN-SS-BS", "Q4", "i1_understanding"): (0, 0, None, 50, "no_data"),
    ("HN-SS-BS", "Y", "i1_understanding"): (2, 2, 100.0, 50, "reached"),
    ("HN-SS", "Q2", "i1_understanding"): (3, 3, 100.0, 50, "reached"),
    ("HN-SS", "Y", "i1_understanding"): (6, 7, 85.71, 50, "on_track"),
    ("HN-BD", "Y", "i1_understanding"): (1, 1, 100.0, 50, "reached"),
    ("HN", "Q1", "i1_understanding"): (1, 2, 50.0, 50, "on_track"),
    ("HN", "Q3", "i1_understanding"): (2, 2, 100.0, 50, "reached"),
    ("HN", "Y", "i1_understanding"): (7, 8, 87.5, 50, "on_track"),
    # i2: soldier person-times / standing + reserve + militia
    ("HN-SS-MT", "Q2", "i2_forces_educated"): (50, 220, 22.73, 60, "behind"),
    ("HN-SS", "Y", "i2_forces_educated"): (150, 461, 32.54, 60, "behind"),
    ("HN", "Y", "i2_forces_educated"): (150, 828, 18.12, 60, "behind"),
    # i5: local people trained / local reporters + propagandists + collaborators + mediators
    ("HN-SS-MT", "Q1", "i5_local_propagandists"): (10, 61, 16.39, 50, "behind"),
    ("HN-SS-MT", "Y", "i5_local_propagandists"): (22, 61, 36.07, 50, "behind"),
    ("HN-SS", "Y", "i5_local_propagandists"): (22, 121, 18.18, 50, "behind"),
    ("HN-BD", "Q3", "i5_local_propagandists"): (20, 118, 16.95, 50, "behind"),
    ("HN", "Y", "i5_local_propagandists"): (42, 239, 17.57, 50, "behind"),
    # i3: violations per 100 person-months, against the same days of 2023 (2.0): falling
    ("HN-SS-MT", "Q1", "i3_violations_falling"): (2, 200, 1.0, None, "on_track"),
    ("HN", "Y", "i3_violations_falling"): (2, 200, 1.0, None, "on_track"),
    ("HN-SS-MT", "Q2", "i3_violations_falling"): (0, 0, None, None, "no_data"),
}


def _report(api: Api, user: str, unit: str, period: str) -> TallyReport:
    resp = api.tallies(user, unit=unit, period=Q[period])
    assert resp.status_code == 200, resp.text
    return TallyReport.model_validate(resp.json())


def test_engine__reproduces_the_hand_computed_table(year_2024: Api) -> None:
    got = {}
    for unit, period, indicator in TABLE:
        report = _report(year_2024, "chihuy", unit, period)
        p = next(i for i in report.totals if i.indicator_id == indicator)
        got[(unit, period, indicator)] = (p.numerator, p.denominator, p.pct, p.milestone_pct, p.status.value)
    assert got == TABLE


def test_engine__segments_children_and_year_before(year_2024: Api) -> None:
    report = _report(year_2024, "chihuy", "HN", "Y")
    i1 = next(i for i in report.totals if i.indicator_id == "i1_understanding")
    # key areas and suburban districts: every unit of Sóc Sơn (suburban) -> 6 of 7, past the segment's 70%
    (seg,) = i1.segments
    assert (seg.numerator, seg.denominator, seg.pct, seg.milestone_pct, seg.status.value) == (
        6,
        7,
        85.71,
        40,
        "reached",
    )
    i3 = next(i for i in report.totals if i.indicator_id == "i3_violations_falling")
    assert (i3.previous_numerator, i3.previous_denominator, i3.previous_pct, i3.change_pct) == (
        4,
        200,
        2.0,
        -50.0,
    )
    assert {c.unit for c in report.children} == {"HN-BD", "HN-SS"}
    # a mediation case counts at its team and rolls up to the commune; it feeds no indicator
    mt = _report(year_2024, "canbo", "HN-SS-MT", "Y")
    assert [c.unit for c in mt.children] == ["HN-SS-MT-HG1"]


def test_engine__an_edit_and_a_void_move_their_contribution(year_2024: Api) -> None:
    nov = _report(year_2024, "canbo", "HN-SS-MT", "Q4")
    i1 = next(i for i in nov.totals if i.indicator_id == "i1_understanding")
    assert (i1.numerator, i1.denominator) == (1, 1)  # only the edited revision, on its new day
    oct_nov = year_2024.tallies("canbo", start="2024-11-01", end="2024-11-30").json()
    assert next(i for i in oct_nov["totals"] if i["indicator_id"] == "i1_understanding")["denominator"] == 0
    # pushing the old revision again changes nothing
    stale = record("awareness_survey", survey_answers("2024-11-11", correct=2), record_id=MT_ID["nov_fail"])
    assert year_2024.statuses(stale) == ["stale"]
    again = _report(year_2024, "chihuy", "HN", "Y")
    assert next(i for i in again.totals if i.indicator_id == "i1_understanding").denominator == 8


def test_series__cumulative_points_per_quarter(year_2024: Api) -> None:
    resp = year_2024.client.get(
        "/api/v1/tallies/series",
        params={
            "plan_id": "hanoi_pbgdpl_2021_2027",
            "unit": "HN-SS",
            "period": "2024",
            "granularity": "quarter",
        },
        headers=year_2024.auth("chihuy"),
    )
    assert resp.status_code == 200, resp.text
    series = TallySeries.model_validate(resp.json())
    i1 = [
        (p.end.isoformat(), next(i for i in p.indicators if i.indicator_id == "i1_understanding"))
        for p in series.points
    ]
    assert [(end, i.numerator, i.denominator) for end, i in i1] == [
        ("2024-03-31", 1, 2),
        ("2024-06-30", 4, 5),
        ("2024-09-30", 5, 6),
        ("2024-12-31", 6, 7),
    ]
    own = year_2024.client.get(
        "/api/v1/tallies/series",
        params={
            "plan_id": "hanoi_pbgdpl_2021_2027",
            "unit": "HN-SS",
            "period": "2024",
            "granularity": "quarter",
            "cumulative": "false",
        },
        headers=year_2024.auth("chihuy"),
    ).json()
    per_quarter = [
        next(i for i in p["indicators"] if i["indicator_id"] == "i1_understanding")["denominator"]
        for p in own["points"]
    ]
    assert per_quarter == [2, 3, 1, 1]
