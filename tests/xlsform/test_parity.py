"""XLSForm parity for what field teams' forms use: groups with labels, repeats, note, acknowledge, today()
and now(), count-selected, dynamic labels, the default column, language columns, and publishing rules.
Every workbook is made here, the way the XLSForm spec lays it out."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from schemas.form_deps import fill_label
from schemas.form_state import derive_answers, form_state
from schemas.form_validation import validate_answers
from schemas.forms import FieldType, FormDefinition
from sync_server.cli.import_xlsform import main
from sync_server.config import get_settings
from sync_server.db import Database
from sync_server.models import AuditRow
from sync_server.services.catalog import load_forms
from sync_server.services.xlsform import convert

from . import workbooks

TODAY = date(2026, 11, 22)
VI, EN = "label::Vietnamese (vi)", "label::English (en)"


def codes(issues):
    return sorted((i.field, i.code) for i in issues)


def dialogue_forum(folder, *, required_audio: bool = False):
    """An outreach form in ODK's recommended language columns, with everything item 4 lists."""
    survey = [
        {"type": "today", "name": "today"},
        {"type": "begin group", "name": "basics", VI: "Thông tin chung", EN: "Basics"},
        {
            "type": "date",
            "name": "held_on",
            VI: "Ngày",
            EN: "Date",
            "required": "yes",
            "constraint": ". <= today()",
        },
        {"type": "text", "name": "place", VI: "Địa điểm", EN: "Place", "default": "Nhà văn hóa"},
        {"type": "integer", "name": "attendees", VI: "Số người dự", EN: "Attendees", "default": "30"},
        {"type": "select_multiple topic", "name": "topics", VI: "Chủ đề", EN: "Topics", "default": "land"},
        {"type": "end group"},
        {
            "type": "begin group",
            "name": "forum",
            VI: "Đối thoại",
            EN: "Dialogue",
            "relevant": "count-selected(${topics}) >= 1",
        },
        {
            "type": "begin group",
            "name": "late",
            VI: "Buổi tối",
            EN: "Evening",
            "relevant": "${attendees} > 10",
        },
        {
            "type": "note",
            "name": "hello",
            VI: "Tại ${place}: ${attendees} người",
            EN: "At ${place}: ${attendees}",
        },
        {"type": "end group"},
        {"type": "begin repeat", "name": "questions", VI: "Câu hỏi", EN: "Question", "repeat_count": "2"},
        {"type": "text", "name": "q_topic", VI: "Nội dung", EN: "Topic", "required": "yes"},
        {"type": "text", "name": "q_answer", VI: "Trả lời", "hint::Vietnamese (vi)": "Ngắn gọn"},
        {"type": "begin repeat", "name": "follow_ups", VI: "Hỏi thêm", EN: "Follow-up"},
        {"type": "text", "name": "follow_up", VI: "Hỏi thêm", EN: "Follow-up"},
        {"type": "end repeat"},
        {"type": "end repeat"},
        {"type": "end group"},
        {"type": "acknowledge", "name": "confirm", VI: "Tôi xác nhận", EN: "I confirm", "required": "yes"},
        {"type": "calculate", "name": "n_questions", "calculation": "count(${questions})"},
        {"type": "calculate", "name": "stamp", "calculation": "now()"},
        {"type": "text", "name": "late_note", VI: "Ghi chú", EN: "Note", "relevant": "${held_on} < today()"},
        {
            "type": "audio",
            "name": "voice",
            VI: "Ghi âm",
            EN: "Recording",
            "required": "yes" if required_audio else "",
        },
    ]
    choices = [
        {"list_name": "topic", "name": "land", VI: "Đất đai", EN: "Land"},
        {"list_name": "topic", "name": "family", VI: "Hôn nhân", EN: "Family"},
    ]
    settings = {"form_id": "forum", "version": 1, "form_title::Vietnamese (vi)": "Đối thoại"}
    return workbooks.write(folder / "forum.xlsx", survey, choices, settings)


def _form(tmp_path):
    conv = convert(dialogue_forum(tmp_path))
    assert conv.ok, conv.report()
    return conv, FormDefinition.model_validate(conv.definition)


def test_parity__groups_with_labels_become_sections_nested_relevance_carried(tmp_path):
    _, form = _form(tmp_path)
    secs = {s.name: s for s in form.sections}
    assert list(secs) == ["basics", "forum", "late"]
    assert (secs["basics"].label.vi, secs["basics"].label.en) == ("Thông tin chung", "Basics")
    assert secs["forum"].relevant == "count-selected(${topics}) >= 1"
    assert secs["late"].relevant == "(count-selected(${topics}) >= 1) and (${attendees} > 10)"
    assert form.field("hello").section == "late" and form.field("questions").section == "forum"
    state = form_state(form, {"held_on": "2026-11-20", "topics": ["land"], "attendees": 5})
    assert state.shown("questions") and not state.shown("hello")
    assert not form_state(form, {"held_on": "2026-11-20"}).shown("questions")


def test_parity__repeat_with_fixed_count_and_a_nested_repeat_reported(tmp_path):
    conv, form = _form(tmp_path)
    rep = form.field("questions")
    assert rep.type == FieldType.REPEAT and (rep.min_count, rep.max_count) == (2, 2)
    assert [c.name for c in rep.fields] == ["q_topic", "q_answer"]
    nested = [p for p in conv.problems if p.name in ("follow_ups", "follow_up")]
    assert [p.level for p in nested] == ["skipped", "skipped"]
    assert "repeat inside a repeat" in nested[0].message
    base = {"held_on": "2026-11-20", "topics": ["land"], "confirm": "OK"}
    one = {**base, "questions": [{"q_topic": "Đất"}]}
    assert codes(validate_answers(form, one, final=True, today=TODAY)) == [("questions", "too_few")]
    two = {**base, "questions": [{"q_topic": "Đất"}, {"q_answer": "x"}]}
    assert codes(validate_answers(form, two, final=True, today=TODAY)) == [
        ("questions[2].q_topic", "required")
    ]
    assert derive_answers(form, {**two, "questions": two["questions"][:1] * 2})["n_questions"] == 2


def test_parity__today_and_now_in_constraints_relevance_and_calculations(tmp_path):
    _, form = _form(tmp_path)
    assert form.field("held_on").constraint == ". <= today()"
    ok = {"held_on": "2026-11-22", "confirm": "OK"}
    assert validate_answers(form, ok, final=True, today=TODAY) == []
    tomorrow = {**ok, "held_on": "2026-11-23"}
    assert codes(validate_answers(form, tomorrow, final=True, today=TODAY)) == [("held_on", "constraint")]
    # relevance with today(): the late note is asked only for a past session
    assert form_state(form, {"held_on": "2020-01-02"}).shown("late_note")
    assert not form_state(form, {"held_on": "2999-01-01"}).shown("late_note")
    stamp = derive_answers(form, ok)["stamp"]
    assert len(stamp) == 25 and stamp.endswith("+07:00")  # the programme's local time


def test_parity__note_acknowledge_default_dynamic_label_and_hidden_calculates(tmp_path):
    conv, form = _form(tmp_path)
    assert form.field("hello").type == FieldType.NOTE
    confirm = form.field("confirm")
    assert confirm.type == FieldType.SELECT_ONE and [c.value for c in confirm.choices] == ["OK"]
    assert any("acknowledge" in p.message for p in conv.problems if p.name == "confirm")
    assert codes(validate_answers(form, {"held_on": "2026-11-20"}, final=True, today=TODAY)) == [
        ("confirm", "required")
    ]
    assert (form.field("place").default, form.field("attendees").default) == ("Nhà văn hóa", 30)
    assert form.field("topics").default == ["land"]
    label = form.field("hello").label
    assert fill_label(label.vi, {"place": "Đình làng", "attendees": 42}) == "Tại Đình làng: 42 người"
    assert fill_label(label.en, {}) == "At : "
    # calculate rows without a label are kept and computed, not shown; the label is never the name on screen
    assert form.field("n_questions").hidden and form.field("stamp").hidden
    assert not any(p.name == "n_questions" and "name is shown" in p.message for p in conv.problems)


def test_parity__language_columns_and_visible_fallback_reported(tmp_path):
    conv, form = _form(tmp_path)
    assert (form.title.vi, form.field("held_on").label.en) == ("Đối thoại", "Date")
    answer = form.field("questions").fields[1]
    assert (answer.label.vi, answer.label.en) == ("Trả lời", "Trả lời (vi)")
    assert (answer.hint.vi, answer.hint.en) == ("Ngắn gọn", "Ngắn gọn (vi)")
    said = [p.message for p in conv.problems if p.row == 15]
    assert "label has no English: the Vietnamese is shown, marked (vi)" in said
    assert "hint has no English: the Vietnamese is shown, marked (vi)" in said
    assert not any("labels have no language" in p.message for p in conv.problems)


def test_parity__a_plain_label_column_is_reported_once(tmp_path):
    path = workbooks.write(
        tmp_path / "plain.xlsx",
        [{"type": "date", "name": "d", "label": "Ngày", "required": "yes"}],
        [],
        {"form_id": "plain"},
    )
    conv = convert(path)
    said = [p.message for p in conv.problems]
    assert len([m for m in said if "labels have no language" in m]) == 1


def test_parity__publish_refuses_skipped_required_rows_unless_asked_and_is_audited(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    wb = dialogue_forum(tmp_path, required_audio=True)
    assert main([str(wb), "--publish", "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert "not published" in err and "voice" in err and "--allow-skipped-required" in err
    assert "[required row]" in err
    db = Database.from_settings(get_settings().with_changes(database_url=url))
    try:
        argv = [
            str(wb),
            "--publish",
            "--database-url",
            url,
            "--allow-skipped-required",
            "--actor",
            "tinh.admin",
        ]
        assert main(argv) == 0
        assert "published" in capsys.readouterr().out
        assert main(argv) == 0  # the same again: unchanged, and not audited twice
        with db.session() as s:
            assert ("forum", 1) in {f.key for f in load_forms(s)}
            rows = s.execute(select(AuditRow).where(AuditRow.action == "publish_form")).scalars().all()
            assert [(r.actor, r.entity, r.entity_id) for r in rows] == [("tinh.admin", "form", "forum:1")]
    finally:
        db.dispose()
