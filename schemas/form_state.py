"""What a set of answers means under a form: hidden questions, computed values, stored answers.

Phone and server run the same code (``FormState``, ``EntryState`` for a repeat's entries,
``derive_answers``) so a record's shown questions and calculated fields never differ between them.
Kept apart from validation (``schemas.form_validation``), which reads this state to decide what
to check.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .expr import CHOICE_COLUMN, TODAY
from .forms import NO_ANSWER, Choice, FieldType, FormDefinition, FormField, compiled

# ---- logic: what is shown, what is computed -----------------------------------------------------


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
        typed = {k: v for k, v in answers.items() if not form.takes_no_answer(k)}
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
        if f.name in self.hidden or f.type in NO_ANSWER:
            return False
        return f.required or bool(f.required_if and compiled(f.required_if).test(self.env))


def choices_for(f: FormField, env: dict[str, Any]) -> list[Choice]:
    """The choices select question ``f`` offers now, in their order: those its choice filter lets through.

    ``env``: the answers as the form reads them (``FormState.env``, or an entry's ``EntryState.env``),
    so a hidden answer counts as blank. A question with no filter offers all its choices. The phone
    shows these and the validator accepts only these, on both sides."""
    if not f.choice_filter:
        return f.choices
    expr = compiled(f.choice_filter, choice_filter=True)
    scope = {k: v for k, v in env.items() if not k.startswith(CHOICE_COLUMN)}
    out = []
    for c in f.choices:
        for column in expr.columns:
            scope[CHOICE_COLUMN + column] = c.value if column == "name" else c.filters.get(column)
        if expr.test(scope):
            out.append(c)
    return out


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


# ---- repeats: each entry is evaluated like a small form, reading the record's other answers too --------


class EntryState:
    """One repeat entry under its repeat: hidden questions, computed values, what its expressions read.

    One pass in order: inside an entry a question reads the questions above it and the record's other
    answers (``outer``), which is what repeats in field teams' forms do."""

    def __init__(self, repeat: FormField, outer: dict[str, Any], entry: dict[str, Any]):
        env = dict(outer)
        env.update(
            {c.name: entry[c.name] for c in repeat.fields if c.name in entry and c.type not in NO_ANSWER}
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
        if c.name in self.hidden or c.type in NO_ANSWER:
            return False
        return c.required or bool(c.required_if and compiled(c.required_if).test(self.env))


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
    return any(c.name == name and c.type in NO_ANSWER for c in repeat.fields)


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
    out = {k: v for k, v in answers.items() if not form.takes_no_answer(k) and state.shown(k)}
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
