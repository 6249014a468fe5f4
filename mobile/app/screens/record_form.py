"""A record's form, generated from its definition: save as draft or finalize."""

from __future__ import annotations

from datetime import date
from typing import Any

import flet as ft

from schemas.forms import FormDefinition, compiled, form_state
from schemas.records import Record, RecordStatus

from ...records import ValidationFailed
from ..autosave import Autosaver
from ..fields import CalculatedDisplay, FieldInput, make_input
from ..widgets import big_button, frame

_SECTIONS = {"quiz": "quiz_section", "attendance": "attendance_section"}


class RecordFormScreen:
    def __init__(
        self, shell, record: Record, form: FormDefinition, answers: dict[str, Any], *, restored: bool = False
    ):
        """``answers``: what to show; ``restored``: they come from the autosave slot, not from the record."""
        self.shell = shell
        self.record = record
        self.form = form
        self.answers = dict(answers)
        self.inputs: dict[str, FieldInput] = {}
        self.loose_issues: list[str] = []  # problems that belong to no one question
        self.restored = restored
        self.autosaver = Autosaver(shell, self, lambda: (self.record, self.collect()))

    def build(self) -> ft.View:
        t, lang = self.shell.t, self.shell.service.lang
        controls: list[ft.Control] = []
        if self.form.description:
            controls.append(ft.Text(self.form.description.get(lang), size=13, italic=True))
        section = None
        watched = _watched_fields(self.form)
        for field in self.form.fields:
            box = make_input(field, lang)
            if box is None:
                continue
            if field.section != section and field.section in _SECTIONS:
                controls.append(ft.Divider())
                controls.append(ft.Text(t(_SECTIONS[field.section]), weight=ft.FontWeight.W_600))
            section = field.section
            value = self.answers.get(field.name)
            if value is None and field.name == self.form.period_field and not self.answers:
                value = date.today().isoformat()
            box.set(value)
            box.on_change = self._changed_watched if field.name in watched else self._changed
            self.inputs[field.name] = box
            controls.append(box.control)
        self.refresh()
        self.summary = ft.Text("", color=ft.Colors.ERROR, visible=False)
        buttons = ft.Row(
            [
                big_button(
                    t("save_draft"), self.shell.guard(self.on_draft), icon=ft.Icons.SAVE, primary=False
                ),
                big_button(t("finalize"), self.shell.guard(self.on_finalize), icon=ft.Icons.CHECK),
            ]
        )
        controls += [self.summary, self.autosaver.label, buttons]
        self.autosaver.start(restored=self.restored)
        self.initial = self.collect()  # as first shown; leaving it so saves nothing
        return frame(
            f"/record/{self.record.id}",
            self.form.title.get(lang),
            controls,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
        )

    def refresh(self) -> None:
        """Show only the questions that apply to the answers so far, and the values computed from them."""
        state = form_state(self.form, self.collect())
        for name, box in self.inputs.items():
            box.control.visible = state.shown(name)
            if isinstance(box, CalculatedDisplay):
                box.show_value(state.values.get(name))

    def _changed(self) -> None:
        """An answer changed: the error count under the form follows the fixes as they are made."""
        if not self.summary.visible:
            return
        left = sum(1 for box in self.inputs.values() if box.error.visible and box.control.visible)
        left += len(self.loose_issues)
        self.summary.visible = left > 0
        self.summary.value = "\n".join([self.shell.t("form_has_errors", n=left), *self.loose_issues])

    def _changed_watched(self) -> None:
        self.refresh()
        self._changed()

    def collect(self) -> dict[str, Any]:
        out = {name: box.value() for name, box in self.inputs.items()}
        return {k: v for k, v in out.items() if v is not None}

    def _show_issues(self, err: ValidationFailed) -> None:
        lang = self.shell.service.lang
        for box in self.inputs.values():
            box.show_error(None)
        loose = self.loose_issues = []
        for issue in err.issues:
            box = self.inputs.get(issue.field or "")
            if box is not None:
                box.show_error(issue.message.get(lang))
            else:
                loose.append(issue.message.get(lang))
        self.summary.value = "\n".join([self.shell.t("form_has_errors", n=len(err.issues)), *loose])
        self.summary.visible = True
        self.shell.page.update()
        self.shell.toast(self.shell.t("form_has_errors", n=len(err.issues)), error=True)

    async def _save(self, finalize: bool) -> bool:
        answers = self.collect()
        svc = self.shell.service
        try:
            stored = await (
                svc.finalize(self.record, answers) if finalize else svc.save_draft(self.record, answers)
            )
        except ValidationFailed as err:
            self._show_issues(err)
            return False
        self.record, self.answers = stored.record, stored.record.answers
        return True

    async def flush(self) -> None:
        """The app is being hidden: keep what is typed (called by the shell)."""
        await self.autosaver.flush()

    async def on_draft(self, e) -> None:
        if await self._save(finalize=False):
            await self.autosaver.finish()
            self.shell.toast(self.shell.t("saved_draft"))
            self.shell.home()

    async def on_finalize(self, e) -> None:
        if await self._save(finalize=True):
            await self.autosaver.finish()
            self.shell.toast(self.shell.t("finalized"))
            self.shell.home()
            self.shell.spawn(self.shell.auto_sync("finalized"))

    async def on_back(self, e) -> None:
        # Leaving a draft keeps what was typed (autosave); a finalized record is left as it was.
        answers = self.collect()
        changed = answers and (self.restored or answers != self.initial)  # restored: not saved anywhere yet
        if changed and self.record.status == RecordStatus.DRAFT and not await self._save(finalize=False):
            return
        await self.autosaver.finish()
        self.shell.home()


def _watched_fields(form: FormDefinition) -> set[str]:
    """The questions whose answers change what else the form shows: only these refresh it as they change."""
    names: set[str] = set()
    for f in form.fields:
        for source in (f.relevant, f.required_if, f.calculation):
            if source:
                names |= compiled(source).refs
    if form.quiz:
        names |= {f.name for f in form.quiz_fields()}
    return names
