"""The photo question on the form: "Chụp ảnh" / "Chọn ảnh", thumbnails of what is attached, remove.

What is attached and the bounds are ``viewmodels.photo_question.PhotoQuestion``; this module
only builds the controls and forwards the taps. A photo taken or chosen goes straight to the
service (``AppService.add_photo``: shrunk, then sealed in the vault), and only its reference
enters the answer. Thumbnails are decrypted and scaled in memory and handed to the screen as
bytes: no photo is written in clear anywhere.

Where the photo comes from:

- "Chọn ảnh": Flet's FilePicker with ``with_data`` (the bytes come over the app's own
  connection; in the web build that is the browser's file input, so nothing is uploaded to a
  folder on the server and nothing is left behind).
- "Chụp ảnh": on the phone build, the camera's preview in a dialog (``camera_input``), after the
  camera permission is asked with the reason (refused: a sentence, nothing attached); a phone
  with no camera gets a sentence and the picker, a camera that fails a sentence. In the web
  build (and on a desktop) the same picker limited to images, which on a phone's browser offers
  the phone's own camera.

The picker is made in ``main`` (``install``) so it is attached before it is first called.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

import flet as ft

from ..errors import FieldTallyError
from .camera_input import camera_supported, take_photo
from .fields import FieldInput
from .i18n import tr
from .permission_prompt import ask_permission
from .permissions import CAMERA
from .viewmodels.photo_question import PhotoQuestion
from .widgets import icon_button

log = logging.getLogger("fieldtally.app")

THUMB_PX = 96
_PICKERS: weakref.WeakKeyDictionary[Any, ft.FilePicker] = weakref.WeakKeyDictionary()
_SHELLS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def install(page: ft.Page, shell: Any) -> None:
    """Make the page's file picker (in ``main``, before the page is first sent) and know its shell."""
    _SHELLS[page] = shell
    try:
        _PICKERS[page] = ft.FilePicker()
    except Exception:  # a client without the picker: the buttons will say why they do nothing
        log.info("file picker unavailable")


class PhotoInput(FieldInput):
    def build(self) -> ft.Control:
        self.model = PhotoQuestion(self.field)
        self.thumbs: dict[str, bytes] = {}
        self.counter = ft.Text("", size=12)
        self.gallery = ft.Row([], wrap=True, spacing=8, run_spacing=8)
        self.status = ft.Text("", size=12, visible=False)
        label = self.field.label.get(self.lang)
        self.take = ft.Button(
            content=tr(self.lang, "take_photo"),
            icon=ft.Icons.PHOTO_CAMERA,
            on_click=self._on_take,
            tooltip=f"{tr(self.lang, 'take_photo')}: {label}",
        )
        self.choose = ft.OutlinedButton(
            content=tr(self.lang, "choose_photo"),
            icon=ft.Icons.PHOTO_LIBRARY,
            on_click=self._on_choose,
            tooltip=f"{tr(self.lang, 'choose_photo')}: {label}",
        )
        self._show()
        return ft.Column(
            [
                ft.Text(self.label, weight=ft.FontWeight.W_500),
                *([ft.Text(self.field.hint.get(self.lang), size=12, italic=True)] if self.field.hint else []),
                self.counter,
                self.gallery,
                ft.Row([self.take, self.choose], wrap=True, spacing=8),
                self.status,
            ],
            spacing=6,
        )

    # ---- the answer ----------------------------------------------------------------------------------
    def value(self) -> Any:
        return self.model.value()

    def set(self, value: Any) -> None:
        self.model.set(value)
        self._show()

    def hashes(self) -> set[str]:
        return self.model.hashes()

    # ---- showing -------------------------------------------------------------------------------------
    def _show(self) -> None:
        self.counter.value = self.model.counter().get(self.lang)
        self.take.disabled = self.choose.disabled = not self.model.can_add
        tiles: list[ft.Control] = []
        for ref in self.model.refs:
            remove = icon_button(
                ft.Icons.CLOSE, tr(self.lang, "remove_photo", name=ref.name), self._remover(ref.sha256)
            )
            tiles.append(photo_tile(self.thumbs.get(ref.sha256), ref.name, self.lang, remove=remove))
        self.gallery.controls = tiles

    def _say(self, message: str | None, *, error: bool = False) -> None:
        self.status.value = message or ""
        self.status.visible = bool(message)
        self.status.color = ft.Colors.ERROR if error else None

    def _update(self) -> None:
        try:
            self.control.update()
        except RuntimeError:  # not on a page (yet): shown as it is when it is
            pass

    async def load_thumbnails(self, shell: Any) -> None:
        """Decrypt and scale the attached photos' thumbnails (after the form is shown)."""
        if shell is None:
            return
        for ref in list(self.model.refs):
            if ref.sha256 in self.thumbs:
                continue
            try:
                self.thumbs[ref.sha256] = await shell.service.photo_thumbnail(ref.sha256)
            except FieldTallyError as exc:
                self._say(exc.message.get(self.lang), error=True)
        self._show()
        try:
            shell.page.update()  # from a task, not a handler: send the change ourselves
        except RuntimeError:
            pass

    # ---- taps ----------------------------------------------------------------------------------------
    def _remover(self, sha256: str):
        def handler(e) -> None:
            if self.model.remove(sha256):
                self.thumbs.pop(sha256, None)
                self._say(None)
                self._show()
                self.changed()

        return handler

    async def _on_choose(self, e) -> None:
        await self._pick(e.page)

    async def _on_take(self, e) -> None:
        page = e.page
        if not camera_supported(
            page
        ):  # the web build, a desktop: the picker (a phone's browser offers its camera)
            await self._pick(page, multiple=False)
            return
        try:
            self.model.refuse_more()
        except FieldTallyError as exc:
            self._say(exc.message.get(self.lang), error=True)
            self._update()
            return
        outcome = await ask_permission(page, self.lang, CAMERA)
        if not outcome.go_on:
            self._say(tr(self.lang, outcome.message or "perm_denied_camera"), error=True)
            self._update()
            return
        shot = await take_photo(page, self.lang)
        if shot.data:
            await self._add(page, [shot.data])
        elif shot.problem:
            self._say(tr(self.lang, shot.problem), error=True)
            self._update()
            if shot.offer_picker:
                await self._pick(page, multiple=False)

    async def _pick(self, page: Any, *, multiple: bool = True) -> None:
        try:
            self.model.refuse_more()
        except FieldTallyError as exc:
            self._say(exc.message.get(self.lang), error=True)
            self._update()
            return
        picker = _PICKERS.get(page)
        if picker is None:
            picker = _PICKERS[page] = ft.FilePicker()
        files = await picker.pick_files(
            file_type=ft.FilePickerFileType.IMAGE, allow_multiple=multiple, with_data=True
        )
        datas = [f.bytes for f in files or [] if f.bytes]
        if datas:
            await self._add(page, datas)

    async def _add(self, page: Any, datas: list[bytes]) -> None:
        shell = _SHELLS.get(page)
        if shell is None:
            return
        self._say(tr(self.lang, "photo_adding"))
        self._update()
        added, problems = 0, []
        for data in datas:
            try:
                self.model.refuse_more()
                ref = await shell.service.add_photo(data, self.model.next_name())
                if not self.model.attach(ref):
                    problems.append(tr(self.lang, "photo_already"))
                    continue
                added += 1
                self.thumbs[ref.sha256] = await shell.service.photo_thumbnail(ref.sha256)
            except FieldTallyError as exc:  # not an image, too large, damaged, too many
                problems.append(exc.message.get(self.lang))
            await asyncio.sleep(0)
        if problems:
            self._say("\n".join(dict.fromkeys(problems)), error=True)
        else:
            self._say(tr(self.lang, "photo_added", n=added))
        self._show()
        if added:
            self.changed()
        self._update()


def thumbnail_picture(data: bytes | None, *, broken: bool = False) -> ft.Control:
    """A square thumbnail drawn from bytes (never a file), or an icon while loading or when ``broken``."""
    if data:
        return ft.Image(src=data, width=THUMB_PX, height=THUMB_PX, fit=ft.BoxFit.COVER)
    return ft.Container(
        ft.Icon(ft.Icons.BROKEN_IMAGE if broken else ft.Icons.IMAGE, size=32),
        width=THUMB_PX,
        height=THUMB_PX,
        alignment=ft.Alignment.CENTER,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
    )


def photo_tile(
    data: bytes | None, name: str, lang: str, *, remove: ft.Control | None = None, broken: bool = False
) -> ft.Control:
    """One photo as a square thumbnail (from bytes; an icon while loading, or ``broken``) and its name."""
    picture = thumbnail_picture(data, broken=broken)
    framed = ft.Container(
        picture,
        width=THUMB_PX,
        height=THUMB_PX,
        border_radius=6,
        clip_behavior=ft.ClipBehavior.HARD_EDGE,
        tooltip=tr(lang, "photo_unreadable" if broken else "photo_of", name=name),
    )
    top = (
        ft.Stack(
            [
                framed,
                ft.Container(
                    remove, right=2, top=2, bgcolor=ft.Colors.SURFACE, border_radius=20, opacity=0.9
                ),
            ],
            width=THUMB_PX,
            height=THUMB_PX,
        )
        if remove
        else framed
    )
    caption = ft.Text(name, size=11, width=THUMB_PX, text_align=ft.TextAlign.CENTER, no_wrap=True)
    return ft.Column([top, caption], spacing=2, width=THUMB_PX, tight=True)
