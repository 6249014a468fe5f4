"""What the indicators measure, against a table computed by hand (docs/indicators.md).

Demo tree, 2024 baselines (the only year given, so also used for the phase 2021-2024):

    HN ── HN-BD (urban) ── HN-BD-PX, HN-BD-DC
       └─ HN-SS (suburban) ── HN-SS-MT (key area, + team HG1), HN-SS-BS (key area)

Standing + reserve + militia (i2): MT 220, BS 241. Military reporters +
propagandists (i4): MT 1 + 2 = 3. Local reporters, propagandists,
collaborators, mediators (i5): MT 55 + its team 6 = 61.

Hand-made records:
- MT sessions: 200 soldiers on 10/02 (all for the first time this year),
  the same 200 on 15/05 (0 new), 200 on 20/09 (20 new): 600 person-times, 220 people.
- BS sessions: 150 on 01/04 (150 new), 100 on 01/10 (100 new): 250 people
  reported for a force of 241 (a data error: never over 100%, 9 flagged).
- MT military training 03/03: 1 reporter, 1 propagandist, 1 collaborator (all new);
  10/10: the same reporter again (0 new). i4 counts the reporter and the
  propagandist only: 2 of 3 people, 3 person-times.
- MT local trainings: 30 mediators on 03/03 (new), again on 03/06 and 03/09 (0 new).
- MT discipline returns (headcount, violations): 2021-03 (300, 9), 2022-03 (300, 6),
  2023-03 (300, 3), 2023-09 (300, 3), 2024-03 (300, 2), 2024-09 (300, 1).
  Per 100 person-months: 2021 3.0, 2022 2.0, 2023 1.0, 2024 0.5.
- BS returns: 2021-03 (100, 1), 2022-03 (100, 2), 2023-03 (100, 1), 2024-03 (200, 1):
  1.0, 2.0 (a rise), 1.0, 0.5.
- DC returns: 2023-03 (100000, 39), 2024-03 (100000, 37): 0.039 -> 0.037, a fall of 5.13%.
- Surveys: MT two (one passing) whose respondents say "not a key area" (the
  unit's tag still puts them in the segment); PX (urban, untagged) three:
  key area yes + pass, key area yes + fail, key area no + pass.
"""

from __future__ import annotations

from typing import Any

import pytest

from schemas.plan_report import IndicatorProgress, TallyReport

from .helpers import Api, record, session_answers, survey_answers


def _training(day: str, force: str, **counts: int) -> dict[str, Any]:
    return {"training_date": day, "course_name": "Tập huấn", "trainee_force": force, **counts}


def _discipline(day: str, headcount: int, violations: int) -> dict[str, Any]:
    return {
        "report_month": day,
        "force": "standing",
        "headcount": headcount,
        "violations_law": 0,
        "violations_discipline": violations,
    }


def _survey(day: str, *, correct: int, key_area: str) -> dict[str, Any]:
    return {**survey_answers(day, correct=correct), "key_area": key_area}


@pytest.fixture
def meaning(api: Api) -> Api:
    v2 = {"form_version": 2}
    mt = [
        record("outreach_session", session_answers("2024-02-10", soldiers=200, first_time=200), **v2),
        record("outreach_session", session_answers("2024-05-15", soldiers=200, first_time=0), **v2),
        record("outreach_session", session_answers("2024-09-20", soldiers=200, first_time=20), **v2),
        record(
            "training",
            _training(
                "2024-03-03",
                "military",
                trained_reporters=1,
                new_reporters=1,
                trained_propagandists=1,
                new_propagandists=1,
                trained_collaborators=1,
                new_collaborators=1,
            ),
            **v2,
        ),
        record("training", _training("2024-10-10", "military", trained_reporters=1, new_reporters=0), **v2),
        record("training", _training("2024-03-03", "local", trained_mediators=30, new_mediators=30), **v2),
        record("training", _training("2024-06-03", "local", trained_mediators=30, new_mediators=0), **v2),
        record("training", _training("2024-09-03", "local", trained_mediators=30, new_mediators=0), **v2),
        record("awareness_survey", _survey("2024-04-01", correct=6, key_area="no")),
        record("awareness_survey", _survey("2024-04-02", correct=1, key_area="no")),
    ]
    for day, head, viol in [
        ("2021-03-01", 300, 9),
        ("2022-03-01", 300, 6),
        ("2023-03-01", 300, 3),
        ("2023-09-01", 300, 3),
        ("2024-03-01", 300, 2),
        ("2024-09-01", 300, 1),
    ]:
        mt.append(record("discipline_return", _discipline(day, head, viol)))
    assert meaning_statuses(api, mt, "canbo")
    bs = [
        record("outreach_session", session_answers("2024-04-01", soldiers=150, first_time=150), **v2),
        record("outreach_session", session_answers("2024-10-01", soldiers=100, first_time=100), **v2),
    ]
    for day, head, viol in [
        ("2021-03-01", 100, 1),
        ("2022-03-01", 100, 2),
        ("2023-03-01", 100, 1),
        ("2024-03-01", 200, 1),
    ]:
        bs.append(record("discipline_return", _discipline(day, head, viol)))
    others = [dict(r, unit="HN-SS-BS", author="chihuy") for r in bs]
    others += [
        record("discipline_return", _discipline("2023-03-01", 100000, 39)),
        record("discipline_return", _discipline("2024-03-01", 100000, 37)),
    ]
    others[-2:] = [dict(r, unit="HN-BD-DC", author="chihuy") for r in others[-2:]]
    px = [
        record("awareness_survey", _survey("2024-05-01", correct=5, key_area="yes")),
        record("awareness_survey", _survey("2024-05-02", correct=2, key_area="yes")),
        record("awareness_survey", _survey("2024-05-03", correct=6, key_area="no")),
    ]
    others += [dict(r, unit="HN-BD-PX", author="chihuy") for r in px]
    assert meaning_statuses(api, others, "chihuy")
    return api


def meaning_statuses(api: Api, records: list[dict[str, Any]], user: str) -> bool:
    statuses = api.statuses(*records, user=user)
    assert statuses == ["stored"] * len(records), statuses
    return True


PERIODS = {
    "2024": {"period": "2024"},
    "H1": {"start": "2024-01-01", "end": "2024-06-30"},
    "H2": {"start": "2024-07-01", "end": "2024-12-31"},
    "phase": {"period": "phase:2021_2024"},
    "mid": {"start": "2023-07-01", "end": "2024-06-30"},
    "18m": {"start": "2023-01-01", "end": "2024-06-30"},
}


def _indicator(api: Api, unit: str, period: str, indicator_id: str) -> IndicatorProgress:
    resp = api.tallies("chihuy", unit=unit, **PERIODS[period])
    assert resp.status_code == 200, resp.text
    report = TallyReport.model_validate(resp.json())
    return next(i for i in report.totals if i.indicator_id == indicator_id)


# (unit, period, indicator): (people, denominator, pct, status, person-times, people over the headcount)
COVERAGE = {
    # repeated attendance: 600 person-times, 220 people, never 272.73%
    ("HN-SS-MT", "2024", "i2_forces_educated"): (220, 220, 100.0, "reached", 600, 0),
    # a half year: people as at its end (the year so far), person-times of its own days
    ("HN-SS-MT", "H1", "i2_forces_educated"): (200, 220, 90.91, "on_track", 400, 0),
    ("HN-SS-MT", "H2", "i2_forces_educated"): (220, 220, 100.0, "reached", 200, 0),
    ("HN-SS-MT", "phase", "i2_forces_educated"): (220, 220, 100.0, "reached", 600, 0),
    # more people reported than the force holds: capped, and the excess shown
    ("HN-SS-BS", "2024", "i2_forces_educated"): (241, 241, 100.0, "reached", 250, 9),
    ("HN-SS", "2024", "i2_forces_educated"): (461, 461, 100.0, "reached", 850, 9),
    # i4: the reporter and the propagandist, not the collaborator; the reporter once
    ("HN-SS-MT", "2024", "i4_military_propagandists"): (2, 3, 66.67, "on_track", 3, 0),
    ("HN-SS-MT", "H1", "i4_military_propagandists"): (2, 3, 66.67, "on_track", 2, 0),
    # i5: 30 mediators trained three times: 30 people, 90 person-times
    ("HN-SS-MT", "2024", "i5_local_propagandists"): (30, 61, 49.18, "behind", 90, 0),
    ("HN-SS", "2024", "i5_local_propagandists"): (30, 121, 24.79, "behind", 90, 0),
}


def test_indicators__coverage_counts_people_and_never_passes_100(meaning: Api) -> None:
    got = {}
    for unit, period, indicator_id in COVERAGE:
        p = _indicator(meaning, unit, period, indicator_id)
        assert p.kind == "coverage"
        got[(unit, period, indicator_id)] = (
            p.numerator,
            p.denominator,
            p.pct,
            p.status.value,
            p.person_times,
            p.over_count,
        )
    assert got == COVERAGE


# (unit, period): (rate, previous rate, change %, status, [each window's (start, rate)])
RATES = {
    # the phase: four years, falling every year
    ("HN-SS-MT", "phase"): (
        0.5,
        1.0,
        -50.0,
        "on_track",
        [("2021-01-01", 3.0), ("2022-01-01", 2.0), ("2023-01-01", 1.0), ("2024-01-01", 0.5)],
    ),
    # a span cut mid-year: its 12 months (5 / 600) against the 12 before (3 / 300)
    ("HN-SS-MT", "mid"): (0.8333, 1.0, -16.67, "on_track", [("2022-07-01", 1.0), ("2023-07-01", 0.833333)]),
    # a half year against the same half a year before: 2 / 300 against 3 / 300
    ("HN-SS-MT", "H1"): (0.6667, 1.0, -33.33, "on_track", [("2023-01-01", 1.0), ("2024-01-01", 0.666667)]),
    # 18 months: the last 12 against the 12 before, never overlapping
    ("HN-SS-MT", "18m"): (0.8333, 1.0, -16.67, "on_track", [("2022-07-01", 1.0), ("2023-07-01", 0.833333)]),
    # fell in the last year but rose in 2022: not falling every year
    ("HN-SS-BS", "phase"): (
        0.5,
        1.0,
        -50.0,
        "behind",
        [("2021-01-01", 1.0), ("2022-01-01", 2.0), ("2023-01-01", 1.0), ("2024-01-01", 0.5)],
    ),
    # small rates compared at full precision: 0.039 -> 0.037 is a fall of 5.13%
    ("HN-BD-DC", "2024"): (0.037, 0.039, -5.13, "on_track", [("2023-01-01", 0.039), ("2024-01-01", 0.037)]),
}


def test_indicators__violations_fall_over_equal_windows_at_full_precision(meaning: Api) -> None:
    got = {}
    for unit, period in RATES:
        p = _indicator(meaning, unit, period, "i3_violations_falling")
        windows = [(w.start.isoformat(), w.rate) for w in p.windows]
        got[(unit, period)] = (p.pct, p.previous_pct, p.change_pct, p.status.value, windows)
    assert got == RATES


def test_indicators__key_area_segment_takes_the_respondents_answer(meaning: Api) -> None:
    # Ba Đình is urban: only its respondents who say they live in a key area are in the segment
    bd = _indicator(meaning, "HN-BD", "2024", "i1_understanding")
    assert (bd.numerator, bd.denominator) == (2, 3)
    (seg,) = bd.segments
    assert (seg.numerator, seg.denominator, seg.pct) == (1, 2, 50.0)
    # the city: Minh Trí's two (a tagged unit: whatever they answered) and Phúc Xá's two
    hn = _indicator(meaning, "HN", "2024", "i1_understanding")
    assert (hn.numerator, hn.denominator) == (3, 5)
    (seg,) = hn.segments
    assert (seg.numerator, seg.denominator, seg.pct, seg.milestone_pct, seg.status.value) == (
        2,
        4,
        50.0,
        40,
        "on_track",
    )
