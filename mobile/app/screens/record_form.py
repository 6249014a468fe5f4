"""A record's form, generated from its definition: save as draft or finalize.

The answers and the rules about them live in ``FormSession``; this screen builds the inputs,
forwards their changes to the session, and shows what it says.
"""

from __future__ import annotations

import re
from typing import Any

import flet as ft

from schemas.form_deps import label_refs
from schemas.forms import FieldType, FormDefinition
from schemas.records import Record

from ...records import ValidationFailed
from ..autosave import Autosaver
from ..fields import CalculatedDisplay, FieldInput
from ..inputs import make_input
from ..photo_input import PhotoInput
from ..repeat_input import RepeatInput
from ..viewmodels.form_session import FormSession
from ..viewmodels.issue_summary import scroll_key, summarize
from ..widgets import big_button, frame, full_width

_SECTIONS = {"quiz": "quiz_section", "attendance": "attendance_section"}
_PLACE = re.compile(r"^([a-z][a-z0-9_]*)\[(\d+)\](?:\.([a-z][a-z0-9_]*))?$")


def _place(field: str) -> tuple[str, int | None, str | None]:
    """Where an issue belongs: ``questions[2].topic`` is entry 2's topic; ``place`` is a plain question."""
    m = _PLACE.match(field)
    if m is None:
        return field, None, None
    return m.group(1), int(m.group(2)), m.group(3)


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
        self.places: dict[str, ft.Column] = {}  # each question with the marker the summary scrolls to
        self.headings: dict[str, tuple[ft.Control, list[str]]] = {}  # section: (heading, its questions)
        for field in self.form.fields:
            box = make_input(field, lang)
            if box is None or (field.type == FieldType.CALCULATED and field.hidden):
                continue
            if field.section != section and field.section:
                heading = self._heading(field.section, lang)
                if heading is not None:
                    controls.append(heading)
                    self.headings.setdefault(field.section, (heading, []))
            section = field.section
            if section in self.headings:
                self.headings[section][1].append(field.name)
            box.set(self.session.first_value(field.name))
            box.on_change = self._on_change(field.name, box)
            self.inputs[field.name] = box
            # The error summary scrolls to a keyed marker above the question, not to the input: an
            # input with a key of its own was seen to drop what was typed into it on a loaded machine.
            marker = ft.Container(height=0, key=ft.ScrollKey(scroll_key(field.name)))
            self.places[field.name] = ft.Column([marker, full_width(box.control)], spacing=0)
            controls.append(self.places[field.name])
        self.labelled = {f.name for f in self.form.fields if label_refs(f)}
        self.filtered = {f.name for f in self.form.fields if f.choice_filter}
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
        view = frame(
            f"/record/{self.record.id}",
            self.form.title.get(lang),
            controls,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
        )
        self.body = view.controls[0]  # the scrolling column the questions sit in
        return view

    def _heading(self, name: str, lang: str) -> ft.Control | None:
        """A section's heading: its declared label, or the phone's words for the first forms' sections.

        Headings on one scrolling page, not pages with next/back: an officer on a cheap phone scrolls
        back to fix one answer faster than paging, and the error summary names the section to look in."""
        declared = self.form.section(name)
        words = declared.label.get(lang) if declared else None
        if words is None and name in _SECTIONS:
            words = self.shell.t(_SECTIONS[name])
        if words is None:
            return None
        return ft.Column([ft.Divider(), ft.Text(words, weight=ft.FontWeight.W_600, size=16)], spacing=2)

    def _section_name(self, name: str) -> str | None:
        """The heading a question sits under (the error summary points there)."""
        field = self.form.field(name)
        if field is None or not field.section:
            return None
        declared = self.form.section(field.section)
        if declared is not None:
            return declared.label.get(self.shell.service.lang)
        key = _SECTIONS.get(field.section)
        return self.shell.t(key) if key else None

    def mount(self) -> None:
        """Shown: start keeping what is typed (called by the shell after ``build``)."""
        self.autosaver.start(restored=self.session.restored)
        for box in self._photo_inputs():  # the photos already attached: thumbnails, made in memory
            self.shell.spawn(box.load_thumbnails(self.shell))

    def _photo_inputs(self) -> list[PhotoInput]:
        """The form's photo questions holding photos, at its top and inside repeat entries."""
        boxes: list[FieldInput] = list(self.inputs.values())
        for box in self.inputs.values():
            if isinstance(box, RepeatInput):
                boxes += [child for entry in box.entries for child in entry.inputs.values()]
        return [b for b in boxes if isinstance(b, PhotoInput) and b.model.refs]

    def refresh(self) -> None:
        """Show only the questions that apply to the answers so far, the values computed from them, and
        the choices each question offers now (an answer no longer offered is cleared: ``FormSession.settle``).
        """
        state, cleared = self.session.settle()
        answers = self.session.answers()
        for name in cleared:
            box = self.inputs.get(name)
            if isinstance(box, RepeatInput):
                box.update_answers(answers.get(name))
            elif box is not None:
                box.set(answers.get(name))
        for name, box in self.inputs.items():
            self.places[name].visible = box.control.visible = state.shown(name)
            if isinstance(box, CalculatedDisplay):
                box.show_value(state.values.get(name))
            elif isinstance(box, RepeatInput):
                box.refresh(state.env)
            if name in self.labelled:
                box.relabel(state.env)
            if name in self.filtered:
                box.offer(self.session.options(name, state))
        for heading, names in self.headings.values():  # a section with nothing to ask shows no heading
            heading.visible = any(state.shown(n) for n in names)

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
        left = sum(box.open_issues() for box in self.inputs.values() if box.control.visible)
        left += len(self.loose_issues)
        self.summary.visible = left > 0
        self.summary.value = "\n".join([self.shell.t("form_has_errors", n=left), *self.loose_issues])

    async def _show_issues(self, err: ValidationFailed) -> None:
        """Mark each question's problem, say under the form which questions have one (and in which
        sections), and take the officer to the first of them."""
        lang = self.shell.service.lang
        for box in self.inputs.values():
            box.show_error(None)
        loose = self.loose_issues = []
        by_section: dict[str, int] = {}
        for issue in err.issues:
            name, number, child = _place(issue.field or "")
            box = self.inputs.get(name)
            message = issue.message.get(lang)
            shown = False
            if box is not None and number is None:
                box.show_error(message)
                shown = True
            elif isinstance(box, RepeatInput) and number is not None:
                shown = box.show_entry_error(number, child, message)
            if not shown:
                loose.append(message)
            elif (section := self._section_name(name)) is not None:
                by_section[section] = by_section.get(section, 0) + 1
        where = [self.shell.t("errors_in_section", section=k, n=n) for k, n in by_section.items()]
        shown = {name for name, box in self.inputs.items() if box.control.visible}
        summary = summarize(err.issues, self.form, lang, shown)
        self.summary.value = "\n".join([summary.text, *where, *loose])
        self.summary.visible = True
        self.shell.page.update()
        self.shell.toast(summary.text, error=True)
        if summary.first_field is not None and isinstance(self.body, ft.Column):
            await self.body.scroll_to(scroll_key=scroll_key(summary.first_field), duration=0)

    async def _save(self, finalize: bool) -> bool:
        answers = self.session.answers()
        svc = self.shell.service
        try:
            stored = await (
                svc.finalize(self.record, answers) if finalize else svc.save_draft(self.record, answers)
            )
        except ValidationFailed as err:
            await self._show_issues(err)
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
