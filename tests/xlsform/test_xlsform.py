"""XLSForm workbooks become form definitions; what cannot be converted is reported row by row."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from schemas.form_state import derive_answers
from schemas.form_validation import validate_answers
from schemas.forms import FieldType, FormDefinition
from sync_server import cli
from sync_server.cli.import_xlsform import main
from sync_server.services.xlsform import XLSFormError, convert

from . import workbooks

TODAY = date(2026, 11, 22)


def problems_at(conv, row):
    return [p for p in conv.problems if p.row == row]


def codes(issues):
    return sorted((i.field, i.code) for i in issues)


# ---- a household survey (ODK style) ---------------------------------------------------------------


def test_xlsform__household_survey_converts_with_metadata_reported_and_photo_kept(tmp_path):
    conv = convert(workbooks.household_survey(tmp_path))
    assert conv.ok, conv.report()
    form = FormDefinition.model_validate(conv.definition)
    assert (form.id, form.version, form.period_field) == ("household_survey", 2024031501, "visit_date")
    types = {f.name: f.type for f in form.fields}
    assert types["location"] == FieldType.GEOPOINT
    assert types["adults"] == FieldType.CALCULATED
    assert types["thanks"] == FieldType.NOTE
    assert types["assets"] == FieldType.SELECT_MANY
    assert types["house_photo"] == FieldType.IMAGE  # photos are taken on the phone and synced apart
    assert "start" not in types
    # every metadata row is named in the report, with its row number
    skipped = {(p.row, p.name) for p in conv.problems if p.level == "skipped"}
    assert skipped == {(2, "start"), (3, "end"), (4, "today"), (5, "deviceid")}
    assert problems_at(conv, 17) == []
    renamed = problems_at(conv, 18)
    assert any("'Village-Name' becomes 'village_name'" in p.message for p in renamed)
    assert any("no English labels" in p.message for p in conv.problems)


def test_xlsform__household_constraints_and_relevance_work_on_answers(tmp_path):
    form = FormDefinition.model_validate(convert(workbooks.household_survey(tmp_path)).definition)
    phone = form.field("phone")
    assert phone.pattern == "^0[0-9]{9}$"  # regex(., ...) became the pattern rule
    good = {
        "visit_date": "2026-11-20",
        "respondent_name": "Lò Văn Páo",
        "hh_size": 5,
        "children": 2,
        "has_water": "no",
        "phone": "0912345678",
    }
    assert validate_answers(form, good, final=True, today=TODAY) == []
    # cross-field constraint: more children than people
    bad = validate_answers(form, {**good, "children": 7}, final=True, today=TODAY)
    assert codes(bad) == [("children", "constraint")]
    assert bad[0].message.vi == "Không quá số người trong hộ"
    assert codes(validate_answers(form, {**good, "phone": "12345"}, final=True, today=TODAY)) == [
        ("phone", "pattern")
    ]
    # relevance: water source is required only when the household has clean water
    with_water = {**good, "has_water": "yes"}
    assert codes(validate_answers(form, with_water, final=True, today=TODAY)) == [
        ("water_source", "required")
    ]
    # the calculation runs, and a hidden answer is dropped from the stored record
    stored = derive_answers(form, {**good, "water_source": "well"})
    assert stored["adults"] == 3
    assert "water_source" not in stored


# ---- a training attendance sheet with a group and a repeat ------------------------------------------


def test_xlsform__groups_become_sections_and_a_repeat_its_own_question(tmp_path):
    conv = convert(workbooks.training_attendance(tmp_path))
    assert conv.ok, conv.report()
    form = FormDefinition.model_validate(conv.definition)
    names = [f.name for f in form.fields]
    assert names == [
        "training_date", "course_name", "trainee_kind", "reporters", "participants", "total_participants"
    ]  # fmt: skip
    # the groups' labels are the sections' headings; a group's relevance is its section's
    assert [(s.name, s.label.vi, s.relevant) for s in form.sections] == [
        ("course", "Thông tin lớp", None),
        ("reporters_block", "Báo cáo viên", "${trainee_kind} = 'reporter'"),
    ]
    assert [form.field(n).section for n in names] == [
        "course", "course", "course", "reporters_block", None, None
    ]  # fmt: skip
    participants = form.field("participants")
    assert participants.type == FieldType.REPEAT
    assert [c.name for c in participants.fields] == ["participant_name", "participant_sex"]
    assert participants.label.vi == "Người tham dự"
    assert form.field("total_participants").default == 0
    by_row = {p.row: p for p in conv.problems if p.row}
    assert "signatures" in by_row[15].message
    assert not any(p.level == "skipped" for p in conv.problems if p.row and p.row < 15)
    # the only date became the required period date, and the report says so
    assert form.field("training_date").required
    assert any("made required" in p.message for p in conv.problems)
    # the report is in row order, one line per problem
    lines = conv.report().splitlines()
    assert len(lines) == len(conv.problems)
    rows = [int(m.group(1)) for line in lines if (m := re.search(r"survey row (\d+)", line))]
    assert rows == sorted(rows)


def test_xlsform__group_relevance_hides_its_questions(tmp_path):
    form = FormDefinition.model_validate(convert(workbooks.training_attendance(tmp_path)).definition)
    base = {"training_date": "2026-10-02", "course_name": "Lớp hòa giải viên", "total_participants": 30}
    mediators = {**base, "trainee_kind": "mediator"}
    assert validate_answers(form, mediators, final=True, today=TODAY) == []
    reporters = {**base, "trainee_kind": "reporter"}
    assert codes(validate_answers(form, reporters, final=True, today=TODAY)) == [("reporters", "required")]


# ---- bilingual labels, XLSForm expressions, a quiz from calculate rows ------------------------------


def test_xlsform__vietnamese_and_english_columns_are_both_kept(tmp_path):
    conv = convert(workbooks.bilingual_awareness(tmp_path))
    assert conv.ok, conv.report()
    form = FormDefinition.model_validate(conv.definition)
    age = form.field("age")
    assert (age.label.vi, age.label.en) == ("Tuổi", "Age")
    assert (age.constraint_message.vi, age.constraint_message.en) == (
        "Tuổi từ 16 đến 100",
        "Age from 16 to 100",
    )
    assert form.field("topics").choices[0].label.en == "Drug prevention"
    assert form.field("comment").type == FieldType.LONG_TEXT
    assert form.field("comment").hint.en == "Optional"
    assert form.field("survey_time").type == FieldType.TIME
    french = [p for p in conv.problems if "French" in p.message]
    assert len(french) == 1 and french[0].level == "changed"
    assert form.field("label_fr").label.vi == "Ghi chú"


def test_xlsform__relevant_and_required_expressions_in_xlsform_syntax(tmp_path):
    form = FormDefinition.model_validate(convert(workbooks.bilingual_awareness(tmp_path)).definition)
    assert form.field("q_drugs").relevant == "${age} >= 18 and selected(${topics}, 'drugs')"
    assert form.field("comment").required_if == "count-selected(${topics}) > 2"
    base = {"survey_date": "2026-11-20", "age": 40, "topics": ["drugs"]}
    assert codes(validate_answers(form, base, final=True, today=TODAY)) == [("q_drugs", "required")]
    teen = {**base, "age": 17}
    assert validate_answers(form, teen, final=True, today=TODAY) == []
    everything = {**base, "topics": ["drugs", "border", "traffic"], "q_drugs": "b", "q_border": "c"}
    assert codes(validate_answers(form, everything, final=True, today=TODAY)) == [("comment", "required")]
    too_old = validate_answers(form, {**base, "age": 130, "q_drugs": "b"}, final=True, today=TODAY)
    assert [(i.code, i.message.en) for i in too_old] == [("constraint", "Age from 16 to 100")]


def test_xlsform__quiz_scored_by_calculate_rows(tmp_path):
    form = FormDefinition.model_validate(convert(workbooks.bilingual_awareness(tmp_path)).definition)
    answers = {
        "survey_date": "2026-11-20",
        "age": 40,
        "topics": ["drugs", "border"],
        "q_drugs": "b",
        "q_border": "b",
    }
    stored = derive_answers(form, answers)
    assert (stored["score"], stored["has_understanding"]) == (1, "yes")
    # a question the respondent was not asked does not score, even if an answer was sent for it
    young = derive_answers(form, {**answers, "age": 17})
    assert "q_drugs" not in young
    assert (young["score"], young["has_understanding"]) == (0, "no")


# ---- the form with every type -------------------------------------------------------------------------


def test_xlsform__field_check_has_every_question_type(tmp_path):
    conv = convert(workbooks.field_check(tmp_path))
    assert conv.ok and conv.problems == [], conv.report()
    form = FormDefinition.model_validate(conv.definition)
    # photos are the household survey's (house_photo): this form is filled in on screen by browser tests
    assert {f.type for f in form.fields} == set(FieldType) - {FieldType.IMAGE}
    materials = form.field("materials")
    assert [c.name for c in materials.fields] == ["material_kind", "material_count"]
    assert (form.title.vi, form.title.en) == ("Phiếu kiểm tra", "Field check")
    grid = form.field("attendance")
    assert [r.value for r in grid.rows] == ["cadres", "citizens", "students"]
    assert [c.value for c in grid.columns] == ["female", "male"]
    answers = {
        "check_date": "2026-11-20",
        "place": "Đồn Biên phòng",
        "had_leaflets": "no",
        "attendance": {"cadres": {"female": 2, "male": 3}, "citizens": {"female": 10}},
        "materials": [{"material_kind": "leaflet", "material_count": 40}],
    }
    assert validate_answers(form, answers, final=True, today=TODAY) == []
    assert derive_answers(form, answers)["total"] == 15


# ---- what cannot be converted ----------------------------------------------------------------------------


def test_xlsform__unsupported_expressions_are_named_and_the_rule_dropped(tmp_path):
    path = workbooks.write(
        tmp_path / "f.xlsx",
        [
            {
                "type": "date",
                "name": "d",
                "label": "Ngày",
                "required": "yes",
                "constraint": "format-date(., '%Y') = '2026'",
            },
            {"type": "integer", "name": "n", "label": "Số", "relevant": "${missing} > 1"},
            {"type": "calculate", "name": "c", "calculation": "pulldata('x', 'y', 'z', ${n})"},
            {
                "type": "text",
                "name": "t",
                "label": "Chữ",
                "constraint": "string-length(.) > 2",
                "choice_filter": "x = 1",
            },
            {"type": "date", "name": "d2", "label": "Ngày khác", "constraint": ". <= today()"},
        ],
        [],
        {"form_id": "f", "version": 1},
    )
    conv = convert(path)
    assert conv.ok, conv.report()
    by_row = {p.row: p for p in conv.problems if p.row and p.row > 1}
    assert "format-date" in by_row[2].message and "not checked" in by_row[2].message
    assert "${missing}" in by_row[3].message and "always shown" in by_row[3].message
    assert by_row[4].level == "skipped" and "pulldata" in by_row[4].message
    assert "choice_filter" in by_row[5].message
    # today() is understood now: "not in the future" is kept and checked on the phone and the server
    assert 6 not in by_row
    form = FormDefinition.model_validate(conv.definition)
    assert [f.name for f in form.fields] == ["d", "n", "t", "d2"]
    assert form.field("t").constraint == "string-length(.) > 2"
    assert form.field("d2").constraint == ". <= today()"


def test_xlsform__a_form_without_a_date_question_is_refused_with_the_reason(tmp_path):
    path = workbooks.write(
        tmp_path / "f.xlsx", [{"type": "text", "name": "t", "label": "x"}], [], {"form_id": "f"}
    )
    conv = convert(path)
    assert not conv.ok and conv.definition is None
    assert any(p.level == "error" and "date question" in p.message for p in conv.problems)


def test_xlsform__not_a_workbook_or_no_survey_sheet(tmp_path):
    junk = tmp_path / "form.xlsx"
    junk.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(XLSFormError, match="save it as .xlsx"):
        convert(junk)
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "questions"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(XLSFormError, match="no 'survey' sheet"):
        convert(tmp_path / "other.xlsx")


def test_xlsform__missing_choice_list_and_bad_version(tmp_path):
    path = workbooks.write(
        tmp_path / "f.xlsx",
        [
            {"type": "date", "name": "d", "label": "Ngày", "required": "yes"},
            {"type": "select_one nowhere", "name": "s", "label": "Chọn"},
        ],
        [],
        {"form_id": "f", "version": "v2-final"},
    )
    conv = convert(path)
    assert any(p.row == 3 and "choice list 'nowhere'" in p.message for p in conv.problems)
    assert any(p.level == "error" and "pass --version" in p.message for p in conv.problems)
    assert convert(path, version=2).ok


# ---- the command ---------------------------------------------------------------------------------------


def test_xlsform__command_writes_json_and_reports(tmp_path, capsys):
    out = tmp_path / "household.json"
    assert main([str(workbooks.household_survey(tmp_path)), "--out", str(out), "--version", "3"]) == 0
    definition = json.loads(out.read_text(encoding="utf-8"))
    assert definition["version"] == 3
    err = capsys.readouterr().err
    assert "survey row 5 (deviceid)" in err
    assert "questions converted, 4 skipped" in err
    assert main([str(workbooks.household_survey(tmp_path)), "--strict"]) == 1


def test_xlsform__command_refuses_bad_input_without_a_traceback(tmp_path, capsys):
    assert main([str(tmp_path / "missing.xlsx")]) == 1
    assert "cannot read the workbook" in capsys.readouterr().err
    path = workbooks.write(
        tmp_path / "f.xlsx", [{"type": "text", "name": "t", "label": "x"}], [], {"form_id": "f"}
    )
    assert main([str(path)]) == 1
    assert "date question" in capsys.readouterr().err


def test_xlsform__publish_reaches_the_catalog_and_never_overwrites_a_version(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    wb = workbooks.field_check(tmp_path)
    assert cli.main(["import-xlsform", str(wb), "--publish", "--database-url", url]) == 0
    assert "published" in capsys.readouterr().out
    assert main([str(wb), "--publish", "--database-url", url]) == 0  # same again: a no-op
    assert "unchanged" in capsys.readouterr().out
    changed = workbooks.bilingual_awareness(tmp_path)
    assert main([str(changed), "--publish", "--form-id", "field_check", "--database-url", url]) == 1
    assert "--version 2" in capsys.readouterr().err

    from sync_server.config import get_settings
    from sync_server.db import Database
    from sync_server.services.catalog import load_forms

    db = Database.from_settings(get_settings().with_changes(database_url=url))
    try:
        with db.session() as s:
            keys = {f.key for f in load_forms(s)}
    finally:
        db.dispose()
    assert ("field_check", 1) in keys and ("awareness_survey", 1) in keys
