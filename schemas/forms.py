"""Form definitions: the models a form is made of, and the checks a definition itself must pass.

A form is data (``schemas/forms/*.json``); the phone generates its screens
from it and the server checks every pushed record against the same version
with the same code, so a record the phone accepted is never rejected for a
rule the phone did not know. What answers mean under a form is in
``schemas.form_state``, checking them in ``schemas.form_validation``, and which
questions read which in ``schemas.form_deps``: one idea per module.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import cached_property, lru_cache
from typing import Annotated, Any

from pydantic import Field as PField
from pydantic import StringConstraints, model_serializer, model_validator

from .common import LocalizedText, Strict
from .expr import CURRENT, Expression, ExpressionError, parse


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
    IMAGE = "image"  # [MediaRef, ...] (schemas.media): photos; min/max bound how many


# Questions the officer never answers: a phone's value for them is not an answer (``form_state``).
NO_ANSWER = (FieldType.CALCULATED, FieldType.NOTE)


# The columns a count grid gets when its definition names none: person-times by sex.
SEX_COLUMNS = [
    {"value": "female", "label": {"vi": "Nữ", "en": "Female"}},
    {"value": "male", "label": {"vi": "Nam", "en": "Male"}},
]


# A choice's other columns (XLSForm's extra columns of the choices sheet), which a choice filter reads
# as ``@column``. ``name`` is the choice's own value, so no column may be called that.
ColumnName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
MAX_COLUMNS = 32
MAX_COLUMN_TEXT = 200


class Choice(Strict):
    value: str
    label: LocalizedText
    filters: dict[ColumnName, Annotated[str, StringConstraints(max_length=MAX_COLUMN_TEXT)]] = PField(
        default={}, max_length=MAX_COLUMNS
    )

    @model_validator(mode="after")
    def _name_is_the_value(self) -> Choice:
        if "name" in self.filters:
            raise ValueError(f"choice {self.value}: 'name' is the choice's value, not one of its columns")
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler: Any) -> dict[str, Any]:
        return _without_defaults(handler(self), {"filters": {}})


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
    # Which choices a select question offers now: those for which this holds, reading the answers as
    # ``${name}`` and the choice's columns as ``@column`` (``@name``: its value). See form_state.choices_for.
    choice_filter: str | None = None
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
        if self.type == FieldType.IMAGE:
            _check_image_definition(self)
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
        if self.choice_filter is not None:
            _check_choice_filter(self)
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
    "choice_filter": None,
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


def _check_choice_filter(f: FormField) -> None:
    """A choice filter belongs to a select question, parses, and reads only columns its choices have."""
    if f.type not in (FieldType.SELECT_ONE, FieldType.SELECT_MANY):
        raise ValueError(f"field {f.name}: only a select question has a choice filter")
    if f.quiz:
        raise ValueError(f"field {f.name}: a quiz question cannot filter its choices")
    try:
        expr = compiled(f.choice_filter or "", choice_filter=True)
    except ExpressionError as exc:
        raise ValueError(f"field {f.name}: choice_filter: {exc}") from None
    if CURRENT in expr.refs:
        raise ValueError(f"field {f.name}: choice_filter: '.' (this answer) is only for constraints")
    have = {"name"}.union(*(c.filters for c in f.choices))
    missing = sorted(expr.columns - have)
    if missing:
        raise ValueError(f"field {f.name}: choice_filter: its choices have no column '{missing[0]}'")


def _check_image_definition(f: FormField) -> None:
    """A photo question: ``min``/``max`` count photos; it has no default (a photo is taken, not preset)."""
    if f.default is not None:
        raise ValueError(f"field {f.name}: a photo question has no default")
    for bound in (f.min, f.max):
        if bound is not None and (bound < 0 or not float(bound).is_integer()):
            raise ValueError(f"field {f.name}: min and max of a photo question are whole numbers of photos")
    if f.max is not None and f.max < 1:
        raise ValueError(f"field {f.name}: a photo question's max is at least 1")
    if f.min is not None and f.max is not None and f.min > f.max:
        raise ValueError(f"field {f.name}: min is above max")


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
                unknown = sorted(expression_refs(c) - known)
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
            unknown = sorted(expression_refs(f) - set(by_name) - {CURRENT})
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
    def _no_answer(self) -> frozenset[str]:
        """The names of the questions of a ``NO_ANSWER`` type."""
        return frozenset(f.name for f in self.fields if f.type in NO_ANSWER)

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

    def takes_no_answer(self, name: str) -> bool:
        """True when ``name`` is a top-level question of a ``NO_ANSWER`` type (a calculation, a note)."""
        return name in self._no_answer


def expression_refs(f: FormField) -> set[str]:
    """The answers ``f``'s own rules read (relevance, requirement, constraint, calculation, choice filter)."""
    out: set[str] = set()
    for source in (f.relevant, f.required_if, f.constraint, f.calculation):
        if source:
            out |= compiled(source).refs
    if f.choice_filter:
        out |= compiled(f.choice_filter, choice_filter=True).refs
    return out


@lru_cache(maxsize=4096)
def compiled(source: str, *, choice_filter: bool = False) -> Expression:
    """The parsed form of an expression; forms repeat the same few, so parse each once.

    ``choice_filter``: a choice filter, where ``@column`` reads the choice's columns."""
    return parse(source, choice_filter=choice_filter)
