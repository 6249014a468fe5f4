"""The photo calls of the app's service: attach, show, prune, count what waits, Wi-Fi only.

A part of ``AppService`` (``mobile/app/service.py``), kept apart because it is one idea. Every
step that touches the disk or decodes an image runs in a worker thread. A photo is shrunk and
sealed into the vault's media folder the moment it is taken or chosen (``add_photo``), so the
form's answer only ever holds its ``MediaRef``; thumbnails are decrypted and scaled in memory.

"Photos only on Wi-Fi": ``on_wifi`` is set by the app where it can tell (Android: the
connectivity service, ``network_kind.counts_as_wifi``); left None (the web and desktop builds),
the connection counts as Wi-Fi.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from schemas.common import text
from schemas.media import MediaRef

from ..errors import InputError
from ..media import usage
from ..media.shrink import thumbnail
from ..media.store import MediaStore
from ..settings_store import AppSettings, save_device_settings

if TYPE_CHECKING:
    from pathlib import Path

    from ..records import RecordStore


_LOCKED = text("Ứng dụng đang khóa. Hãy mở khóa.", "The app is locked. Unlock it.")


class PhotoCalls:
    """Mixed into ``AppService``, which provides the store, the settings and the data folder."""

    store: RecordStore | None
    settings: AppSettings
    data_dir: Path
    media: MediaStore | None
    on_wifi: Callable[[], Awaitable[bool]] | None

    def _require_media(self) -> MediaStore:
        if self.media is None:
            raise InputError(_LOCKED)
        return self.media

    async def add_photo(self, data: bytes, name: str) -> MediaRef:
        """Shrink and seal a photo taken or chosen (NotAnImage, ImageTooLarge, ImageDamaged)."""
        media = self._require_media()
        return await asyncio.to_thread(media.add, data, name)

    async def photo_thumbnail(self, sha256: str) -> bytes:
        """A small JPEG of a stored photo, made in memory (MediaUnreadable if it is gone)."""
        media = self._require_media()

        def _thumb() -> bytes:
            return thumbnail(media.read(sha256))

        return await asyncio.to_thread(_thumb)

    async def photo_bytes(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._require_media().read, sha256)

    async def prune_photos(self, on_screen: set[str] | None = None) -> int:
        """Remove the photos no record or form in progress refers to (``on_screen``: shown now)."""
        if self.store is None or self.media is None:
            return 0
        return await asyncio.to_thread(usage.prune, self.store, self.media, on_screen)

    async def photos_waiting(self) -> usage.Waiting | None:
        if self.store is None or self.media is None:
            return None
        return await asyncio.to_thread(usage.waiting_photos, self.store, self.media)

    # ---- photos only on Wi-Fi ------------------------------------------------------------------------
    async def set_photos_wifi_only(self, on: bool) -> None:
        self.settings.photos_wifi_only = bool(on)
        await asyncio.to_thread(save_device_settings, self.data_dir, self.settings)

    async def may_send_photos(self) -> bool:
        """False when the officer chose "photos only on Wi-Fi" and the phone is not on Wi-Fi now."""
        if not self.settings.photos_wifi_only or self.on_wifi is None:
            return True
        try:
            return await self.on_wifi()
        except Exception:  # the connectivity service did not answer: do not spend the officer's data
            return False
