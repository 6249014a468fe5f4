"""'Chụp ảnh' on a phone, without a phone: the photo question on a fake page session whose client
answers flet-permission-handler's and flet-camera's calls as an Android phone would.

The camera permission is asked first (refused: a sentence, nothing attached); the preview opens in
a dialog, the back lens is opened without audio, and the fake client answers ``take_picture`` with a
camera's JPEG, which the real service shrinks and seals in a real vault before the question holds
its reference. A phone with no camera gets a sentence and the picker; a camera that fails, a
sentence. The web build never makes the Camera control.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from types import SimpleNamespace

import flet as ft
import pytest
from PIL import Image

from mobile.app import permission_prompt, photo_input
from mobile.app.camera_input import choose_camera
from mobile.app.i18n import tr
from mobile.app.photo_input import PhotoInput
from mobile.app.service import AppService
from mobile.media.store import MEDIA_DIR
from schemas.catalog import latest_forms, shipped_forms
from tests.app.fake_page import fake_session, register, walk
from tests.mobile.helpers import FAST_KDF, PIN
from tests.mobile.photo_helpers import camera_jpeg

fc = pytest.importorskip("flet_camera")  # a dependency of the phone: present wherever the app is

BACK = {"name": "0", "lens_direction": "back", "sensor_orientation": 90, "lens_type": "wide"}
FRONT = {"name": "1", "lens_direction": "front", "sensor_orientation": 270, "lens_type": "wide"}
LENSES = [FRONT, BACK]


def _field():
    field = latest_forms(shipped_forms())["outreach_session"].field("evidence_photos")
    assert field is not None
    return field


async def _question(service: AppService, answers: dict, *, web: bool = False):
    """The photo question on a page of an Android phone (or of the web build on one)."""
    session, conn = await fake_session(answers)
    page = session.page
    page.platform = ft.PagePlatform.ANDROID
    page.web = web
    permission_prompt.install(page)  # as main does, before the page is first sent
    photo_input.install(page, SimpleNamespace(service=service, page=page))
    box = PhotoInput(_field(), "vi")
    page.views.append(ft.View(route="/record/x", controls=[box.control]))
    register(session)
    return session, conn, page, box


async def _tap_take(session, box: PhotoInput) -> asyncio.Future:
    return asyncio.ensure_future(session.dispatch_event(box.take._i, "click", None))


async def _dialog(page: ft.Page, pred, timeout: float = 5.0) -> ft.AlertDialog:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for d in page._dialogs.controls:
            if d.open and pred(d):
                return d
        await asyncio.sleep(0.02)
    raise AssertionError("the dialog did not open")


def _is_camera(d) -> bool:
    return any(isinstance(c, fc.Camera) for c in walk(d))


def _button(dialog: ft.AlertDialog, label: str):
    return next(b for b in dialog.actions if b.content == label)


async def _until(check, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def _cameras_made(page: ft.Page) -> int:
    return sum(1 for d in page._dialogs.controls for c in walk(d) if isinstance(c, fc.Camera))


def test_the_camera_asks_first_then_its_photo_is_shrunk_sealed_and_attached(
    tmp_path: Path, live_server
) -> None:
    async def flow() -> None:
        svc = AppService(tmp_path / "app", kdf_params=FAST_KDF)
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        svc.new_record("outreach_session")
        raw = camera_jpeg(4000, 3000, orientation=6)  # what the phone's camera writes: large, with EXIF
        session, conn, page, box = await _question(
            svc,
            {
                "get_status": "denied",
                "request": "granted",
                "get_available_cameras": LENSES,
                "take_picture": raw,
            },
        )
        tapping = await _tap_take(session, box)

        # The reason first, in the officer's language; Android's prompt only after "Cho phép".
        why = await _dialog(page, lambda d: not _is_camera(d))
        assert why.content.value == tr("vi", "perm_why_camera")
        assert "initialize" not in conn.invoked and _cameras_made(page) == 0
        await session.dispatch_event(_button(why, tr("vi", "perm_allow"))._i, "click", None)

        preview = await _dialog(page, _is_camera)
        shoot = _button(preview, tr("vi", "photo_shoot"))
        await _until(lambda: "initialize" in conn.invoked and not shoot.disabled)
        assert conn.invoked.index("request") < conn.invoked.index("get_available_cameras")
        init = dict(conn.calls)["initialize"]
        assert init["description"]["name"] == "0"  # the back lens, though the front one was listed first
        assert init["resolution_preset"] == "high" and init["enable_audio"] is False
        await session.dispatch_event(shoot._i, "click", None)
        await asyncio.wait_for(tapping, 30)

        assert not preview.open  # closed: the control leaves the screen and its controller with it
        assert box.counter.value == "1/5 ảnh"
        assert box.status.value == tr("vi", "photo_added", n=1) and box.status.color != ft.Colors.ERROR
        (ref,) = box.model.refs
        assert ref.name == "anh-1.jpg" and ref.size < len(raw)
        photo = Image.open(io.BytesIO(await svc.photo_bytes(ref.sha256)))  # sealed, opened with the key
        assert photo.size == (1200, 1600) and not photo.getexif()  # shrunk, turned upright, no EXIF
        sealed = list((svc.vault_dir / MEDIA_DIR).iterdir())
        assert len(sealed) == 1 and b"\xff\xd8\xff" not in sealed[0].read_bytes()[:64]
        assert raw[:64] not in sealed[0].read_bytes()
        assert [c for c in walk(page.views[-1]) if isinstance(c, ft.Image)]  # its thumbnail shows
        svc.lock()
        session.close()

    asyncio.run(flow())


def test_camera_permission_refused_says_so_and_attaches_nothing(tmp_path: Path) -> None:
    async def flow() -> None:
        for answers, button, key in (
            ({"get_status": "denied", "request": "denied"}, "perm_allow", "perm_denied_camera"),
            ({"get_status": "denied"}, "perm_not_now", "perm_denied_camera"),
            ({"get_status": "permanentlyDenied"}, None, "perm_forever_camera"),
        ):
            session, conn, page, box = await _question(AppService(tmp_path / "app"), answers)
            tapping = await _tap_take(session, box)
            if button is not None:
                why = await _dialog(page, lambda d: not _is_camera(d))
                await session.dispatch_event(_button(why, tr("vi", button))._i, "click", None)
            await asyncio.wait_for(tapping, 10)
            assert box.status.value == tr("vi", key) and box.status.color == ft.Colors.ERROR
            assert box.model.refs == [] and box.counter.value == "0/5 ảnh"
            assert _cameras_made(page) == 0 and "get_available_cameras" not in conn.invoked
            assert "pick_files" not in conn.invoked
            session.close()

    asyncio.run(flow())


def test_no_camera_says_so_and_offers_the_picker(tmp_path: Path) -> None:
    async def flow() -> None:
        answers = {"get_status": "granted", "get_available_cameras": [], "pick_files": []}
        session, conn, page, box = await _question(AppService(tmp_path / "app"), answers)
        tapping = await _tap_take(session, box)
        await asyncio.wait_for(tapping, 10)
        assert box.status.value == tr("vi", "photo_no_camera") and box.status.color == ft.Colors.ERROR
        assert "initialize" not in conn.invoked
        assert conn.invoked[-1] == "pick_files"  # the picker, after the camera's dialog closed
        assert all(not d.open for d in page._dialogs.controls)
        assert box.model.refs == []
        session.close()

    asyncio.run(flow())


def test_a_camera_that_fails_says_so(tmp_path: Path) -> None:
    async def flow() -> None:
        broken = RuntimeError("CameraException(CameraAccessDenied)")
        for answers, shoots in (
            ({"get_status": "granted", "get_available_cameras": [BACK], "initialize": broken}, False),
            ({"get_status": "granted", "get_available_cameras": RuntimeError("no service")}, False),
            ({"get_status": "granted", "get_available_cameras": [BACK], "take_picture": broken}, True),
            ({"get_status": "granted", "get_available_cameras": [BACK], "take_picture": b""}, True),
        ):
            session, conn, page, box = await _question(AppService(tmp_path / "app"), answers)
            tapping = await _tap_take(session, box)
            if shoots:
                shoot = _button(await _dialog(page, _is_camera), tr("vi", "photo_shoot"))
                await _until(lambda: not shoot.disabled)  # noqa: B023 - awaited in this iteration
                await session.dispatch_event(shoot._i, "click", None)
            await asyncio.wait_for(tapping, 10)
            (preview,) = [d for d in page._dialogs.controls if _is_camera(d)]
            assert box.status.value == tr("vi", "photo_camera_failed"), answers
            assert box.status.color == ft.Colors.ERROR and box.model.refs == []
            assert not preview.open and "pick_files" not in conn.invoked
            session.close()

    asyncio.run(flow())


def test_closing_the_camera_attaches_nothing_and_says_nothing(tmp_path: Path) -> None:
    async def flow() -> None:
        answers = {"get_status": "granted", "get_available_cameras": [BACK], "take_picture": camera_jpeg()}
        session, conn, page, box = await _question(AppService(tmp_path / "app"), answers)
        tapping = await _tap_take(session, box)
        preview = await _dialog(page, _is_camera)
        await session.dispatch_event(_button(preview, tr("vi", "photo_camera_close"))._i, "click", None)
        await asyncio.wait_for(tapping, 10)
        assert not preview.open and "take_picture" not in conn.invoked
        assert box.model.refs == [] and not box.status.visible
        session.close()

    asyncio.run(flow())


def test_the_web_build_never_makes_the_camera_control(tmp_path: Path) -> None:
    # The web build on a phone's browser: page.web, platform android. The browser's file input.
    async def flow() -> None:
        answers = {"get_status": "granted", "get_available_cameras": [BACK], "pick_files": []}
        session, conn, page, box = await _question(AppService(tmp_path / "app"), answers, web=True)
        await asyncio.wait_for(await _tap_take(session, box), 10)
        assert conn.invoked == ["pick_files"]  # no permission asked, no camera call
        assert _cameras_made(page) == 0
        assert not any(isinstance(c, fc.Camera) for v in page.views for c in walk(v))
        session.close()

    asyncio.run(flow())


def test_the_back_lens_is_preferred() -> None:
    from flet.utils import from_dict

    front, back = (from_dict(fc.CameraDescription, d) for d in (FRONT, BACK))
    assert choose_camera([front, back]) is back
    assert choose_camera([front]) is front
    assert choose_camera([]) is None
