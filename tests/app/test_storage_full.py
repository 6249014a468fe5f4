"""The phone's storage fills up under the app: the officer reads why, and nothing saved is lost."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest

from mobile.app.service import AppService
from mobile.errors import VaultWriteFailed
from mobile.record_state import LocalState
from tests.mobile.helpers import FAST_KDF, PIN, survey_answers
from vault_format.atomic import write_all


class FullDisk:
    """The real disk until ``full``; then every write fails as on a full phone."""

    full = False

    def __call__(self, fd: int, data: bytes | memoryview) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_all(fd, data)


def test_storage_full__saving_says_storage_is_full_and_keeps_what_was_saved(tmp_path: Path, live_server):
    disk = FullDisk()

    async def flow() -> None:
        svc = AppService(tmp_path / "app", kdf_params=FAST_KDF, vault_options={"write": disk})
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        record, form = svc.new_record("awareness_survey")
        kept = await svc.finalize(record, survey_answers())
        draft, _ = svc.new_record("awareness_survey")

        disk.full = True
        with pytest.raises(VaultWriteFailed) as err:
            await svc.save_draft(draft, {"ethnicity": "Dao"})
        # What the shell shows (Shell.say): the sentence in the officer's language.
        assert "Bộ nhớ của máy đã đầy" in err.value.message.get(svc.lang)
        assert "không mất gì" in err.value.message.get(svc.lang)
        assert "Nothing saved before was lost" in err.value.message.get("en")
        assert await svc.get_record(draft.id) is None
        assert (await svc.get_record(kept.record.id)).state == LocalState.PENDING

        disk.full = False
        svc.lock()
        again = AppService(tmp_path / "app", kdf_params=FAST_KDF)
        await again.unlock(PIN)
        assert [sr.record.id for sr in await again.records()] == [kept.record.id]
        again.lock()

    asyncio.run(flow())
