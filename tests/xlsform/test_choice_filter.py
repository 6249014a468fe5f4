"""XLSForm choice filters: the filter and the choices sheet's extra columns become the form's, and its
records are judged by them; a filter reading a column the sheet does not have is reported by row."""

from __future__ import annotations

from datetime import date

from schemas.form_features import CHOICE_FILTER, form_features
from schemas.form_state import choices_for, form_state
from schemas.form_validation import validate_answers
from schemas.forms import FormDefinition
from sync_server.services.xlsform import convert

from . import workbooks

TODAY = date(2026, 11, 22)


def codes(issues):
    return sorted((i.field, i.code) for i in issues)


def test_xlsform_choice_filter__cascading_selects_convert_and_filter(tmp_path):
    conv = convert(workbooks.province_district(tmp_path))
    assert conv.ok, conv.report()
    assert not [p for p in conv.problems if "choice_filter" in p.message], conv.report()
    form = FormDefinition.model_validate(conv.definition)
    district, topics = form.field("district"), form.field("topics")
    assert district is not None and topics is not None
    assert district.choice_filter == "@province=${province}"
    assert topics.choice_filter == "@kinds = '' or selected(@kinds, ${kind})"
    assert {c.value: c.filters for c in district.choices} == {
        "bd": {"province": "hn"},
        "hk": {"province": "hn"},
        "lc": {"province": "hp"},
    }
    # only the columns a filter reads travel, and only on the question that reads them
    province = form.field("province")
    assert province is not None and all(not c.filters for c in province.choices)
    homes = form.field("homes")
    assert homes is not None
    assert homes.fields[0].choice_filter == "@district = ${district} and @name != 'closed'"
    assert form_features(form) == {CHOICE_FILTER}

    env = form_state(form, {"province": "hp", "kind": "talk"}).env
    assert [c.value for c in choices_for(district, env)] == ["lc"]
    assert [c.value for c in choices_for(topics, env)] == ["drugs", "family"]


def test_xlsform_choice_filter__records_of_the_converted_form_are_validated(tmp_path):
    form = FormDefinition.model_validate(convert(workbooks.province_district(tmp_path)).definition)
    good = {
        "visit_date": "2026-11-20",
        "province": "hn",
        "district": "hk",
        "kind": "forum",
        "topics": ["land", "family"],
        "homes": [{"commune": "hang_bac"}],
    }
    assert validate_answers(form, good, final=True, today=TODAY) == []
    bad = {**good, "province": "hp", "kind": "talk", "homes": [{"commune": "phuc_xa"}]}
    issues = validate_answers(form, bad, final=True, today=TODAY)
    assert codes(issues) == [
        ("district", "not_offered"),
        ("homes[1].commune", "not_offered"),
        ("topics", "not_offered"),
    ]
    assert "Hoàn Kiếm" in next(i for i in issues if i.field == "district").message.vi


def test_xlsform_choice_filter__an_unknown_column_is_reported_on_its_row(tmp_path):
    survey = [
        {"type": "date", "name": "d", "label": "Ngày", "required": "yes"},
        {"type": "select_one provinces", "name": "province", "label": "Tỉnh"},
        {"type": "select_one districts", "name": "district", "label": "Huyện",
         "choice_filter": "region=${province}"},
        {"type": "select_one districts", "name": "district2", "label": "Huyện 2",
         "choice_filter": "province=${nope}"},
        {"type": "text", "name": "t", "label": "Chữ", "choice_filter": "province='hn'"},
    ]  # fmt: skip
    choices = [
        {"list_name": "provinces", "name": "hn", "label": "Hà Nội"},
        {"list_name": "districts", "name": "bd", "label": "Ba Đình", "province": "hn"},
    ]
    conv = convert(workbooks.write(tmp_path / "f.xlsx", survey, choices, {"form_id": "f", "version": 1}))
    assert conv.ok, conv.report()
    by_row = {p.row: p for p in conv.problems if p.row and p.row > 1 and "choice_filter" in p.message}
    assert by_row[4].level == "changed"
    assert "'region' is not a column of the choices sheet" in by_row[4].message
    assert "province" in by_row[4].message and "every choice is offered" in by_row[4].message
    assert "${nope}" in by_row[5].message
    assert "only for select questions" in by_row[6].message
    assert "survey row 4 (district)" in conv.report()
    form = FormDefinition.model_validate(conv.definition)
    district = form.field("district")
    assert district is not None and district.choice_filter is None
    assert all(not c.filters for c in district.choices)
