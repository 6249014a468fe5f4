"""Choice filters: a select question offers only the choices its filter lets through, on both sides."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from pydantic import ValidationError

from schemas.expr import ExpressionError, parse
from schemas.form_deps import field_readers, refresh_triggers
from schemas.form_features import CHOICE_FILTER, READS, form_features
from schemas.form_state import EntryState, choices_for, derive_answers, form_state
from schemas.form_validation import validate_answers
from schemas.forms import FormDefinition
from tests.support.choice_forms import choice_form

TODAY = date(2026, 11, 22)
FORM = FormDefinition.model_validate(choice_form())


def offered(name: str, answers: dict) -> list[str]:
    field = FORM.field(name)
    assert field is not None
    return [c.value for c in choices_for(field, form_state(FORM, answers).env)]


def codes(issues):
    return sorted((i.field, i.code) for i in issues)


def good(**over):
    answers = {
        "held_on": "2026-11-20",
        "province": "hn",
        "district": "bd",
        "kind": "talk",
        "topics": ["drugs"],
    }
    answers.update(over)
    return answers


def test_choice_filter__district_follows_the_province():
    assert offered("district", {"province": "hn"}) == ["bd", "hk"]
    assert offered("district", {"province": "hp"}) == ["lc"]
    assert offered("district", {}) == []  # nothing chosen above: nothing matches, as in ODK


def test_choice_filter__select_many_and_blank_columns():
    # a choice with no 'kinds' reads it as blank, so "drugs" is offered for every kind
    assert offered("topics", {"kind": "talk"}) == ["drugs", "family"]
    assert offered("topics", {"kind": "forum"}) == ["drugs", "land", "family"]
    assert offered("province", {}) == ["hn", "hp"]  # no filter: every choice


def test_choice_filter__an_answer_the_filter_refuses_is_an_issue_in_both_languages():
    assert validate_answers(FORM, good(), final=True, today=TODAY) == []
    issues = validate_answers(FORM, good(province="hp"), final=True, today=TODAY)
    assert codes(issues) == [("district", "not_offered")]
    assert "Ba Đình" in issues[0].message.vi and "Huyện" in issues[0].message.vi
    assert "Ba Dinh" in issues[0].message.en and "not offered" in issues[0].message.en
    issues = validate_answers(FORM, good(topics=["drugs", "land"]), final=False, today=TODAY)
    assert codes(issues) == [("topics", "not_offered")]
    assert "Land" in issues[0].message.en
    # a value that is no choice at all stays "bad_choice", not "not_offered"
    assert codes(validate_answers(FORM, good(district="zz"), final=True, today=TODAY)) == [
        ("district", "bad_choice")
    ]


def test_choice_filter__inside_a_repeat_entries_read_the_record_and_the_choice_name():
    repeat = FORM.field("homes")
    assert repeat is not None
    commune = repeat.fields[0]
    outer = form_state(FORM, good()).env
    assert [c.value for c in choices_for(commune, EntryState(repeat, outer, {}).env)] == ["phuc_xa"]
    answers = good(homes=[{"commune": "phuc_xa"}, {"commune": "hang_bac"}, {"commune": "closed"}])
    issues = validate_answers(FORM, answers, final=True, today=TODAY)
    assert codes(issues) == [("homes[2].commune", "not_offered"), ("homes[3].commune", "not_offered")]
    assert issues[0].message.en.startswith("Home 2: ")
    assert (
        validate_answers(FORM, good(district="hk", homes=[{"commune": "hang_bac"}]), final=True, today=TODAY)
        == []
    )


def test_choice_filter__a_hidden_answer_counts_as_blank():
    data = choice_form()
    data["fields"][1]["relevant"] = "${kind} = 'forum'"
    data["fields"][1]["required"] = False
    data["fields"][2]["required"] = False
    form = FormDefinition.model_validate(data)
    district = form.field("district")
    assert district is not None
    env = form_state(form, {"kind": "talk", "province": "hn"}).env
    assert choices_for(district, env) == []


def test_choice_filter__dependencies_refresh_the_options():
    assert "district" in field_readers(FORM)["province"]
    assert "homes" in field_readers(FORM)["district"]  # the repeat's commune reads it
    assert {"province", "kind", "district"} <= refresh_triggers(FORM)


def test_choice_filter__columns_only_in_choice_filters():
    assert parse("@province = ${p}", choice_filter=True).columns == {"province"}
    assert parse("@province = ${p}", choice_filter=True).refs == {"p"}
    with pytest.raises(ExpressionError, match="only for choice filters"):
        parse("@province = ${p}")
    data = choice_form()
    data["fields"][1]["relevant"] = "@province = 'hn'"
    with pytest.raises(ValidationError, match="only for choice filters"):
        FormDefinition.model_validate(data)


@pytest.mark.parametrize(
    ("where", "change", "message"),
    [
        (2, {"choice_filter": "@region = ${province}"}, "its choices have no column 'region'"),
        (2, {"choice_filter": "@province = ${nowhere}"}, "refers to unknown field nowhere"),
        (2, {"choice_filter": "@province = ."}, "only for constraints"),
        (2, {"choice_filter": "@province = = 1"}, "choice_filter"),
        (0, {"choice_filter": "${province} = 'hn'"}, "only a select question has a choice filter"),
    ],
)
def test_choice_filter__bad_filters_are_refused_when_the_form_loads(where, change, message):
    data = copy.deepcopy(choice_form())
    data["fields"][where].update(change)
    with pytest.raises(ValidationError, match=message):
        FormDefinition.model_validate(data)


def test_choice_filter__a_repeat_filter_reading_an_unknown_field_is_refused():
    data = choice_form()
    data["fields"][5]["fields"][0]["choice_filter"] = "@district = ${somewhere}"
    with pytest.raises(ValidationError, match="homes.commune refers to unknown field somewhere"):
        FormDefinition.model_validate(data)


def test_choice_filter__columns_are_bounded_and_name_is_reserved():
    data = choice_form()
    data["fields"][2]["choices"][0]["filters"] = {"name": "x"}
    with pytest.raises(ValidationError, match="'name' is the choice's value"):
        FormDefinition.model_validate(data)
    data = choice_form()
    data["fields"][2]["choices"][0]["filters"] = {f"c{n}": "x" for n in range(33)}
    with pytest.raises(ValidationError):
        FormDefinition.model_validate(data)
    data = choice_form()
    data["fields"][2]["choices"][0]["filters"] = {"province": "x" * 201}
    with pytest.raises(ValidationError):
        FormDefinition.model_validate(data)


def test_choice_filter__derived_answers_keep_the_answer_and_the_json_is_compact():
    assert derive_answers(FORM, good())["district"] == "bd"
    dumped = FORM.model_dump(mode="json")
    assert "filters" not in dumped["fields"][1]["choices"][0]
    assert "choice_filter" not in dumped["fields"][1]
    assert FormDefinition.model_validate(dumped) == FORM


def test_choice_filter__is_a_form_feature_this_app_reads():
    assert form_features(FORM) == {CHOICE_FILTER}
    assert CHOICE_FILTER in READS
