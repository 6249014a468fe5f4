"""The form on screen, as a plain object: the answers so far and the rules about them. No Flet.

Following the trolli example (state in plain models, views that only wire events), the inputs
write each answer here as it changes; the autosaver reads the answers from here, not from the
widgets; and the form screen asks it whether a change must refresh the form and whether leaving
saves a draft. Which questions trigger a refresh comes from the form definition itself
(``schemas.form_deps.refresh_triggers``), so the rule is the same wherever a form is shown.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from schemas.form_deps import refresh_triggers
from schemas.form_state import FormState, choices_for, form_state
from schemas.forms import Choice, FormDefinition
from schemas.records import Record, RecordStatus

from .choice_options import unoffered


class FormSession:
    def __init__(
        self, record: Record, form: FormDefinition, answers: dict[str, Any], *, restored: bool = False
    ) -> None:
        """``answers``: what to show first; ``restored``: they come from the autosave slot, not the record."""
        self.record = record
        self.form = form
        self.restored = restored
        self._given = dict(answers)
        self._answers: dict[str, Any] = {}
        self._initial: dict[str, Any] | None = None
        self.triggers = refresh_triggers(form)

    # ---- what the inputs show first ------------------------------------------------------------------
    def first_value(self, name: str, today: date | None = None) -> Any:
        """The value a question starts with; a new record's period date starts as today, and a
        question with a default (XLSForm's default column) starts with it.

        Shown again (the screen rebuilt), a question keeps what was typed since.
        """
        if self._initial is not None:
            return self._answers.get(name)
        value = self._given.get(name)
        if value is None and name == self.form.period_field and not self._given:
            value = (today or date.today()).isoformat()
        field = self.form.field(name)
        if value is None and not self._given and field is not None and field.default is not None:
            value = field.default  # a new record starts with the form's default answer
        return value

    def shown(self) -> None:
        """The inputs were filled in: the form as first shown is the baseline for leaving it."""
        self._initial = self.answers()

    # ---- answers ---------------------------------------------------------------------------------------
    def set(self, name: str, value: Any) -> bool:
        """An input's answer changed (None: blank). True when the rest of the form must be refreshed."""
        if value is None:
            self._answers.pop(name, None)
        else:
            self._answers[name] = value
        return name in self.triggers

    def answers(self) -> dict[str, Any]:
        """The answers as typed so far (blank ones left out): a copy."""
        return dict(self._answers)

    def state(self) -> FormState:
        """Which questions apply to the answers so far, and the values computed from them."""
        return form_state(self.form, self._answers)

    def settle(self) -> tuple[FormState, set[str]]:
        """The state once every answer its question's choice filter no longer offers is cleared (see
        ``choice_options``), and the questions whose answers that changed (their inputs must show it)."""
        changed: set[str] = set()
        for _ in range(len(self.form.fields) + 1):  # each round clears one link of a chain at least
            state = self.state()
            fixes = unoffered(self.form, self._answers, state)
            if not fixes:
                return state, changed
            for name, value in fixes.items():
                self.set(name, value)
            changed |= set(fixes)
        return self.state(), changed

    def options(self, name: str, state: FormState) -> list[Choice]:
        """The choices question ``name`` offers with the answers of ``state`` (all, without a filter)."""
        field = self.form.field(name)
        return choices_for(field, state.env) if field is not None else []

    def saved(self, record: Record) -> None:
        """The record was stored (draft or final): it is now the one being edited."""
        self.record = record

    # ---- leaving ---------------------------------------------------------------------------------------
    def leaving_saves_draft(self) -> bool:
        """Leaving keeps what was typed when it differs from what was shown (or came from autosave).

        Only a draft is saved on the way out; a finalized record is left as it was.
        """
        answers = self._answers
        changed = bool(answers) and (self.restored or answers != self._initial)
        return changed and self.record.status == RecordStatus.DRAFT
