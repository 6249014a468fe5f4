"""A record's form, generated from its definition: save as draft or finalize.

The answers and the rules about them live in ``FormSession``; this screen builds the inputs,
forwards their changes to the session, and shows what it says.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from schemas.forms import FormDefinition
from schemas.records import Record

from ...records import ValidationFailed
from ..autosave import Autosaver
from ..fields import CalculatedDisplay, FieldInput
from ..inputs import make_input
from ..viewmodels.form_session import FormSession
from ..widgets import big_button, frame

_SECTIONS = {"quiz": "quiz_section", "attendance": "attendance_section"}


class RecordFormScreen:
    def __init__(
        self, shell, record: Record, form: FormDefinition, answers: dict[str, Any], *, restored: bool = False
    ):
        """``answers``: what to show; ``restored``: they come from the autosave slot, not from the record."""
        self.shell = shell
        self.session = FormSession(record, form, answers, restored=restored)
        self.inputs: dict[str, FieldInput] = {}
        self.loose_issues: list[str] = []  # problems that belong to no one question
        self.autosaver = Autosaver(shell, self, self.session)

    @property
    def record(self) -> Record:
        return self.session.record

    @property
    def form(self) -> FormDefinition:
        return self.session.form

    def build(self) -> ft.View:
        t, lang = self.shell.t, self.shell.service.lang
        controls: list[ft.Control] = []
        if self.form.description:
            controls.append(ft.Text(self.form.description.get(lang), size=13, italic=True))
        section = None
        self.inputs = {}
        for field in self.form.fields:
            box = make_input(field, lang)
            if box is None:
                continue
            if field.section != section and field.section in _SECTIONS:
                controls.append(ft.Divider())
                controls.append(ft.Text(t(_SECTIONS[field.section]), weight=ft.FontWeight.W_600))
            section = field.section
            box.set(self.session.first_value(field.name))
            box.on_change = self._on_change(field.name, box)
            self.inputs[field.name] = box
            controls.append(box.control)
        for name, box in self.inputs.items():  # the session holds what the inputs read as
            self.session.set(name, box.value())
        self.session.shown()  # as first shown; leaving it so saves nothing
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
        return frame(
            f"/record/{self.record.id}",
            self.form.title.get(lang),
            controls,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
        )

    def mount(self) -> None:
        """Shown: start keeping what is typed (called by the shell after ``build``)."""
        self.autosaver.start(restored=self.session.restored)

    def refresh(self) -> None:
        """Show only the questions that apply to the answers so far, and the values computed from them."""
        state = self.session.state()
        for name, box in self.inputs.items():
            box.control.visible = state.shown(name)
            if isinstance(box, CalculatedDisplay):
                box.show_value(state.values.get(name))

    def _on_change(self, name: str, box: FieldInput):
        def changed() -> None:
            if self.session.set(name, box.value()):
                self.refresh()
            self._recount()

        return changed

    def _recount(self) -> None:
        """An answer changed: the error count under the form follows the fixes as they are made."""
        if not self.summary.visible:
            return
        left = sum(1 for box in self.inputs.values() if box.error.visible and box.control.visible)
        left += len(self.loose_issues)
        self.summary.visible = left > 0
        self.summary.value = "\n".join([self.shell.t("form_has_errors", n=left), *self.loose_issues])

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
        answers = self.session.answers()
        svc = self.shell.service
        try:
            stored = await (
                svc.finalize(self.record, answers) if finalize else svc.save_draft(self.record, answers)
            )
        except ValidationFailed as err:
            self._show_issues(err)
            return False
        self.session.saved(stored.record)
        return True

    async def flush(self) -> None:
        """The app is being hidden: keep what is typed (called by the shell)."""
        await self.autosaver.flush()

    async def on_draft(self, e) -> None:
        if await self._save(finalize=False):
            await self.autosaver.finish()
            self.shell.toast(self.shell.t("saved_draft"))
            self.shell.go("home")

    async def on_finalize(self, e) -> None:
        if await self._save(finalize=True):
            await self.autosaver.finish()
            self.shell.toast(self.shell.t("finalized"))
            self.shell.go("home")
            self.shell.spawn(self.shell.auto_sync("finalized"))

    async def on_back(self, e) -> None:
        # Leaving a draft keeps what was typed (autosave); a finalized record is left as it was.
        if self.session.leaving_saves_draft() and not await self._save(finalize=False):
            return
        await self.autosaver.finish()
        self.shell.go("home")
