"""The phone's camera for "Chụp ảnh": flet-camera's preview in a dialog, one picture, then closed.

Only the phone build uses it (``camera_supported``): Android or iOS, not the web build, with
``flet-camera`` installed (a dependency, so ``flet build`` compiles its Flutter side in). The web
build keeps the browser's file input, which on a phone's browser offers the phone's own camera
app; the Camera control is never made there.

The flow, with flet-camera 1.0's calls: the dialog shows the ``Camera`` control (its Flutter side
answers method calls once it is on screen), ``get_available_cameras`` lists the lenses (the back
one is preferred), ``initialize`` opens it without audio, and "Chụp" is enabled; ``take_picture``
returns the JPEG's bytes. flet-camera has no dispose call: its controller is disposed with the
control, so closing the dialog (taken, closed, dismissed with Android's back button, or failed)
releases the camera. The outcome says what the photo question does next: attach the bytes, say
there is no camera and offer the picker, or say the camera failed. Nothing raises out of here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import flet as ft

from .i18n import tr

log = logging.getLogger("fieldtally.app")

_PHONES = (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)
START_SECONDS = 30.0  # listing and opening the camera; past that it counts as failed


@dataclass(frozen=True)
class Shot:
    """What the camera gave: the picture's bytes, or why not (an i18n key), or nothing (closed)."""

    data: bytes | None = None
    problem: str | None = None  # "photo_no_camera" (offer the picker) or "photo_camera_failed"

    @property
    def offer_picker(self) -> bool:
        return self.problem == "photo_no_camera"


CLOSED = Shot()
NO_CAMERA = Shot(problem="photo_no_camera")
FAILED = Shot(problem="photo_camera_failed")


def camera_supported(page: Any) -> bool:
    """The phone build (not the web build, not a desktop) with flet-camera installed."""
    if page is None or page.web or page.platform not in _PHONES:
        return False
    try:
        import flet_camera  # noqa: F401
    except ImportError:
        return False
    return True


def choose_camera(cameras: list[Any]) -> Any | None:
    """The back lens if there is one (evidence photos face away from the officer), else the first."""
    for cam in cameras:
        if getattr(getattr(cam, "lens_direction", None), "value", None) == "back":
            return cam
    return cameras[0] if cameras else None


async def take_photo(page: ft.Page, lang: str) -> Shot:
    """Open the preview, wait for "Chụp" (the bytes) or "Đóng máy ảnh"; the dialog always closes."""
    import flet_camera as fc

    done: asyncio.Future[Shot] = asyncio.get_running_loop().create_future()

    def finish(shot: Shot) -> None:
        if not done.done():
            done.set_result(shot)

    camera = fc.Camera(expand=True)

    async def shoot(e) -> None:
        shoot_button.disabled = True
        _refresh(shoot_button)
        try:
            data = await camera.take_picture()
        except Exception:
            log.exception("the camera failed to take a picture")
            finish(FAILED)
            return
        finish(Shot(data=bytes(data)) if data else FAILED)

    shoot_button = ft.Button(
        content=tr(lang, "photo_shoot"), icon=ft.Icons.CAMERA, on_click=shoot, disabled=True
    )
    dialog = ft.AlertDialog(
        modal=True,
        content=ft.Container(camera, width=320, height=420),
        actions=[
            ft.TextButton(content=tr(lang, "photo_camera_close"), on_click=lambda e: finish(CLOSED)),
            shoot_button,
        ],
        on_dismiss=lambda e: finish(CLOSED),  # Android's back button
    )

    async def start() -> None:
        try:
            cameras = await asyncio.wait_for(camera.get_available_cameras(), START_SECONDS)
            chosen = choose_camera(cameras)
            if chosen is None:
                finish(NO_CAMERA)
                return
            await asyncio.wait_for(
                camera.initialize(chosen, fc.ResolutionPreset.HIGH, enable_audio=False), START_SECONDS
            )
        except Exception:  # no camera service, the camera busy or refused, a timeout
            log.exception("the camera did not open")
            finish(FAILED)
            return
        shoot_button.disabled = False
        _refresh(shoot_button)

    page.show_dialog(dialog)
    starting = asyncio.ensure_future(start())
    try:
        return await done
    finally:
        starting.cancel()
        if dialog.open:
            page.pop_dialog()  # the Camera leaves the screen: flet-camera disposes its controller


def _refresh(control: ft.Control) -> None:
    try:
        control.update()
    except RuntimeError:  # the dialog is already gone
        pass
