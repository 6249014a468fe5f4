"""Plan math: contributions of one record, milestones, progress status."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from schemas.catalog import latest_forms, shipped_forms, shipped_plans
from schemas.plan_check import check_plan
from schemas.plan_eval import evaluate, evaluate_plan, milestone_for
from schemas.plan_records import record_contributions, record_period
from schemas.plan_report import ProgressStatus
from schemas.plans import Plan
from schemas.records import Record

PLAN = shipped_plans()[0]
FORMS = latest_forms(shipped_forms())
NOW = datetime(2026, 11, 22, tzinfo=UTC)


def make(form_id, answers, status="final"):
    form = FORMS[form_id]
    return Record(
        id=uuid.uuid4(),
        form_id=form_id,
        form_version=form.version,
        unit="HN-SS-MT",
        author="canbo",
        device="d1",
        created_at=NOW,
        updated_at=NOW,
        revision=1,
        status=status,
        answers=answers,
    )


def ind(indicator_id):
    return next(i for i in PLAN.indicators if i.id == indicator_id)


def test_plans__hanoi_plan_has_all_five_indicators_with_milestones():
    assert sorted(i.number for i in PLAN.indicators) == [1, 2, 3, 4, 5]
    assert ind("i1_understanding").target_pct == 90
    i1 = ind("i1_understanding")
    assert [(m.due, m.level(i1.target_pct)) for m in i1.milestones] == [
        (date(2024, 12, 31), 50),
        (date(2027, 12, 31), 90),
    ]
    seg = i1.segments[0]
    assert (seg.tags, seg.target_pct) == (["key_area", "suburban"], 70)
    assert [(m.due, m.level(seg.target_pct)) for m in seg.milestones] == [
        (date(2024, 12, 31), 40),
        (date(2027, 12, 31), 70),
    ]
    assert [(m.due, m.pct) for m in ind("i2_forces_educated").milestones][0] == (date(2024, 12, 31), 60)
    assert ind("i3_violations_falling").kind == "decrease"
    assert {m.form_id for m in PLAN.measures} == {
        "awareness_survey",
        "outreach_session",
        "training",
        "discipline_return",
        "mediation_case",
    }
    assert check_plan(PLAN, shipped_forms()) == []


def test_plans__survey_contributes_to_surveys_and_understanding_only_when_passed():
    passed = make("awareness_survey", {"survey_date": "2026-11-20", "has_understanding": "yes"})
    failed = make("awareness_survey", {"survey_date": "2026-11-20", "has_understanding": "no"})
    assert record_contributions(passed, FORMS["awareness_survey"], PLAN) == {
        "surveys": 1,
        "surveys_understanding": 1,
    }
    assert record_contributions(failed, FORMS["awareness_survey"], PLAN) == {"surveys": 1}


def test_plans__drafts_and_voids_contribute_nothing():
    for status in ("draft", "void"):
        r = make("awareness_survey", {"has_understanding": "yes"}, status=status)
        assert record_contributions(r, FORMS["awareness_survey"], PLAN) == {}


def test_plans__sums_add_the_named_fields_under_a_filter():
    t = make(
        "training",
        {
            "training_date": "2026-05-01",
            "trainee_force": "local",
            "trained_mediators": 7,
            "trained_collaborators": 3,
        },
    )
    assert record_contributions(t, FORMS["training"], PLAN) == {"local_trained": 10}
    o = make(
        "outreach_session", {"session_date": "2026-05-02", "attendees_soldiers": 40, "topics": ["border"]}
    )
    assert record_contributions(o, FORMS["outreach_session"], PLAN) == {
        "sessions": 1,
        "attendees_soldiers": 40,
    }


def test_plans__a_record_counts_on_its_form_date():
    r = make("outreach_session", {"session_date": "2025-03-04"})
    assert record_period(r, FORMS["outreach_session"]) == date(2025, 3, 4)
    assert record_period(make("outreach_session", {}), FORMS["outreach_session"]) == NOW.date()


def test_plans__the_milestone_is_the_next_one_due():
    i1 = ind("i1_understanding")
    assert milestone_for(i1, date(2024, 6, 30)).pct == 50
    assert milestone_for(i1, date(2024, 12, 31)).pct == 50
    assert milestone_for(i1, date(2025, 1, 1)).level(90) == 90
    assert milestone_for(i1, date(2030, 1, 1)).level(90) == 90


@pytest.mark.parametrize(
    ("num", "den", "end", "status", "pct"),
    [
        (2, 3, date(2024, 12, 31), ProgressStatus.ON_TRACK, 66.67),  # 66.67% >= 50% milestone
        (2, 3, date(2026, 12, 31), ProgressStatus.BEHIND, 66.67),  # below the 90% due in 2027
        (9, 10, date(2026, 12, 31), ProgressStatus.REACHED, 90.0),
        (1, 4, date(2024, 12, 31), ProgressStatus.BEHIND, 25.0),
        (5, 0, date(2024, 12, 31), ProgressStatus.NO_DATA, None),
    ],
)
def test_plans__evaluate_status(num, den, end, status, pct):
    p = evaluate(ind("i1_understanding"), num, den, end)
    assert (p.status, p.pct) == (status, pct)


def test_plans__evaluate_plan_divides_by_baselines_or_measures():
    # i2 and i5 count people reached this year (coverage); person-times are shown beside them
    sums = {
        "surveys": 4,
        "surveys_understanding": 3,
        "soldiers_reached": 30,
        "attendees_soldiers": 75,
        "local_reached": 9,
    }
    baselines = {"standing_force": 20, "reserve_force": 10, "militia": 20, "local_propagandists": 10}
    out = {p.indicator_id: p for p in evaluate_plan(PLAN, sums, baselines, date(2026, 12, 31))}
    assert out["i1_understanding"].pct == 75.0
    assert (out["i2_forces_educated"].numerator, out["i2_forces_educated"].denominator) == (30, 50)
    assert out["i2_forces_educated"].person_times == 75
    assert out["i5_local_propagandists"].status == ProgressStatus.REACHED
    assert out["i4_military_propagandists"].status == ProgressStatus.NO_DATA


def test_plans__a_plan_with_a_dangling_reference_is_refused():
    raw = PLAN.model_dump(mode="json")
    raw["indicators"][0]["numerator"] = "nope"
    with pytest.raises(ValidationError, match="unknown measure nope"):
        Plan.model_validate(raw)


# --- segments, decrease, ranking, periods, plan files ------------------------------------------

from schemas.periods import PeriodError, buckets, parse_period, year_before  # noqa: E402
from schemas.plan_check import PlanFileError, read_plan  # noqa: E402
from schemas.plan_eval import Aggregate, shortfall  # noqa: E402
from schemas.plan_report import UnitTally, rank_children  # noqa: E402
from schemas.plans import Milestone  # noqa: E402
from schemas.units import Unit, effective_tags  # noqa: E402


def test_milestone__exactly_one_level_and_share_of_target():
    assert Milestone(due=date(2027, 12, 31), of_target=50).level(90) == 45
    with pytest.raises(ValidationError, match="exactly one"):
        Milestone(due=date(2027, 12, 31), pct=50, of_target=100)
    with pytest.raises(ValidationError, match="exactly one"):
        Milestone(due=date(2027, 12, 31))


def test_evaluate_plan__segment_targets_are_judged_on_their_own_sums():
    sums = {"surveys": 10, "surveys_understanding": 6}
    seg = {"key_suburban": Aggregate(sums={"surveys": 5, "surveys_understanding": 2})}
    i1 = evaluate_plan(PLAN, sums, {}, date(2024, 12, 31), segments=seg)[0]
    assert (i1.pct, i1.milestone_pct, i1.status) == (60.0, 50, ProgressStatus.ON_TRACK)
    (s,) = i1.segments
    assert (s.segment_id, s.numerator, s.denominator, s.pct) == ("key_suburban", 2, 5, 40.0)
    assert (s.milestone_pct, s.status, s.gap) == (40, ProgressStatus.ON_TRACK, 0)
    later = evaluate_plan(PLAN, sums, {}, date(2026, 12, 31), segments=seg)[0]
    assert (later.segments[0].milestone_pct, later.segments[0].status, later.segments[0].gap) == (
        70,
        ProgressStatus.BEHIND,
        30.0,
    )
    assert (later.milestone_pct, later.gap) == (90, 30.0)


@pytest.mark.parametrize(
    ("now", "before", "status", "change"),
    [
        ((3, 600), (6, 600), ProgressStatus.ON_TRACK, -50.0),  # 0.5 per 100 person-months, was 1.0
        ((6, 600), (3, 600), ProgressStatus.BEHIND, 100.0),
        ((3, 600), (3, 600), ProgressStatus.BEHIND, 0.0),  # not falling
        ((0, 600), (3, 600), ProgressStatus.REACHED, -100.0),  # no violations at all
        ((3, 600), (0, 0), ProgressStatus.NO_DATA, None),  # nothing to compare with
        ((0, 0), (3, 600), ProgressStatus.NO_DATA, None),
    ],
)
def test_evaluate_plan__violations_must_fall_year_on_year(now, before, status, change):
    cur = {"violations": now[0], "return_headcount": now[1]}
    prev = Aggregate(sums={"violations": before[0], "return_headcount": before[1]})
    out = {p.indicator_id: p for p in evaluate_plan(PLAN, cur, {}, date(2026, 12, 31), previous=prev)}
    i3 = out["i3_violations_falling"]
    assert (i3.kind, i3.status, i3.change_pct) == ("decrease", status, change)


def test_shortfall__ranks_the_furthest_behind_first():
    def unit(code, surveys, passed, trained):
        progress = evaluate_plan(
            PLAN,
            {"surveys": surveys, "surveys_understanding": passed, "local_reached": trained},
            {"local_propagandists": 100},
            date(2024, 12, 31),
        )
        # only i1 (surveys) and i5 (local trained) are judged: the others divide by absent baselines
        return UnitTally(unit=code, unit_name=code, indicators=progress, shortfall=shortfall(PLAN, progress))

    a = unit("A", 10, 8, 50)  # i1 80% >= 50, i5 50% >= 50: nothing missing
    b = unit("B", 10, 2, 25)  # i1 20% of 50 -> 0.6 short, i5 25% of 50 -> 0.5 short
    c = unit("C", 0, 0, 0)  # no surveys at all (1.0), nobody trained (1.0)
    assert (a.shortfall, b.shortfall, c.shortfall) == (0.0, 0.55, 1.0)
    assert [u.unit for u in rank_children([a, b, c])] == ["C", "B", "A"]


def test_periods__names_buckets_and_the_year_before():
    phases = PLAN.phase_spans()
    assert parse_period("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert parse_period("2024-Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert parse_period("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert parse_period("phase:2021_2024", phases=phases) == (date(2021, 1, 1), date(2024, 12, 31))
    for bad in ("2024-13", "24", "phase:nope", "Q1-2024"):
        with pytest.raises(PeriodError):
            parse_period(bad, phases=phases)
    assert buckets(date(2024, 2, 10), date(2024, 4, 5), "month") == [
        (date(2024, 2, 10), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 31)),
        (date(2024, 4, 1), date(2024, 4, 5)),
    ]
    assert len(buckets(date(2021, 1, 1), date(2027, 12, 31), "quarter")) == 28
    assert year_before((date(2024, 2, 29), date(2024, 12, 31))) == (date(2023, 2, 28), date(2023, 12, 31))


def test_effective_tags__a_suburban_district_makes_its_communes_suburban():
    units = [
        Unit(code="HN", name="a", type="city"),
        Unit(code="SS", name="b", type="district", parent="HN", tags=["suburban"]),
        Unit(code="MT", name="c", type="commune", parent="SS", tags=["key_area"]),
        Unit(code="T", name="d", type="mediation_team", parent="MT"),
    ]
    tags = effective_tags(units)
    assert tags["T"] == {"suburban", "key_area"} and tags["HN"] == frozenset()


def test_read_plan__every_problem_is_named_in_both_languages():
    raw = PLAN.model_dump(mode="json")
    raw["measures"][0]["form_id"] = "no_form"
    raw["measures"][4]["where"] = {"trainee_force": "navy"}
    raw["measures"][3]["fields"] = ["place"]
    raw["indicators"][1]["denominator"]["keys"] = ["soldiers"]
    with pytest.raises(PlanFileError) as exc:
        read_plan(json.dumps(raw), shipped_forms())
    codes = [i.code for i in exc.value.issues]
    assert codes == ["unknown_form", "not_a_number_field", "bad_choice", "unknown_baseline"]
    assert all(i.message.vi and i.message.en for i in exc.value.issues)
    with pytest.raises(PlanFileError) as exc:
        read_plan("{not json", shipped_forms())
    assert exc.value.issues[0].code == "bad_json"
    raw = PLAN.model_dump(mode="json")
    raw["indicators"][0]["milestones"] = [{"due": "2024-12-31"}]
    with pytest.raises(PlanFileError, match="exactly one of pct and of_target"):
        read_plan(json.dumps(raw), shipped_forms())
    assert read_plan(json.dumps(PLAN.model_dump(mode="json")), shipped_forms()) == PLAN
