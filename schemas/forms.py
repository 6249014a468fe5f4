"""Form definitions and the one validator both sides run on answers.

A form is data (``schemas/forms/*.json``); the phone generates its screens
from it and the server checks every pushed record against the same version
with the same code, so a record the phone accepted is never rejected for a
rule the phone did not know.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from enum import Enum
from typing import Any

from pydantic import Field as PField
from pydantic import model_validator

from .common import Issue, LocalizedText, Strict, text


class FieldType(str, Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    SELECT_ONE = "select_one"
    SELECT_MANY = "select_many"
    DATE = "date"
    CALCULATED = "calculated"  # derived by derive_answers(); never typed by the officer


class Choice(Strict):
    value: str
    label: LocalizedText


class QuizKey(Strict):
    """Marks a select_one field as a quiz question with its correct choice."""

    correct: str
    topic: str = ""
    points: int = 1


class FormField(Strict):
    name: str = PField(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    type: FieldType
    label: LocalizedText
    hint: LocalizedText | None = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    choices: list[Choice] = []
    quiz: QuizKey | None = None
    section: str | None = None

    @model_validator(mode="after")
    def _choices_fit_type(self) -> "FormField":
        has_choices = self.type in (FieldType.SELECT_ONE, FieldType.SELECT_MANY)
        if has_choices and not self.choices:
            raise ValueError(f"field {self.name}: a choice question needs choices")
        if self.quiz and self.type != FieldType.SELECT_ONE:
            raise ValueError(f"field {self.name}: only select_one can be a quiz question")
        if self.quiz and self.quiz.correct not in {c.value for c in self.choices}:
            raise ValueError(f"field {self.name}: the correct answer is not one of the choices")
        return self

    def choice_values(self) -> set[str]:
        return {c.value for c in self.choices}


class Quiz(Strict):
    """How the quiz questions of a form are scored and what passing means."""

    pass_mark: int
    score_field: str
    result_field: str


class FormDefinition(Strict):
    id: str = PField(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    version: int = PField(ge=1)
    title: LocalizedText
    description: LocalizedText | None = None
    period_field: str
    fields: list[FormField]
    quiz: Quiz | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "FormDefinition":
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"form {self.id}: field names repeat")
        by_name = {f.name: f for f in self.fields}
        pf = by_name.get(self.period_field)
        if pf is None or pf.type != FieldType.DATE or not pf.required:
            raise ValueError(f"form {self.id}: period_field must name a required date field")
        if self.quiz:
            for fname in (self.quiz.score_field, self.quiz.result_field):
                if fname not in by_name or by_name[fname].type != FieldType.CALCULATED:
                    raise ValueError(f"form {self.id}: quiz field {fname} must be a calculated field")
        return self

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def field(self, name: str) -> FormField | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def quiz_fields(self) -> list[FormField]:
        return [f for f in self.fields if f.quiz is not None]


# Earliest date any record may carry; the programme (Decision 1521) began in 2020.
EARLIEST_DATE = date(2020, 1, 1)


def _msg(code: str, field: FormField, **kw: Any) -> Issue:
    label_vi, label_en = field.label.vi, field.label.en
    messages = {
        "required": ("«{lv}» là bắt buộc.", "“{le}” is required."),
        "not_integer": ("«{lv}» phải là số nguyên.", "“{le}” must be a whole number."),
        "not_number": ("«{lv}» phải là một số.", "“{le}” must be a number."),
        "too_small": ("«{lv}» phải từ {min} trở lên.", "“{le}” must be at least {min}."),
        "too_large": ("«{lv}» không được lớn hơn {max}.", "“{le}” must be at most {max}."),
        "too_long": ("«{lv}» dài quá {max_length} ký tự.", "“{le}” is longer than {max_length} characters."),
        "pattern": ("«{lv}» không đúng định dạng.", "“{le}” is not in the expected format."),
        "bad_choice": ("«{lv}»: lựa chọn không hợp lệ.", "“{le}”: not one of the choices."),
        "not_text": ("«{lv}» phải là văn bản.", "“{le}” must be text."),
        "bad_date": ("«{lv}» phải là ngày hợp lệ (dd/mm/yyyy).", "“{le}” must be a valid date (dd/mm/yyyy)."),
        "date_too_early": ("«{lv}» không được trước {earliest}.", "“{le}” cannot be before {earliest}."),
        "date_in_future": ("«{lv}» không được ở tương lai.", "“{le}” cannot be in the future."),
    }
    vi, en = messages[code]
    fmt = {"lv": label_vi, "le": label_en, **{k: _num(v) for k, v in kw.items()}}
    return Issue(field=field.name, code=code, message=text(vi.format(**fmt), en.format(**fmt)))


def _num(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _check_number(f: FormField, value: Any, issues: list[Issue]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        issues.append(_msg("not_integer" if f.type == FieldType.INTEGER else "not_number", f))
        return
    if isinstance(value, float) and not math.isfinite(value):
        issues.append(_msg("not_number", f))
        return
    if f.type == FieldType.INTEGER and isinstance(value, float) and not value.is_integer():
        issues.append(_msg("not_integer", f))
        return
    if f.min is not None and value < f.min:
        issues.append(_msg("too_small", f, min=f.min))
    if f.max is not None and value > f.max:
        issues.append(_msg("too_large", f, max=f.max))


def _check_date(f: FormField, value: Any, issues: list[Issue], today: date) -> None:
    try:
        d = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        d = None
    if d is None:
        issues.append(_msg("bad_date", f))
    elif d < EARLIEST_DATE:
        issues.append(_msg("date_too_early", f, earliest=EARLIEST_DATE.strftime("%d/%m/%Y")))
    elif d > today + timedelta(days=1):  # a day of slack for phones east of the server's clock
        issues.append(_msg("date_in_future", f))


def _check_value(f: FormField, value: Any, issues: list[Issue], today: date) -> None:
    t = f.type
    if t in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str):
            issues.append(_msg("not_text", f))
            return
        limit = f.max_length or (200 if t == FieldType.TEXT else 4000)
        if len(value) > limit:
            issues.append(_msg("too_long", f, max_length=limit))
        if f.pattern and not re.fullmatch(f.pattern, value):
            issues.append(_msg("pattern", f))
    elif t in (FieldType.INTEGER, FieldType.DECIMAL):
        _check_number(f, value, issues)
    elif t == FieldType.SELECT_ONE:
        if not isinstance(value, str) or value not in f.choice_values():
            issues.append(_msg("bad_choice", f))
    elif t == FieldType.SELECT_MANY:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            issues.append(_msg("bad_choice", f))
        elif not set(value) <= f.choice_values() or len(set(value)) != len(value):
            issues.append(_msg("bad_choice", f))
    elif t == FieldType.DATE:
        _check_date(f, value, issues, today)


def validate_answers(
    form: FormDefinition, answers: dict[str, Any], *, final: bool, today: date | None = None
) -> list[Issue]:
    """Every problem with ``answers`` under ``form``; an empty list means valid.

    Drafts (``final=False``) may leave required questions empty, but what is
    filled in must still be well-formed. Calculated fields are not checked
    here: ``derive_answers`` overwrites them.
    """
    today = today or date.today()
    issues: list[Issue] = []
    known = {f.name for f in form.fields}
    for name in answers:
        if name not in known:
            issues.append(
                Issue(
                    field=name,
                    code="unknown_field",
                    message=text(
                        f"Câu hỏi «{name}» không có trong biểu mẫu {form.id} phiên bản {form.version}.",
                        f"Question “{name}” is not in form {form.id} version {form.version}.",
                    ),
                )
            )
    for f in form.fields:
        if f.type == FieldType.CALCULATED:
            continue
        value = answers.get(f.name)
        if _is_blank(value):
            if final and f.required:
                issues.append(_msg("required", f))
            continue
        _check_value(f, value, issues, today)
    return issues


def quiz_score(form: FormDefinition, answers: dict[str, Any]) -> int:
    return sum(f.quiz.points for f in form.quiz_fields() if f.quiz and answers.get(f.name) == f.quiz.correct)


def derive_answers(form: FormDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers with the calculated fields (quiz score and pass) filled in; the input is not changed."""
    out = {k: v for k, v in answers.items() if not (form.field(k) and form.field(k).type == FieldType.CALCULATED)}  # type: ignore[union-attr]
    if form.quiz:
        score = quiz_score(form, out)
        out[form.quiz.score_field] = score
        out[form.quiz.result_field] = "yes" if score >= form.quiz.pass_mark else "no"
    return out


def period_date(form: FormDefinition, answers: dict[str, Any]) -> date | None:
    """The date a record counts for in tallies (its session or survey date)."""
    value = answers.get(form.period_field)
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
