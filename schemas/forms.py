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
from functools import cached_property, lru_cache
from typing import Any

from pydantic import Field as PField
from pydantic import model_serializer, model_validator

from .common import Issue, LocalizedText, Strict, text, vn_date
from .expr import CURRENT, TODAY, Expression, ExpressionError, as_text, is_blank, parse


class FieldType(str, Enum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    SELECT_ONE = "select_one"
    SELECT_MANY = "select_many"
    DATE = "date"
    TIME = "time"  # "HH:MM", 24-hour
    GEOPOINT = "geopoint"  # {"lat": .., "lon": .., "accuracy": metres or absent}
    COUNT_GRID = "count_grid"  # {row: {column: count}}: audience groups by sex
    NOTE = "note"  # a sentence shown to the officer; never answered
    CALCULATED = "calculated"  # derived by derive_answers(); never typed by the officer
    REPEAT = "repeat"  # [{child: answer}, ...]: a block of questions asked once per entry


# The columns a count grid gets when its definition names none: person-times by sex.
SEX_COLUMNS = [
    {"value": "female", "label": {"vi": "Nữ", "en": "Female"}},
    {"value": "male", "label": {"vi": "Nam", "en": "Male"}},
]


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
    min_length: int | None = PField(default=None, ge=0)
    max_length: int | None = PField(default=None, ge=1)
    pattern: str | None = None
    choices: list[Choice] = []
    rows: list[Choice] = []  # count grid: the audience groups
    columns: list[Choice] = []  # count grid: female / male unless given
    quiz: QuizKey | None = None
    bank: str | None = None  # id of the quiz-bank question this field was made from
    section: str | None = None
    # Logic, in the expression language of schemas.expr (XLSForm syntax):
    relevant: str | None = None  # shown (and answered) only when this holds
    required_if: str | None = None  # required only when this holds
    constraint: str | None = None  # "." is this answer; may name other fields
    constraint_message: LocalizedText | None = None
    calculation: str | None = None  # the value of a calculated field
    default: Any = None  # what a new record's question starts with (XLSForm's default column)
    hidden: bool = False  # a calculated value kept with the record but not shown (XLSForm calculate rows)
    # A repeat: its questions (asked once per entry) and how many entries a final record may have.
    fields: list[FormField] = []
    min_count: int | None = PField(default=None, ge=0)
    max_count: int | None = PField(default=None, ge=1)

    @model_validator(mode="after")
    def _choices_fit_type(self) -> FormField:
        if self.type == FieldType.REPEAT:
            _check_repeat_definition(self)
        elif self.fields or self.min_count is not None or self.max_count is not None:
            raise ValueError(f"field {self.name}: only a repeat has fields and entry counts")
        has_choices = self.type in (FieldType.SELECT_ONE, FieldType.SELECT_MANY)
        if has_choices and not self.choices:
            raise ValueError(f"field {self.name}: a choice question needs choices")
        if self.type == FieldType.COUNT_GRID:
            if not self.rows:
                raise ValueError(f"field {self.name}: a count grid needs rows")
            if not self.columns:
                self.columns = [Choice.model_validate(c) for c in SEX_COLUMNS]
        if self.type == FieldType.NOTE and (self.required or self.required_if or self.constraint):
            raise ValueError(f"field {self.name}: a note is never answered, so it cannot be required")
        if self.hidden and self.type != FieldType.CALCULATED:
            raise ValueError(f"field {self.name}: only a calculated field can be hidden")
        if self.calculation and self.type != FieldType.CALCULATED:
            raise ValueError(f"field {self.name}: only a calculated field has a calculation")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(
                    f"field {self.name}: pattern is not a valid regular expression: {exc}"
                ) from None
        for kind in ("relevant", "required_if", "constraint", "calculation"):
            source = getattr(self, kind)
            if source is None:
                continue
            try:
                refs = compiled(source).refs
            except ExpressionError as exc:
                raise ValueError(f"field {self.name}: {kind}: {exc}") from None
            if CURRENT in refs and kind != "constraint":
                raise ValueError(f"field {self.name}: {kind}: '.' (this answer) is only for constraints")
        if self.quiz and self.type != FieldType.SELECT_ONE:
            raise ValueError(f"field {self.name}: only select_one can be a quiz question")
        if self.quiz and self.quiz.correct not in {c.value for c in self.choices}:
            raise ValueError(f"field {self.name}: the correct answer is not one of the choices")
        return self

    def choice_values(self) -> set[str]:
        return {c.value for c in self.choices}

    @model_serializer(mode="wrap")
    def _compact(self, handler: Any) -> dict[str, Any]:
        return _without_defaults(handler(self), _FIELD_ADDITIONS)


# Keys added with sections and repeats. Left out of a definition's JSON while at their default, so a
# form that does not use them is stored and pulled exactly as before (a phone on an older app still
# reads it, and a published version compares equal to the same version stored before).
_FIELD_ADDITIONS: dict[str, Any] = {
    "default": None,
    "hidden": False,
    "fields": [],
    "min_count": None,
    "max_count": None,
}
_FORM_ADDITIONS: dict[str, Any] = {"sections": []}


def _without_defaults(data: Any, additions: dict[str, Any]) -> Any:
    if isinstance(data, dict):
        for key, default in additions.items():
            if key in data and data[key] == default:
                del data[key]
    return data


def _check_repeat_definition(f: FormField) -> None:
    """One level of repeats (as the field teams' forms have): its questions are plain questions."""
    if not f.fields:
        raise ValueError(f"repeat {f.name}: a repeat needs questions")
    names = [c.name for c in f.fields]
    if len(names) != len(set(names)):
        raise ValueError(f"repeat {f.name}: question names repeat")
    if any(c.type == FieldType.REPEAT for c in f.fields):
        raise ValueError(f"repeat {f.name}: a repeat inside a repeat is not supported")
    if any(c.quiz for c in f.fields):
        raise ValueError(f"repeat {f.name}: quiz questions cannot be repeated")
    if f.min_count is not None and f.max_count is not None and f.min_count > f.max_count:
        raise ValueError(f"repeat {f.name}: min_count is above max_count")
    if f.constraint or f.calculation or f.quiz:
        raise ValueError(f"repeat {f.name}: a repeat has no constraint or calculation of its own")


class Section(Strict):
    """A named part of a form, shown as a heading; its relevance hides every question in it."""

    name: str = PField(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: LocalizedText
    relevant: str | None = None

    @model_validator(mode="after")
    def _relevance_parses(self) -> Section:
        if self.relevant:
            try:
                refs = compiled(self.relevant).refs
            except ExpressionError as exc:
                raise ValueError(f"section {self.name}: relevant: {exc}") from None
            if CURRENT in refs:
                raise ValueError(f"section {self.name}: relevant: '.' (this answer) is only for constraints")
        return self


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
    # Declared sections give a heading and may have a relevance. A field may also name a section
    # that is not declared (the first shipped forms do): it is grouped, and the phone words its heading.
    sections: list[Section] = []

    @model_validator(mode="after")
    def _consistent(self) -> FormDefinition:
        names = [f.name for f in self.fields]
        # Names inside a repeat share the form's name space, so an expression inside an entry reads
        # the entry's own answers and the record's other answers without ambiguity.
        children = [c.name for f in self.fields for c in f.fields]
        if len(names) + len(children) != len(set(names) | set(children)):
            raise ValueError(f"form {self.id}: field names repeat")
        section_names = [s.name for s in self.sections]
        if len(section_names) != len(set(section_names)):
            raise ValueError(f"form {self.id}: section names repeat")
        for sec in self.sections:
            unknown = sorted(compiled(sec.relevant).refs - set(names)) if sec.relevant else []
            if unknown:
                raise ValueError(f"form {self.id}: section {sec.name} refers to unknown field {unknown[0]}")
        for f in self.fields:
            for c in f.fields:
                known = set(names) | {x.name for x in f.fields} | {CURRENT}
                for source in (c.relevant, c.required_if, c.constraint, c.calculation):
                    unknown = sorted(compiled(source).refs - known) if source else []
                    if unknown:
                        raise ValueError(
                            f"form {self.id}: field {f.name}.{c.name} refers to unknown field {unknown[0]}"
                        )
        by_name = {f.name: f for f in self.fields}
        pf = by_name.get(self.period_field)
        if pf is None or pf.type != FieldType.DATE or not pf.required:
            raise ValueError(f"form {self.id}: period_field must name a required date field")
        quiz_outputs: set[str] = set()
        if self.quiz:
            quiz_outputs = {self.quiz.score_field, self.quiz.result_field}
            for fname in quiz_outputs:
                if fname not in by_name or by_name[fname].type != FieldType.CALCULATED:
                    raise ValueError(f"form {self.id}: quiz field {fname} must be a calculated field")
        for f in self.fields:
            if f.type == FieldType.CALCULATED and not f.calculation and f.name not in quiz_outputs:
                raise ValueError(f"form {self.id}: calculated field {f.name} needs a calculation")
            for source in (f.relevant, f.required_if, f.constraint, f.calculation):
                unknown = sorted(compiled(source).refs - set(by_name) - {CURRENT}) if source else []
                if unknown:
                    raise ValueError(f"form {self.id}: field {f.name} refers to unknown field {unknown[0]}")
        return self

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @model_serializer(mode="wrap")
    def _compact(self, handler: Any) -> dict[str, Any]:
        return _without_defaults(handler(self), _FORM_ADDITIONS)

    # Looked up for every answer of every record the server ingests: built once, on first use
    # (a cached_property lives in the instance's __dict__: a plain attribute read afterwards).
    # A form is never changed once validated; a new version is a new definition.
    @cached_property
    def _by_name(self) -> dict[str, FormField]:
        return {f.name: f for f in self.fields}

    @cached_property
    def _quiz_fields(self) -> list[FormField]:
        return [f for f in self.fields if f.quiz is not None]

    @cached_property
    def _single_pass(self) -> bool:
        """True when every relevance and calculation refers only to questions above its own.

        Then one pass in form order already gives the answers' meaning (``FormState``), and
        the second pass that would confirm it is skipped: most forms, the shipped ones included.
        """
        above: set[str] = set()
        quiz_inputs = {f.name for f in self.quiz_fields()}
        quiz_outputs = {self.quiz.score_field, self.quiz.result_field} if self.quiz else set()
        sections = self._sections
        for f in self.fields:
            refs: set[str] = set()
            sec = sections.get(f.section or "")
            for source in (f.relevant, f.calculation, sec.relevant if sec else None):
                if source:
                    refs |= compiled(source).refs
            if f.name in quiz_outputs:
                refs |= quiz_inputs
            if not refs <= above:
                return False
            above.add(f.name)
        return True

    @cached_property
    def _sections(self) -> dict[str, Section]:
        return {sec.name: sec for sec in self.sections}

    def field(self, name: str) -> FormField | None:
        return self._by_name.get(name)

    def section(self, name: str | None) -> Section | None:
        """The declared section ``name``; None if it is not declared (or no section)."""
        return self._sections.get(name or "")

    def quiz_fields(self) -> list[FormField]:
        return self._quiz_fields


@lru_cache(maxsize=4096)
def compiled(source: str) -> Expression:
    """The parsed form of an expression; forms repeat the same few, so parse each once."""
    return parse(source)


# ---- which questions read which (the phone refreshes a form only when a read answer changes) ----------

_SHOWN_BY = ("relevant", "required_if", "calculation")  # what the form on screen shows follows these


def field_readers(form: FormDefinition) -> dict[str, frozenset[str]]:
    """For each question, the questions whose relevance, requirement, constraint or calculation read it.

    The quiz questions are read by the score and result fields. ``.`` (a constraint's own answer)
    is not a dependency. Pure: the same definition always gives the same map.
    """
    readers: dict[str, set[str]] = {f.name: set() for f in form.fields}
    for f in form.fields:
        for kind in (*_SHOWN_BY, "constraint"):
            for name in _refs_of(form, f, kind):
                readers.setdefault(name, set()).add(f.name)
    if form.quiz:
        outputs = {form.quiz.score_field, form.quiz.result_field}
        for q in form.quiz_fields():
            readers.setdefault(q.name, set()).update(outputs)
    return {name: frozenset(names) for name, names in readers.items()}


def refresh_triggers(form: FormDefinition) -> frozenset[str]:
    """The questions whose answers change what else the form shows: which questions apply, computed values.

    Those named by a relevance, requirement or calculation, and the quiz questions (they move the
    score). A constraint is checked when the form is saved, so it triggers nothing while typing.
    """
    names: set[str] = set()
    for f in form.fields:
        for kind in _SHOWN_BY:
            names |= _refs_of(form, f, kind)
    if form.quiz:
        names |= {f.name for f in form.quiz_fields()}
    for f in form.fields:  # a label that shows an answer follows it
        names |= label_refs(f)
    return frozenset(names)


_LABEL_REF = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")


def label_refs(f: FormField) -> set[str]:
    """The answers ``f``'s label or hint shows (``${name}`` in the text, as XLSForm writes it)."""
    texts = [f.label.vi, f.label.en, *([f.hint.vi, f.hint.en] if f.hint else [])]
    return {m.group(1) for t in texts for m in _LABEL_REF.finditer(t)}


def fill_label(label: str, env: dict[str, Any]) -> str:
    """``label`` with each ``${name}`` replaced by that answer as text (blank when unanswered)."""
    if "${" not in label:
        return label
    return _LABEL_REF.sub(lambda m: as_text(env.get(m.group(1))), label)


def _refs_of(form: FormDefinition, f: FormField, kind: str) -> set[str]:
    """The record's questions that ``f``'s rule ``kind`` reads; for a repeat, what its questions read
    outside the entry; a section's relevance is read by every question in it."""
    sources = [getattr(f, kind)] + [getattr(c, kind) for c in f.fields]
    sec = form.section(f.section)
    if kind == "relevant" and sec is not None:
        sources.append(sec.relevant)
    inner = {c.name for c in f.fields} | {CURRENT}
    out: set[str] = set()
    for source in sources:
        if source:
            out |= compiled(source).refs - inner
    return out


# Earliest date any record may carry; the programme (Decision 1521) began in 2020.
EARLIEST_DATE = date(2020, 1, 1)
MAX_COUNT = 100_000  # a count grid cell with no max of its own: person-times in one session

_MESSAGES = {
    "required": ("«{lv}» là bắt buộc.", "“{le}” is required."),
    "not_integer": ("«{lv}» phải là số nguyên.", "“{le}” must be a whole number."),
    "not_number": ("«{lv}» phải là một số.", "“{le}” must be a number."),
    "too_small": ("«{lv}» phải từ {min} trở lên.", "“{le}” must be at least {min}."),
    "too_large": ("«{lv}» không được lớn hơn {max}.", "“{le}” must be at most {max}."),
    "too_long": ("«{lv}» dài quá {max_length} ký tự.", "“{le}” is longer than {max_length} characters."),
    "too_short": ("«{lv}» cần ít nhất {min_length} ký tự.", "“{le}” needs at least {min_length} characters."),
    "pattern": ("«{lv}» không đúng định dạng.", "“{le}” is not in the expected format."),
    "bad_choice": ("«{lv}»: lựa chọn không hợp lệ.", "“{le}”: not one of the choices."),
    "not_text": ("«{lv}» phải là văn bản.", "“{le}” must be text."),
    "bad_date": ("«{lv}» phải là ngày hợp lệ (dd/mm/yyyy).", "“{le}” must be a valid date (dd/mm/yyyy)."),
    "date_too_early": ("«{lv}» không được trước {earliest}.", "“{le}” cannot be before {earliest}."),
    "date_in_future": ("«{lv}» không được ở tương lai.", "“{le}” cannot be in the future."),
    "bad_time": ("«{lv}» phải là giờ hợp lệ (hh:mm).", "“{le}” must be a valid time (hh:mm)."),
    "bad_location": (
        "«{lv}» phải là vĩ độ (−90 đến 90) và kinh độ (−180 đến 180).",
        "“{le}” must be a latitude (−90 to 90) and a longitude (−180 to 180).",
    ),
    "bad_grid": ("«{lv}»: bảng số lượng không hợp lệ.", "“{le}”: the count table is not valid."),
    "grid_cell": (
        "«{lv}» — {cell}: phải là số nguyên từ 0 đến {max}.",
        "“{le}” — {cell}: must be a whole number from 0 to {max}.",
    ),
    "constraint": ("«{lv}»: giá trị không hợp lệ.", "“{le}”: the value is not allowed."),
    "bad_repeat": ("«{lv}»: danh sách không hợp lệ.", "“{le}”: the list of entries is not valid."),
    "too_few": ("«{lv}» cần ít nhất {min} mục.", "“{le}” needs at least {min} entries."),
    "too_many": ("«{lv}» không được quá {max} mục.", "“{le}” can have at most {max} entries."),
}


def _msg(code: str, field: FormField, **kw: Any) -> Issue:
    vi, en = _MESSAGES[code]
    fmt = {"lv": field.label.vi, "le": field.label.en, **{k: _num(v) for k, v in kw.items()}}
    return Issue(field=field.name, code=code, message=text(vi.format(**fmt), en.format(**fmt)))


def _num(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _check_number(f: FormField, value: Any, issues: list[Issue]) -> None:
    if not _is_number(value):
        issues.append(_msg("not_integer" if f.type == FieldType.INTEGER else "not_number", f))
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
        issues.append(_msg("date_too_early", f, earliest=vn_date(EARLIEST_DATE)))
    elif d > today + timedelta(days=1):  # a day of slack for phones east of the server's clock
        issues.append(_msg("date_in_future", f))


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_geopoint(f: FormField, value: Any, issues: list[Issue]) -> None:
    ok = (
        isinstance(value, dict)
        and set(value) <= {"lat", "lon", "accuracy"}
        and _is_number(value.get("lat"))
        and _is_number(value.get("lon"))
        and -90 <= value["lat"] <= 90
        and -180 <= value["lon"] <= 180
        and (value.get("accuracy") is None or (_is_number(value["accuracy"]) and value["accuracy"] >= 0))
    )
    if not ok:
        issues.append(_msg("bad_location", f))


def _check_grid(f: FormField, value: Any, issues: list[Issue]) -> None:
    rows = {c.value: c.label for c in f.rows}
    cols = {c.value: c.label for c in f.columns}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        issues.append(_msg("bad_grid", f))
        return
    if not set(value) <= set(rows) or not all(set(cells) <= set(cols) for cells in value.values()):
        issues.append(_msg("bad_grid", f))
        return
    top = f.max if f.max is not None else MAX_COUNT
    for r, cells in value.items():
        for c, n in cells.items():
            if n is None:
                continue
            if not _is_number(n) or (isinstance(n, float) and not n.is_integer()) or not 0 <= n <= top:
                vi, en = _MESSAGES["grid_cell"]
                cell_vi, cell_en = f"{rows[r].vi}, {cols[c].vi}", f"{rows[r].en}, {cols[c].en}"
                message = text(
                    vi.format(lv=f.label.vi, cell=cell_vi, max=_num(top)),
                    en.format(le=f.label.en, cell=cell_en, max=_num(top)),
                )
                issues.append(Issue(field=f.name, code="grid_cell", message=message))
                return


def _check_value(f: FormField, value: Any, issues: list[Issue], today: date) -> None:
    t = f.type
    if t in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str):
            issues.append(_msg("not_text", f))
            return
        limit = f.max_length or (200 if t == FieldType.TEXT else 4000)
        if len(value) > limit:
            issues.append(_msg("too_long", f, max_length=limit))
        elif f.min_length and len(value) < f.min_length:
            issues.append(_msg("too_short", f, min_length=f.min_length))
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
    elif t == FieldType.TIME:
        if not isinstance(value, str) or not _TIME.match(value):
            issues.append(_msg("bad_time", f))
    elif t == FieldType.GEOPOINT:
        _check_geopoint(f, value, issues)
    elif t == FieldType.COUNT_GRID:
        _check_grid(f, value, issues)


# ---- logic: what is shown, what is computed -----------------------------------------------------

_NO_ANSWER = (FieldType.CALCULATED, FieldType.NOTE)


class FormState:
    """What a set of answers means under a form: which questions are hidden, and the computed values.

    Relevance is decided in form order, and a hidden question counts as blank
    for every expression after it (so hiding a question also hides what
    depends on it), the way ODK does it. Calculations may refer to fields
    further down; the evaluation repeats until nothing changes (a few rounds
    at most). A form whose expressions only look upwards needs one pass.
    """

    def __init__(
        self,
        form: FormDefinition,
        answers: dict[str, Any],
        *,
        fixpoint: bool = False,
        today: date | None = None,
    ):
        """``fixpoint``: repeat until nothing changes even where one pass is known to be enough (tests).

        ``today``: the date ``today()`` gives (the validator's); the programme's clock if None."""
        typed = {k: v for k, v in answers.items() if not _computed(form, k)}
        hidden: set[str] = set()
        values: dict[str, Any] = {}
        clock = {TODAY: today.isoformat()} if today else {}
        rounds = 1 if form._single_pass and not fixpoint else 1 + min(len(form.fields), 8)
        for _ in range(rounds):
            env = {k: v for k, v in typed.items() if k not in hidden}
            env.update(values)
            env.update(clock)
            new_hidden: set[str] = set()
            new_values: dict[str, Any] = {}
            section_shown: dict[str, bool] = {}  # a section's relevance, decided at its first question
            for f in form.fields:
                sec = form.section(f.section)
                if sec is not None and sec.relevant and sec.name not in section_shown:
                    section_shown[sec.name] = compiled(sec.relevant).test(env)
                in_hidden_section = sec is not None and not section_shown.get(sec.name, True)
                if in_hidden_section or (f.relevant and not compiled(f.relevant).test(env)):
                    new_hidden.add(f.name)
                    env.pop(f.name, None)
                    continue
                if f.type == FieldType.CALCULATED:
                    v = _calculate(form, f, env)
                    if v is None:
                        env.pop(f.name, None)
                    else:
                        env[f.name] = new_values[f.name] = v
            done = new_hidden == hidden and new_values == values
            hidden, values = new_hidden, new_values
            if done:
                break
        self.hidden = hidden
        self.values = values
        self.env = env

    def shown(self, name: str) -> bool:
        return name not in self.hidden

    def required(self, f: FormField) -> bool:
        if f.name in self.hidden or f.type in _NO_ANSWER:
            return False
        return f.required or bool(f.required_if and compiled(f.required_if).test(self.env))


def _computed(form: FormDefinition, name: str) -> bool:
    f = form.field(name)
    return f is not None and f.type in _NO_ANSWER


def _score(form: FormDefinition, env: dict[str, Any]) -> int:
    return sum(f.quiz.points for f in form.quiz_fields() if f.quiz and env.get(f.name) == f.quiz.correct)


def _calculate(form: FormDefinition, f: FormField, env: dict[str, Any]) -> Any:
    if form.quiz and f.name == form.quiz.score_field:
        return _score(form, env)
    if form.quiz and f.name == form.quiz.result_field:
        return "yes" if _score(form, env) >= form.quiz.pass_mark else "no"
    value = compiled(f.calculation).evaluate(env) if f.calculation else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value


def form_state(form: FormDefinition, answers: dict[str, Any]) -> FormState:
    """Which questions ``answers`` hide and what the calculated fields come to (phone and server alike)."""
    return FormState(form, answers)


def _constraint_issue(f: FormField) -> Issue:
    if f.constraint_message:
        return Issue(field=f.name, code="constraint", message=f.constraint_message)
    return _msg("constraint", f)


def validate_answers(
    form: FormDefinition,
    answers: dict[str, Any],
    *,
    final: bool,
    today: date | None = None,
    state: FormState | None = None,
) -> list[Issue]:
    """Every problem with ``answers`` under ``form``; an empty list means valid.

    Drafts (``final=False``) may leave required questions empty, but what is
    filled in must still be well-formed. Calculated fields are not checked
    here: ``derive_answers`` overwrites them. A hidden question's answer is
    not checked either: ``derive_answers`` drops it.
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
    state = state or FormState(form, answers, today=today)
    # what today() means in a constraint, also when the caller's state was computed without the day
    env = {**state.env, TODAY: today.isoformat()}
    for f in form.fields:
        if f.type in _NO_ANSWER or not state.shown(f.name):
            continue
        value = answers.get(f.name)
        if f.type == FieldType.REPEAT:
            issues += repeat_issues(f, value, env, final=final, today=today)
            continue
        if is_blank(value):
            if final and state.required(f):
                issues.append(_msg("required", f))
            continue
        before = len(issues)
        _check_value(f, value, issues, today)
        if f.constraint and len(issues) == before and not compiled(f.constraint).test(env, value):
            issues.append(_constraint_issue(f))
    return issues


# ---- repeats: each entry is checked like a small form, reading the record's other answers too ----------


class EntryState:
    """One repeat entry under its repeat: hidden questions, computed values, what its expressions read.

    One pass in order: inside an entry a question reads the questions above it and the record's other
    answers (``outer``), which is what repeats in field teams' forms do."""

    def __init__(self, repeat: FormField, outer: dict[str, Any], entry: dict[str, Any]):
        env = dict(outer)
        env.update(
            {c.name: entry[c.name] for c in repeat.fields if c.name in entry and c.type not in _NO_ANSWER}
        )
        self.hidden: set[str] = set()
        self.values: dict[str, Any] = {}
        for c in repeat.fields:
            if c.relevant and not compiled(c.relevant).test(env):
                self.hidden.add(c.name)
                env.pop(c.name, None)
            elif c.type == FieldType.CALCULATED:
                v = compiled(c.calculation).evaluate(env) if c.calculation else None
                v = int(v) if isinstance(v, float) and v.is_integer() else v
                if v is None:
                    env.pop(c.name, None)
                else:
                    env[c.name] = self.values[c.name] = v
        self.env = env

    def required(self, c: FormField) -> bool:
        if c.name in self.hidden or c.type in _NO_ANSWER:
            return False
        return c.required or bool(c.required_if and compiled(c.required_if).test(self.env))


def _in_entry(f: FormField, number: int, inner: Issue, child: str | None) -> Issue:
    """An entry's issue, placed (``repeat[2].topic``) and worded with the repeat and entry number."""
    m = inner.message
    return Issue(
        field=f"{f.name}[{number}]" + (f".{child}" if child else ""),
        code=inner.code,
        message=text(f"{f.label.vi} {number}: {m.vi}", f"{f.label.en} {number}: {m.en}"),
    )


def repeat_issues(
    f: FormField, value: Any, outer: dict[str, Any], *, final: bool, today: date
) -> list[Issue]:
    """Every problem with a repeat's entries (a final record also has its counts checked)."""
    if is_blank(value):
        value = []
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        return [_msg("bad_repeat", f)]
    issues: list[Issue] = []
    if final and not value and f.required:
        issues.append(_msg("required", f))
    elif final and f.min_count and len(value) < f.min_count:
        issues.append(_msg("too_few", f, min=f.min_count))
    if f.max_count is not None and len(value) > f.max_count:
        issues.append(_msg("too_many", f, max=f.max_count))
    known = {c.name for c in f.fields}
    for number, entry in enumerate(value, start=1):
        for name in sorted(set(entry) - known):
            unknown = Issue(
                code="unknown_field",
                message=text(f"câu hỏi «{name}» không có trong mục này.", f"question “{name}” is not in it."),
            )
            issues.append(_in_entry(f, number, unknown, name))
        es = EntryState(f, outer, entry)
        for c in f.fields:
            if c.type in _NO_ANSWER or c.name in es.hidden:
                continue
            v = entry.get(c.name)
            found: list[Issue] = []
            if is_blank(v):
                if final and es.required(c):
                    found.append(_msg("required", c))
            else:
                _check_value(c, v, found, today)
                if c.constraint and not found and not compiled(c.constraint).test(es.env, v):
                    found.append(_constraint_issue(c))
            issues += [_in_entry(f, number, i, c.name) for i in found]
    return issues


def _derive_entries(f: FormField, value: Any, outer: dict[str, Any]) -> Any:
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        return value
    out = []
    for entry in value:
        es = EntryState(f, outer, entry)
        kept = {k: v for k, v in entry.items() if not _computed_in(f, k) and k not in es.hidden}
        kept.update(es.values)
        out.append(kept)
    return out


def _computed_in(repeat: FormField, name: str) -> bool:
    return any(c.name == name and c.type in _NO_ANSWER for c in repeat.fields)


def quiz_score(form: FormDefinition, answers: dict[str, Any]) -> int:
    """Points for the right answers to the quiz questions the respondent was shown."""
    state = form_state(form, answers)
    return _score(form, {k: v for k, v in answers.items() if state.shown(k)})


def derive_answers(
    form: FormDefinition, answers: dict[str, Any], *, state: FormState | None = None
) -> dict[str, Any]:
    """Answers as they are stored: calculated fields (quiz score and pass) filled in, hidden ones dropped.

    The input is not changed. Whatever a phone sent for a calculated field is
    replaced, so a tally never trusts a computed value it did not compute.
    ``state``: ``form_state(form, answers)`` if the caller has it already.
    """
    state = state or form_state(form, answers)
    out = {k: v for k, v in answers.items() if not _computed(form, k) and state.shown(k)}
    out.update(state.values)
    for f in form.fields:
        if f.type == FieldType.REPEAT and f.name in out:
            out[f.name] = _derive_entries(f, out[f.name], state.env)
    return out


def period_date(form: FormDefinition, answers: dict[str, Any]) -> date | None:
    """The date a record counts for in tallies (its session or survey date)."""
    value = answers.get(form.period_field)
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
