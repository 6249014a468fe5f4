"""AppService's photo calls against a real sync server: attach, thumbnails, prune, what waits, Wi-Fi only."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from mobile.app.service import AppService
from mobile.errors import ImageDamaged, MediaUnreadable, NotAnImage
from mobile.media.store import MEDIA_DIR
from mobile.record_state import LocalState
from tests.mobile.helpers import FAST_KDF, PIN
from tests.mobile.photo_helpers import camera_jpeg, small_jpeg, truncated_jpeg
from tests.mobile.test_photo_sync_live import outreach_answers


def run(coro):
    return asyncio.run(coro)


async def _enrolled(folder: Path, server_url: str) -> AppService:
    svc = AppService(folder, kdf_params=FAST_KDF)
    await svc.enroll(server_url, "canbo", "canbo123")
    await svc.create_pin(PIN, PIN)
    return svc


def test_photos_attach_show_wait_and_go(tmp_path: Path, live_server) -> None:
    async def flow() -> None:
        svc = await _enrolled(tmp_path / "app", live_server.url)
        record, form = svc.new_record("outreach_session")
        assert form.field("evidence_photos") is not None
        one = await svc.add_photo(camera_jpeg(4000, 3000), "anh-1.jpg")
        two = await svc.add_photo(small_jpeg(7), "anh-2.jpg")
        thumb = Image.open(io.BytesIO(await svc.photo_thumbnail(one.sha256)))
        assert max(thumb.size) <= 240
        for bad, kind in ((b"GIF89a not really", NotAnImage), (truncated_jpeg(), ImageDamaged)):
            with pytest.raises(kind):
                await svc.add_photo(bad, "anh-3.jpg")

        # A photo removed from the form before saving goes when the form is left; the kept one stays.
        await svc.autosave(record, outreach_answers([one, two]))
        stored = await svc.finalize(record, outreach_answers([one]))
        await svc.clear_autosave()
        with pytest.raises(MediaUnreadable):
            await svc.photo_bytes(two.sha256)
        assert await svc.photo_bytes(one.sha256)
        assert len(list((svc.vault_dir / MEDIA_DIR).iterdir())) == 1

        summary = await svc.summary()
        assert summary.photos_waiting == 1

        # "Photos only on Wi-Fi" on a phone on mobile data: the record goes, the photo waits.
        await svc.set_photos_wifi_only(True)

        async def on_mobile_data() -> bool:
            return False

        svc.on_wifi = on_mobile_data
        report = await svc.sync()
        assert report is not None and report.error is None, report and report.error
        assert report.sent == 1 and report.photos.held_for_wifi
        assert (await svc.summary()).photos_waiting == 1
        assert (await svc.get_record(stored.record.id)).state == LocalState.SENT  # type: ignore[union-attr]

        # The setting survives a restart (it is read before unlock); on Wi-Fi the photo goes.
        svc.lock()
        again = AppService(svc.data_dir, kdf_params=FAST_KDF)
        assert again.settings.photos_wifi_only
        await again.unlock(PIN)

        async def on_wifi() -> bool:
            return True

        again.on_wifi = on_wifi
        report = await again.sync()
        assert report is not None and report.photos.sent == 1
        assert (await again.summary()).photos_waiting == 0
        again.lock()

    run(flow())


def test_web_and_desktop_count_as_wifi(tmp_path: Path) -> None:
    async def flow() -> None:
        svc = AppService(tmp_path / "app", kdf_params=FAST_KDF)
        await svc.set_photos_wifi_only(True)
        assert svc.on_wifi is None and await svc.may_send_photos()

        async def broken() -> bool:
            raise RuntimeError("the connectivity service did not answer")

        svc.on_wifi = broken
        assert not await svc.may_send_photos()  # unknown: do not spend the officer's data

    run(flow())
