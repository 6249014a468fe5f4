"""What the first walk-through found on the phone, each pinned: the error summary names the questions
and the first one to go to; no "0/0" while a sync starts; the PIN rule comes from the policy."""

from __future__ import annotations

from mobile.app.i18n import tr
from mobile.app.viewmodels.issue_summary import summarize
from mobile.app.viewmodels.state_words import sync_progress_text
from mobile.app.widgets import pin_rule_text
from mobile.pin_policy import PIN_MAX_DIGITS, PIN_MIN_DIGITS
from schemas.common import Issue, text
from tests.mobile.helpers import FORMS

SURVEY = FORMS["awareness_survey"]


def _issue(field: str | None) -> Issue:
    return Issue(field=field, code="required", message=text("Bắt buộc.", "Required."))


def test_error_summary__names_the_questions_in_form_order_and_the_first_to_fix():
    names = [f.name for f in SURVEY.fields]
    late, early = names[5], names[1]
    shown = set(names)
    s = summarize([_issue(late), _issue(early)], SURVEY, "vi", shown)
    first, second = SURVEY.field(early).label.vi, SURVEY.field(late).label.vi
    assert s.text == f"Còn 2 lỗi cần sửa: {first}, {second}."
    assert s.first_field == early  # the form's order, not the order the checks ran
    en = summarize([_issue(late)], SURVEY, "en", shown)
    assert en.text == f"1 problems to fix: {SURVEY.field(late).label.en}." and en.first_field == late


def test_error_summary__a_hidden_question_or_a_form_wide_problem_is_not_a_place_to_go():
    names = [f.name for f in SURVEY.fields]
    s = summarize([_issue(names[3]), _issue(None)], SURVEY, "vi", shown=set())
    assert s.text == "Còn 2 lỗi cần sửa." and s.first_field is None
    many = summarize([_issue(n) for n in names[:6]], SURVEY, "vi", set(names))
    assert many.text.endswith("…") and not many.text.endswith(".…") and many.first_field == names[0]
    assert not many.text.endswith("….")


def test_sync_progress__never_zero_of_zero():
    assert sync_progress_text("vi", (0, 0)) == "Đang đồng bộ…"
    assert "0/0" not in sync_progress_text("en", (0, 0))
    assert sync_progress_text("vi", (3, 10)) == tr("vi", "syncing", done=3, total=10)


def test_pin_rule__said_from_the_policy():
    def t(key, **kw):
        return tr("vi", key, **kw)

    assert pin_rule_text(t) == f"Mã PIN gồm {PIN_MIN_DIGITS}–{PIN_MAX_DIGITS} chữ số."
    assert "chờ gửi" not in tr("vi", "finalized")  # it may be sent a second later: no "waiting to send"


def test_answers__a_calculated_yes_no_reads_as_words():
    from mobile.app.formatting import answer_text

    result = SURVEY.field("has_understanding")
    assert answer_text(result, "yes", "vi") == "Có" and answer_text(result, "no", "en") == "No"


def test_unlock_intro__greets_by_name_only_when_it_knows_one():
    from mobile.app.viewmodels.state_words import unlock_intro

    assert unlock_intro("vi", "Vũ Văn Minh") == "Xin chào Vũ Văn Minh. Nhập mã PIN để mở dữ liệu."
    for nobody in ("", "  "):  # the name is in the vault: before unlock there may be none
        assert unlock_intro("vi", nobody) == "Nhập mã PIN để mở dữ liệu."
        assert unlock_intro("en", nobody) == "Enter your PIN to open your data."


def test_error_summary__a_repeat_entrys_problem_names_the_repeat():
    from mobile.app.viewmodels.issue_summary import question_of

    assert question_of("questions[2].topic") == "questions" and question_of("place") == "place"
    assert question_of(None) is None and question_of("") is None
    names = [f.name for f in SURVEY.fields]
    s = summarize([_issue(f"{names[2]}[0].x")], SURVEY, "vi", set(names))
    assert s.first_field == names[2] and SURVEY.field(names[2]).label.vi in s.text
