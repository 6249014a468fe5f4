"""The photo question on a fake page session running the app's real ``main``: a form left with two
photos comes back after unlock with their thumbnails (decrypted in memory, shown from bytes), and
removing one updates the count and the answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft

from mobile.app.photo_input import PhotoInput
from mobile.app.service import AppService
from tests.app.fake_page import fake_session, find, walk
from tests.app.test_android_session import _started, _unlock
from tests.mobile.helpers import FAST_KDF, PIN
from tests.mobile.photo_helpers import camera_jpeg, small_jpeg


def test_a_form_left_with_photos_comes_back_with_thumbnails(tmp_path: Path, live_server) -> None:
    folder = tmp_path / "app"

    async def flow() -> None:
        svc = AppService(folder, kdf_params=FAST_KDF)
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        record, _ = svc.new_record("outreach_session")
        one = await svc.add_photo(camera_jpeg(2000, 1500), "anh-1.jpg")
        two = await svc.add_photo(small_jpeg(4), "anh-2.jpg")
        photos = [one.model_dump(mode="json"), two.model_dump(mode="json")]
        await svc.autosave(record, {"place": "Thôn Đông", "evidence_photos": photos})
        svc.lock()

        session, page = await _started(folder)
        await _unlock(session, page)
        assert page.views[-1].route.startswith("/record/")  # the autosave slot brought the form back
        images: list[ft.Image] = []
        for _ in range(100):
            images = [c for c in walk(page.views[-1]) if isinstance(c, ft.Image)]
            if len(images) == 2:
                break
            await asyncio.sleep(0.05)
        assert len(images) == 2
        assert all(isinstance(i.src, bytes) and i.src[:3] == b"\xff\xd8\xff" for i in images)
        assert find(page, ft.Text, lambda t: t.value == "2/5 ảnh")

        remove = find(page, ft.IconButton, lambda b: b.tooltip == "Xóa ảnh anh-1.jpg")
        await session.dispatch_event(remove._i, "click", None)
        await asyncio.sleep(0.1)
        assert find(page, ft.Text, lambda t: t.value == "1/5 ảnh")
        assert len([c for c in walk(page.views[-1]) if isinstance(c, ft.Image)]) == 1
        session.close()

    asyncio.run(flow())


def test_the_input_outside_an_app_loop_still_builds(tmp_path: Path) -> None:
    # Built without a running loop (as the form's tests build inputs): no thumbnail task, no error.
    from schemas.catalog import latest_forms, shipped_forms

    field = latest_forms(shipped_forms())["outreach_session"].field("evidence_photos")
    assert field is not None
    box = PhotoInput(field, "vi")
    box.set([{"sha256": "a" * 64, "size": 10, "mime": "image/jpeg", "name": "anh-1.jpg"}])
    assert box.counter.value == "1/5 ảnh" and box.value() is not None
    assert fake_session  # the fake page module is the one the session tests use
