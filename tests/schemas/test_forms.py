"""The shared validator: the same rules on the phone and on the server."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from schemas.catalog import latest_forms, shipped_forms
from schemas.form_state import derive_answers, quiz_score
from schemas.form_validation import validate_answers
from schemas.forms import FormDefinition

TODAY = date(2026, 11, 22)
SURVEY = latest_forms(shipped_forms())["awareness_survey"]
OUTREACH = latest_forms(shipped_forms())["outreach_session"]
CORRECT = {f.name: f.quiz.correct for f in SURVEY.quiz_fields()}


def good_survey(**over):
    answers = {
        "survey_date": "2026-11-20",
        "respondent_group": "citizen",
        "age_band": "30_44",
        "sex": "female",
        "key_area": "yes",
        **CORRECT,
    }
    answers.update(over)
    return answers


def codes(issues):
    return sorted((i.field, i.code) for i in issues)


def test_forms__shipped_forms_load_with_both_languages():
    forms = latest_forms(shipped_forms())
    assert {"outreach_session", "awareness_survey", "training"} <= set(forms)
    for form in forms.values():
        assert form.title.vi and form.title.en
        for f in form.fields:
            assert f.label.vi and f.label.en, f.name
            for c in f.choices:
                assert c.label.vi and c.label.en


def test_forms__a_complete_survey_is_valid():
    assert validate_answers(SURVEY, good_survey(), final=True, today=TODAY) == []


def test_forms__final_needs_required_answers_but_a_draft_does_not():
    answers = {"survey_date": "2026-11-20"}
    assert validate_answers(SURVEY, answers, final=False, today=TODAY) == []
    issues = validate_answers(SURVEY, answers, final=True, today=TODAY)
    assert ("sex", "required") in codes(issues)
    sex = next(i for i in issues if i.field == "sex")
    assert sex.message.vi == "«Giới tính» là bắt buộc."
    assert sex.message.en == "“Sex” is required."


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("attendees_citizens", -3, "too_small"),
        ("attendees_citizens", 1_000_000, "too_large"),
        ("attendees_citizens", "mười", "not_integer"),
        ("attendees_citizens", 2.5, "not_integer"),
        ("attendees_citizens", True, "not_integer"),
        ("format", "concert", "bad_choice"),
        ("topics", ["border", "border"], "bad_choice"),
        ("topics", "border", "bad_choice"),
        ("session_date", "1900-01-01", "date_too_early"),
        ("session_date", "2027-06-01", "date_in_future"),
        ("session_date", "31/02/2026", "bad_date"),
        ("place", "x" * 201, "too_long"),
        ("place", 12, "not_text"),
    ],
)
def test_forms__bad_values_get_a_clear_code(field, value, code):
    answers = {"session_date": "2026-11-01", "place": "Thôn Đông", "format": "meeting", "topics": ["border"]}
    answers[field] = value
    issues = validate_answers(OUTREACH, answers, final=True, today=TODAY)
    assert (field, code) in codes(issues)
    assert all(i.message.vi and i.message.en for i in issues)


def test_forms__unknown_question_is_reported():
    issues = validate_answers(SURVEY, good_survey(hacker="x"), final=True, today=TODAY)
    assert codes(issues) == [("hacker", "unknown_field")]


def test_forms__quiz_is_scored_and_the_pass_mark_decides():
    assert quiz_score(SURVEY, good_survey()) == 6
    passed = derive_answers(SURVEY, good_survey())
    assert (passed["quiz_score"], passed["has_understanding"]) == (6, "yes")
    wrong = {name: "b" if v != "b" else "a" for name, v in CORRECT.items()}
    names = list(CORRECT)
    three_right = good_survey(**{n: wrong[n] for n in names[:3]})
    failed = derive_answers(SURVEY, three_right)
    assert (failed["quiz_score"], failed["has_understanding"]) == (3, "no")
    four_right = derive_answers(SURVEY, good_survey(**{n: wrong[n] for n in names[:2]}))
    assert four_right["has_understanding"] == "yes"


def test_forms__calculated_answers_sent_by_a_phone_are_recomputed():
    lying = good_survey(**{list(CORRECT)[0]: "b"}, quiz_score=99, has_understanding="yes")
    derived = derive_answers(SURVEY, lying)
    assert derived["quiz_score"] == 5


def test_forms__definition_errors_are_caught():
    raw = SURVEY.model_dump(mode="json")
    raw["period_field"] = "sex"
    with pytest.raises(ValidationError, match="period_field"):
        FormDefinition.model_validate(raw)
    raw = SURVEY.model_dump(mode="json")
    raw["fields"].append(raw["fields"][0])
    with pytest.raises(ValidationError, match="repeat"):
        FormDefinition.model_validate(raw)


# ---- every question type, logic, quiz bank, versions ----------------------------------------------

from schemas.form_state import form_state  # noqa: E402
from schemas.quiz import expand_bank_questions, shipped_bank  # noqa: E402

YES_NO = [
    {"value": "yes", "label": {"vi": "Có", "en": "Yes"}},
    {"value": "no", "label": {"vi": "Không", "en": "No"}},
]


def L(vi, en=None):  # noqa: N802
    return {"vi": vi, "en": en or vi}


def make_form(fields, **extra):
    return FormDefinition.model_validate(
        {
            "id": "check",
            "version": 1,
            "title": L("Kiểm tra", "Check"),
            "period_field": "d",
            "fields": [{"name": "d", "type": "date", "label": L("Ngày", "Date"), "required": True}, *fields],
            **extra,
        }
    )


ALL_TYPES = make_form(
    [
        {"name": "intro", "type": "note", "label": L("Đọc kỹ", "Read carefully")},
        {"name": "t", "type": "time", "label": L("Giờ", "Time")},
        {"name": "loc", "type": "geopoint", "label": L("Vị trí", "Location")},
        {
            "name": "grid",
            "type": "count_grid",
            "label": L("Số lượt", "Attendance"),
            "rows": [
                {"value": "cadres", "label": L("Cán bộ", "Cadres")},
                {"value": "citizens", "label": L("Nhân dân", "Citizens")},
            ],
        },
        {"name": "code", "type": "text", "label": L("Mã", "Code"), "min_length": 3, "pattern": "[A-Z0-9]+"},
        {
            "name": "total",
            "type": "calculated",
            "label": L("Tổng", "Total"),
            "calculation": "grid-total(${grid})",
        },
        {
            "name": "women",
            "type": "calculated",
            "label": L("Nữ", "Women"),
            "calculation": "grid-col(${grid}, 'female')",
        },
    ]
)


def test_forms__count_grid_gets_female_and_male_columns_by_default():
    grid = ALL_TYPES.field("grid")
    assert [(c.value, c.label.vi) for c in grid.columns] == [("female", "Nữ"), ("male", "Nam")]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("t", "25:00", "bad_time"),
        ("t", "7:5", "bad_time"),
        ("t", 730, "bad_time"),
        ("loc", {"lat": 91, "lon": 105}, "bad_location"),
        ("loc", {"lat": 21.0, "lon": "105"}, "bad_location"),
        ("loc", {"lat": 21.0, "lon": 105.8, "evil": 1}, "bad_location"),
        ("loc", "21.0 105.8", "bad_location"),
        ("grid", {"cadres": {"female": -1}}, "grid_cell"),
        ("grid", {"cadres": {"female": 2.5}}, "grid_cell"),
        ("grid", {"cadres": {"female": True}}, "grid_cell"),
        ("grid", {"cadres": {"female": 1_000_000}}, "grid_cell"),
        ("grid", {"soldiers": {"female": 1}}, "bad_grid"),
        ("grid", {"cadres": {"other": 1}}, "bad_grid"),
        ("grid", [1, 2], "bad_grid"),
        ("code", "AB", "too_short"),
        ("code", "ab-c", "pattern"),
    ],
)
def test_forms__new_types_reject_bad_values(field, value, code):
    issues = validate_answers(ALL_TYPES, {"d": "2026-11-20", field: value}, final=True, today=TODAY)
    assert (field, code) in codes(issues)
    assert all(i.message.vi and i.message.en for i in issues)


def test_forms__grid_cell_message_names_the_cell_in_both_languages():
    issues = validate_answers(
        ALL_TYPES, {"d": "2026-11-20", "grid": {"citizens": {"male": -4}}}, final=False, today=TODAY
    )
    assert issues[0].message.vi == "«Số lượt» — Nhân dân, Nam: phải là số nguyên từ 0 đến 100000."
    assert issues[0].message.en == "“Attendance” — Citizens, Male: must be a whole number from 0 to 100000."


def test_forms__good_values_of_new_types_pass_and_grid_totals_are_calculated():
    answers = {
        "d": "2026-11-20",
        "t": "07:30",
        "loc": {"lat": 22.84, "lon": 104.98, "accuracy": 12.5},
        "grid": {"cadres": {"female": 3, "male": 4}, "citizens": {"female": 20}},
        "code": "HG01",
    }
    assert validate_answers(ALL_TYPES, answers, final=True, today=TODAY) == []
    stored = derive_answers(ALL_TYPES, {**answers, "total": 999, "intro": "x"})
    assert (stored["total"], stored["women"]) == (27, 23)
    assert "intro" not in stored  # a note is never an answer


LOGIC = make_form(
    [
        {
            "name": "age",
            "type": "integer",
            "label": L("Tuổi", "Age"),
            "required": True,
            "constraint": ". >= 16 and . <= 100",
            "constraint_message": L("Tuổi từ 16 đến 100", "Age 16 to 100"),
        },
        {
            "name": "topics",
            "type": "select_many",
            "label": L("Nội dung", "Topics"),
            "choices": [{"value": v, "label": L(v)} for v in ("drugs", "border", "traffic")],
        },
        {
            "name": "q_drugs",
            "type": "select_one",
            "label": L("Ma túy", "Drugs"),
            "required": True,
            "choices": YES_NO,
            "relevant": "${age} >= 18 and selected(${topics}, 'drugs')",
        },
        {
            "name": "why",
            "type": "text",
            "label": L("Vì sao", "Why"),
            "relevant": "${q_drugs} = 'no'",
            "required": True,
        },
        {"name": "people", "type": "integer", "label": L("Số người", "People")},
        {"name": "women", "type": "integer", "label": L("Số nữ", "Women"), "constraint": ". <= ${people}"},
        {
            "name": "note",
            "type": "text",
            "label": L("Ghi chú", "Note"),
            "required_if": "count-selected(topics) > 2",
        },
    ]
)


def test_forms__relevance_hides_questions_and_what_depends_on_them():
    base = {"d": "2026-11-20", "age": 40, "topics": ["drugs"]}
    assert codes(validate_answers(LOGIC, base, final=True, today=TODAY)) == [("q_drugs", "required")]
    assert form_state(LOGIC, base).hidden == {"why"}
    # chain: q_drugs hidden (too young) => "why" hidden too, even though its old answer says 'no'
    young = {**base, "age": 17, "q_drugs": "no"}
    state = form_state(LOGIC, young)
    assert state.hidden == {"q_drugs", "why"}
    assert validate_answers(LOGIC, young, final=True, today=TODAY) == []
    assert "q_drugs" not in derive_answers(LOGIC, young)


def test_forms__a_hidden_answer_is_not_checked_and_not_stored():
    answers = {"d": "2026-11-20", "age": 40, "topics": ["border"], "q_drugs": "maybe"}
    assert validate_answers(LOGIC, answers, final=True, today=TODAY) == []
    assert "q_drugs" not in derive_answers(LOGIC, answers)


def test_forms__constraints_with_their_messages_and_across_fields():
    base = {"d": "2026-11-20", "age": 12, "people": 10, "women": 11}
    issues = validate_answers(LOGIC, base, final=False, today=TODAY)
    assert codes(issues) == [("age", "constraint"), ("women", "constraint")]
    assert issues[0].message.vi == "Tuổi từ 16 đến 100"
    assert issues[1].message.vi == "«Số nữ»: giá trị không hợp lệ."
    # the constraint is not run on a value that is already wrong for its type
    assert codes(validate_answers(LOGIC, {"d": "2026-11-20", "age": "mười"}, final=False, today=TODAY)) == [
        ("age", "not_integer")
    ]


def test_forms__required_if():
    base = {"d": "2026-11-20", "age": 30, "topics": ["border", "traffic"]}
    assert validate_answers(LOGIC, base, final=True, today=TODAY) == []
    more = {**base, "topics": ["border", "traffic", "drugs"], "q_drugs": "yes"}
    assert codes(validate_answers(LOGIC, more, final=True, today=TODAY)) == [("note", "required")]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"relevant": "${nobody} = 1"}, "unknown field nobody"),
        ({"relevant": "${age} >"}, "relevant: expected a value"),
        ({"relevant": "eval('1')"}, "unknown function"),
        ({"relevant": ". > 1"}, "only for constraints"),
        ({"calculation": "1 + 1"}, "only a calculated field"),
        ({"pattern": "[unclosed"}, "not a valid regular expression"),
    ],
)
def test_forms__bad_logic_is_refused_when_the_form_loads(change, match):
    raw = LOGIC.model_dump(mode="json")
    raw["fields"][1].update(change)
    with pytest.raises(ValidationError, match=match):
        FormDefinition.model_validate(raw)


def test_forms__calculated_field_needs_a_calculation_and_a_note_cannot_be_required():
    with pytest.raises(ValidationError, match="needs a calculation"):
        make_form([{"name": "c", "type": "calculated", "label": L("c")}])
    with pytest.raises(ValidationError, match="cannot be required"):
        make_form([{"name": "n", "type": "note", "label": L("n"), "required": True}])
    with pytest.raises(ValidationError, match="needs rows"):
        make_form([{"name": "g", "type": "count_grid", "label": L("g")}])


def test_forms__calculations_may_refer_forward():
    form = make_form(
        [
            {"name": "double", "type": "calculated", "label": L("x2"), "calculation": "${half} * 4"},
            {"name": "n", "type": "integer", "label": L("n")},
            {"name": "half", "type": "calculated", "label": L("n/2"), "calculation": "${n} div 2"},
        ]
    )
    assert derive_answers(form, {"d": "2026-11-20", "n": 5}) == {
        "d": "2026-11-20",
        "n": 5,
        "half": 2.5,
        "double": 10,
    }


# ---- the quiz bank ---------------------------------------------------------------------------------


def test_forms__quiz_bank_has_questions_for_every_outreach_law_topic():
    bank = shipped_bank()
    for topic in ("border", "mediation", "traffic", "drugs", "residence", "trafficking"):
        questions = bank.by_topic(topic)
        assert len(questions) >= 3, topic
        for q in questions:
            assert q.label.vi and q.label.en and all(c.label.vi and c.label.en for c in q.choices)


def test_forms__survey_quiz_questions_come_from_the_bank():
    bank = shipped_bank()
    for f in SURVEY.quiz_fields():
        q = bank.question(f.bank)
        assert q is not None, f.name
        assert (f.label, f.quiz.correct, f.quiz.topic) == (q.label, q.correct, q.topic)
        assert f.choices == q.choices


def test_forms__bank_expansion_refuses_an_unknown_question_and_keeps_an_own_label():
    raw = {"id": "x", "fields": [{"name": "q", "bank": "no_such_question"}]}
    with pytest.raises(ValueError, match="unknown quiz question no_such_question"):
        expand_bank_questions(raw, shipped_bank())
    out = expand_bank_questions(
        {"id": "x", "fields": [{"name": "q", "bank": "drugs_use", "label": L("Ngắn", "Short")}]},
        shipped_bank(),
    )
    assert out["fields"][0]["label"] == L("Ngắn", "Short")
    assert out["fields"][0]["quiz"]["correct"] == "b"


def test_forms__the_pass_decision_is_stored_with_the_record():
    four = good_survey(q_border="b", q_drugs="a")
    stored = derive_answers(SURVEY, four)
    assert (stored["quiz_score"], stored["has_understanding"]) == (4, "yes")
    three = good_survey(q_border="b", q_drugs="a", q_traffic="a")
    assert derive_answers(SURVEY, three)["has_understanding"] == "no"


# ---- versions: a record is judged by the version it was made with -------------------------------------


def test_forms__each_version_validates_its_own_records():
    v1 = make_form([{"name": "people", "type": "integer", "label": L("Số người", "People")}])
    raw = v1.model_dump(mode="json")
    raw["version"] = 2
    raw["fields"][1] = {
        "name": "attendance",
        "type": "count_grid",
        "label": L("Số lượt", "Attendance"),
        "rows": [{"value": "citizens", "label": L("Nhân dân", "Citizens")}],
        "required": True,
    }
    v2 = FormDefinition.model_validate(raw)
    old_answers = {"d": "2026-11-20", "people": 12}
    assert validate_answers(v1, old_answers, final=True, today=TODAY) == []
    assert ("people", "unknown_field") in codes(validate_answers(v2, old_answers, final=True, today=TODAY))
    new_answers = {"d": "2026-11-20", "attendance": {"citizens": {"female": 5, "male": 7}}}
    assert validate_answers(v2, new_answers, final=True, today=TODAY) == []
    assert latest_forms([v1, v2])["check"].version == 2


# ---- one pass is enough where every expression looks upwards ---------------------------------------


def _random_answers(form, rnd):
    """Some questions answered (well or badly), some not: what a phone might send."""
    out = {}
    for f in form.fields:
        if rnd.random() < 0.25:
            continue
        t = f.type.value
        if t in ("select_one",):
            out[f.name] = rnd.choice([c.value for c in f.choices] + ["zzz"])
        elif t == "select_many":
            out[f.name] = rnd.sample([c.value for c in f.choices], rnd.randint(0, len(f.choices)))
        elif t in ("integer", "decimal"):
            out[f.name] = rnd.choice([0, 1, 5, 17, 18, 40, 120, -3, 2.5])
        elif t == "count_grid":
            out[f.name] = {r.value: {c.value: rnd.randint(0, 9) for c in f.columns} for r in f.rows}
        elif t == "date":
            out[f.name] = rnd.choice(["2026-11-20", "2024-01-31", "bad"])
        elif t == "calculated":
            out[f.name] = rnd.choice([None, 3, "yes"])  # whatever a phone claims is recomputed
        else:
            out[f.name] = rnd.choice(["Tày", "", "x" * 3])
    return out


def test_forms__one_pass_gives_what_the_repeated_passes_give():
    import random

    from schemas.form_state import FormState

    rnd = random.Random(20261123)
    forms = [*shipped_forms(), ALL_TYPES, LOGIC]
    assert all(f._single_pass for f in shipped_forms())  # the shipped forms take the fast path
    for form in forms:
        for _ in range(300):
            answers = _random_answers(form, rnd)
            one, full = FormState(form, answers), FormState(form, answers, fixpoint=True)
            assert (one.hidden, one.values, one.env) == (full.hidden, full.values, full.env), form.id


def test_forms__a_forward_reference_takes_the_repeated_passes():
    form = make_form(
        [
            {"name": "shown_if_big", "type": "integer", "label": L("A"), "relevant": "${total} > 10"},
            {"name": "n", "type": "integer", "label": L("N")},
            {"name": "total", "type": "calculated", "label": L("T"), "calculation": "${n} * 2"},
        ]
    )
    assert not form._single_pass
    assert form_state(form, {"d": "2026-11-20", "n": 3}).shown("shown_if_big") is False
    assert form_state(form, {"d": "2026-11-20", "n": 30}).shown("shown_if_big") is True


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1e308, "too_large"),
        (-1e308, "too_small"),
        (10**15 + 1, "too_large"),
        (10**15, None),
        (-(10**15), None),
    ],
)
def test_forms__a_number_with_no_limit_of_its_own_stays_within_what_sums_can_hold(value, code):
    """1e308 twice would be infinity in a tally: the calculations' bound (10^15) holds for answers too."""
    form = make_form([{"name": "amount", "type": "decimal", "label": L("Số tiền", "Amount")}])
    issues = validate_answers(form, {"d": "2026-11-01", "amount": value}, final=True, today=TODAY)
    assert codes(issues) == ([("amount", code)] if code else [])
    assert all("1000000000000000" in i.message.en for i in issues)
