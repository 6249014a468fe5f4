"""The pure parts of what indicators mean: windows, coverage as a stock, segments from answers."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from schemas.catalog import shipped_plans
from schemas.periods import coverage_span, parse_period, rate_windows
from schemas.plan_eval import Aggregate, evaluate_plan, segment_sums
from schemas.plan_report import ProgressStatus
from schemas.plans import Plan

PLAN = shipped_plans()[0]
D = date.fromisoformat


def spans(pairs):
    return [(D(a), D(b)) for a, b in pairs]


@pytest.mark.parametrize(
    ("start", "end", "windows"),
    [
        # shorter than a year: the same days a year before
        ("2024-01-01", "2024-06-30", [("2023-01-01", "2023-06-30"), ("2024-01-01", "2024-06-30")]),
        # one year: the year before
        ("2024-01-01", "2024-12-31", [("2023-01-01", "2023-12-31"), ("2024-01-01", "2024-12-31")]),
        # a phase: its four years, none overlapping
        (
            "2021-01-01",
            "2024-12-31",
            [
                ("2021-01-01", "2021-12-31"),
                ("2022-01-01", "2022-12-31"),
                ("2023-01-01", "2023-12-31"),
                ("2024-01-01", "2024-12-31"),
            ],
        ),
        # cut mid-year: 12 months ending on its last day, and the 12 before
        ("2023-07-01", "2024-06-30", [("2022-07-01", "2023-06-30"), ("2023-07-01", "2024-06-30")]),
        ("2023-01-01", "2024-06-30", [("2022-07-01", "2023-06-30"), ("2023-07-01", "2024-06-30")]),
        # 29 February
        ("2024-03-01", "2025-02-28", [("2023-03-01", "2024-02-29"), ("2024-03-01", "2025-02-28")]),
    ],
)
def test_rate_windows__equal_and_never_overlapping(start, end, windows):
    got = rate_windows(D(start), D(end))
    assert got == spans(windows)
    assert all(b[0] > a[1] for a, b in zip(got, got[1:], strict=False))


def test_coverage_span__the_year_of_the_end_up_to_the_end():
    assert coverage_span(D("2024-06-30")) == (D("2024-01-01"), D("2024-06-30"))
    assert coverage_span(D("2024-12-31")) == (D("2024-01-01"), D("2024-12-31"))


def test_periods__six_months_by_name():
    assert parse_period("2024-H1") == (D("2024-01-01"), D("2024-06-30"))
    assert parse_period("2024-h2") == (D("2024-07-01"), D("2024-12-31"))


def _by_id(progress):
    return {p.indicator_id: p for p in progress}


def test_coverage__people_capped_at_the_headcount_with_the_excess_shown():
    sums = {"soldiers_reached": 130, "attendees_soldiers": 600, "military_reached": 2, "military_trained": 5}
    baselines = {"standing_force": 100, "military_reporters": 1, "military_propagandists": 2}
    got = _by_id(evaluate_plan(PLAN, sums, baselines, date(2024, 12, 31)))
    i2 = got["i2_forces_educated"]
    assert (i2.kind, i2.numerator, i2.denominator, i2.pct, i2.person_times, i2.over_count) == (
        "coverage",
        100,
        100,
        100.0,
        600,
        30,
    )
    assert i2.status == ProgressStatus.REACHED
    i4 = got["i4_military_propagandists"]
    assert (i4.numerator, i4.pct, i4.person_times, i4.over_count, i4.gap) == (2, 66.67, 5, 0, 0)


def test_decrease__compared_at_full_precision_and_every_year():
    def w(a, b, violations, headcount):
        return (D(a), D(b), Aggregate(sums={"violations": violations, "return_headcount": headcount}))

    small = [w("2023-01-01", "2023-12-31", 39, 100000), w("2024-01-01", "2024-12-31", 37, 100000)]
    i3 = _by_id(evaluate_plan(PLAN, {}, {}, date(2024, 12, 31), windows=small))["i3_violations_falling"]
    assert (i3.pct, i3.previous_pct, i3.change_pct, i3.status) == (
        0.037,
        0.039,
        -5.13,
        ProgressStatus.ON_TRACK,
    )
    rose_once = [
        w("2021-01-01", "2021-12-31", 1, 100),
        w("2022-01-01", "2022-12-31", 2, 100),
        w("2023-01-01", "2023-12-31", 1, 100),
        w("2024-01-01", "2024-12-31", 1, 200),
    ]
    i3 = _by_id(evaluate_plan(PLAN, {}, {}, date(2024, 12, 31), windows=rose_once))["i3_violations_falling"]
    assert (i3.pct, i3.change_pct, i3.status) == (0.5, -50.0, ProgressStatus.BEHIND)
    assert [x.rate for x in i3.windows] == [1.0, 2.0, 1.0, 0.5]


def test_segment_sums__tagged_units_and_respondents_elsewhere_each_once():
    answers = {"surveys": "surveys_key_area"}
    tagged = {"surveys": 5, "surveys_key_area": 3}  # 3 of the tagged units' 5 respondents said "key area"
    everywhere = {"surveys": 12, "surveys_key_area": 7}  # so 4 said it elsewhere
    assert segment_sums(answers, tagged, everywhere) == {"surveys": 9, "surveys_key_area": 3}


def test_plan__a_coverage_measure_read_as_a_flow_is_refused():
    raw = PLAN.model_dump(mode="json")
    i1 = next(i for i in raw["indicators"] if i["id"] == "i1_understanding")
    i1["numerator"] = "soldiers_reached"
    with pytest.raises(ValidationError, match="reads coverage measure soldiers_reached"):
        Plan.model_validate(raw)


def test_plan__every_assumption_is_said_in_both_languages():
    abouts = {a.about for a in PLAN.assumptions}
    assert {
        "issuer",
        "i1_understanding",
        "i5_local_propagandists.key_suburban",
        "form:awareness_survey.quiz",
    } <= abouts
    assert all(a.text.vi and a.text.en for a in PLAN.assumptions)
