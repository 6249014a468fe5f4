"""One record: what it says, where it stands, and what can still be done with it.

What is offered follows the record's life (``mobile.record_state.allowed_actions``,
the rule the store keeps too): any record not voided can be edited (a sent one is
corrected: the correction goes to the server as its next revision); a record the
server refused shows why and can be fixed or sent again; anything not voided can
be voided with a reason, which syncs as a new revision and takes it out of the
tallies.
"""

from __future__ import annotations

from uuid import UUID

import flet as ft

from schemas.forms import FieldType, FormDefinition
from schemas.media import media_refs, parse_refs
from schemas.records import RecordStatus

from ...errors import FieldTallyError
from ...record_query import RecordQuery, record_date, status_of
from ...record_state import LocalState, RecordAction, StoredRecord, allowed_actions
from ..formatting import answer_text, fmt_date, fmt_datetime
from ..i18n import N_
from ..photo_input import photo_tile
from ..widgets import big_button, frame, status_look

_NOTES = {
    "draft": N_("note_draft"),
    "pending": N_("note_pending"),
    "sent": N_("note_sent"),
    "void": N_("note_void"),
}


class RecordDetailScreen:
    nav = "records"  # lit in the desk's side navigation

    def __init__(self, shell, record_id: UUID, *, back_query: RecordQuery | None = None):
        self.shell = shell
        self.record_id = record_id
        self.back_query = back_query
        self.body = ft.Column([ft.ProgressRing()], spacing=10)
        self.thumbs: dict[str, bytes | None] = {}  # decrypted and scaled in memory, never on disk
        self.refs: list = []
        self.refused: dict = {}

    def build(self) -> ft.View:
        t = self.shell.t
        return frame(
            f"/record/{self.record_id}/view",
            t("record_title"),
            [self.body],
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
        )

    def mount(self) -> None:
        """Shown: read the record now, and again after every sync step."""
        self.shell.sync_listeners[:] = [self.load]
        self.shell.spawn(self.shell.guard(self.load)())

    async def load(self, e=None) -> None:
        if self.shell.service.store is None or self.shell.current is not self:
            return
        sr = await self.shell.service.get_record(self.record_id)
        if sr is not None:
            await self._load_thumbnails(sr)
        self.body.controls = self._content(sr) if sr is not None else [ft.Text(self.shell.t("list_empty"))]
        self.shell.page.update()

    def _content(self, sr: StoredRecord) -> list[ft.Control]:
        t, svc = self.shell.t, self.shell.service
        lang = svc.lang
        rec = sr.record
        form = svc.form_for(rec)
        status = status_of(sr)
        key, icon, color = status_look(status)
        out: list[ft.Control] = [
            ft.Text(form.title.get(lang) if form else rec.form_id, size=17, weight=ft.FontWeight.W_600),
            ft.Row(
                [
                    ft.Icon(icon, color=color, size=20),
                    ft.Text(
                        t("status_line", status=t(key)), color=color, weight=ft.FontWeight.W_600, expand=True
                    ),
                ],
                spacing=6,
            ),
            ft.Text(
                " · ".join(
                    [
                        t("record_date", date=fmt_date(record_date(sr, form))),
                        t("revision", n=rec.revision),
                        t("updated", when=fmt_datetime(rec.updated_at)),
                        *([t("photo_count", n=len(self.refs))] if self.refs else []),
                    ]
                ),
                size=12,
            ),
        ]
        if status in _NOTES:
            out.append(ft.Text(t(_NOTES[status]), size=13, italic=True))
        if rec.status == RecordStatus.VOID and rec.void_reason:
            out.append(ft.Text(t("void_reason_shown", reason=rec.void_reason)))
        if sr.state == LocalState.REJECTED:
            out.append(self._issues(sr))
        out += self._actions(sr)
        out.append(ft.Divider())
        if form is not None:
            for f in form.fields:
                if f.type == FieldType.IMAGE:
                    if rec.answers.get(f.name):
                        out.append(self._photos(f.label.get(lang), rec.answers.get(f.name)))
                    continue
                shown = answer_text(f, rec.answers.get(f.name), lang)
                if shown:
                    out.append(
                        ft.Column(
                            [
                                ft.Text(f.label.get(lang), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                                ft.Text(shown, selectable=True),
                            ],
                            spacing=0,
                        )
                    )
        return out

    # ---- photos --------------------------------------------------------------------------------------
    async def _load_thumbnails(self, sr: StoredRecord) -> None:
        svc = self.shell.service
        form: FormDefinition | None = svc.form_for(sr.record)
        self.refs = media_refs(form, sr.record.answers) if form is not None else []
        waiting = await svc.photos_waiting()
        self.refused = {st.sha256: st.refused for st in (waiting.refused if waiting else []) if st.refused}
        for ref in self.refs:
            if ref.sha256 not in self.thumbs:
                try:
                    self.thumbs[ref.sha256] = await svc.photo_thumbnail(ref.sha256)
                except FieldTallyError:
                    self.thumbs[ref.sha256] = None

    def _photos(self, label: str, answer: object) -> ft.Control:
        """A photo question's answer: its thumbnails, each named; a refused one says why."""
        lang = self.shell.service.lang
        tiles: list[ft.Control] = []
        notes: list[ft.Control] = []
        for ref in parse_refs(answer):
            data = self.thumbs.get(ref.sha256)
            tiles.append(photo_tile(data, ref.name, lang, broken=data is None))
            why = self.refused.get(ref.sha256)
            if why is not None:
                notes.append(ft.Text(f"{ref.name}: {why.get(lang)}", size=12, color=ft.Colors.ERROR))
        return ft.Column(
            [
                ft.Text(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Row(tiles, wrap=True, spacing=8, run_spacing=8),
                *notes,
            ],
            spacing=4,
        )

    def _issues(self, sr: StoredRecord) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        lines = [ft.Text(t("server_said"), weight=ft.FontWeight.W_600, color=ft.Colors.ON_ERROR_CONTAINER)]
        lines += [ft.Text("• " + i.message.get(lang), color=ft.Colors.ON_ERROR_CONTAINER) for i in sr.issues]
        lines.append(ft.Text(t("fix_hint"), size=12, italic=True, color=ft.Colors.ON_ERROR_CONTAINER))
        return ft.Container(
            ft.Column(lines, spacing=4), bgcolor=ft.Colors.ERROR_CONTAINER, padding=12, border_radius=8
        )

    def _actions(self, sr: StoredRecord) -> list[ft.Control]:
        t = self.shell.t
        allowed = allowed_actions(sr)
        buttons: list[ft.Control] = []
        if RecordAction.EDIT in allowed:
            words = t("correct_sent") if sr.state == LocalState.SENT else t("edit")
            buttons.append(big_button(words, self.shell.guard(self._edit(sr)), icon=ft.Icons.EDIT))
        if RecordAction.RESEND in allowed:
            buttons.append(
                big_button(
                    t("send_again"), self.shell.guard(self._requeue(sr)), icon=ft.Icons.SEND, primary=False
                )
            )
        if RecordAction.VOID in allowed:
            buttons.append(
                big_button(t("void"), self.shell.guard(self._void(sr)), icon=ft.Icons.BLOCK, primary=False)
            )
        return [ft.Row([b]) for b in buttons]

    # ---- actions -------------------------------------------------------------
    def _edit(self, sr: StoredRecord):
        async def handler(e) -> None:
            form = self.shell.service.form_for(sr.record)
            if form is not None:
                self.shell.go("record_form", sr.record, form, sr.record.answers)

        return handler

    def _requeue(self, sr: StoredRecord):
        async def handler(e) -> None:
            await self.shell.service.requeue(sr.record.id)
            self.shell.toast(self.shell.t("requeued"))
            await self.load()
            self.shell.spawn(self.shell.auto_sync("requeued"))

        return handler

    def _void(self, sr: StoredRecord):
        async def handler(e) -> None:
            t = self.shell.t
            reason = ft.TextField(label=t("void_reason"), autofocus=True, multiline=True, max_lines=3)

            async def confirm(ev) -> None:
                try:
                    await self.shell.service.void(sr.record.id, reason.value or "")
                except FieldTallyError as err:  # said inside the dialog: a snack bar would hide behind it
                    reason.error = self.shell.say(err)
                    reason.update()  # a control inside a dialog: send its change now
                    return
                self.shell.page.pop_dialog()
                self.shell.toast(t("voided"))
                await self.load()
                self.shell.spawn(self.shell.auto_sync("voided"))

            self.shell.page.show_dialog(
                ft.AlertDialog(
                    title=ft.Text(t("void_title")),
                    content=ft.Column([ft.Text(t("void_explain"), size=13), reason], tight=True, spacing=10),
                    actions=[
                        ft.TextButton(content=t("cancel"), on_click=lambda ev: self.shell.page.pop_dialog()),
                        ft.FilledButton(content=t("confirm"), on_click=self.shell.guard(confirm)),
                    ],
                )
            )

        return handler

    async def on_back(self, e) -> None:
        self.shell.go("records", query=self.back_query)
