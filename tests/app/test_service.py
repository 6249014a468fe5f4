"""AppService, the screens' only door, against a real sync server: the record lifecycle without a browser.

Drafts, finding, the autosave slot across a restart, finalize → sync → void → sync, and a refused
record sent again. A fresh AppService on the same folder stands for the app being started again.
"""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from pathlib import Path

import pytest

from mobile.app.service import AppService, InputError
from mobile.record_query import VOIDED, RecordQuery
from mobile.record_state import LocalState
from mobile.vault.throttle import LOCK_AFTER, Throttle
from mobile.vault.vault import ATTEMPTS_NAME
from tests.mobile.helpers import FAST_KDF, PIN, survey_answers


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "app"


async def _enrolled(folder: Path, server_url: str) -> AppService:
    svc = AppService(folder, kdf_params=FAST_KDF)
    await svc.enroll(server_url, "canbo", "canbo123")
    await svc.create_pin(PIN, PIN)
    return svc


async def _restarted(svc: AppService) -> AppService:
    svc.lock()
    again = AppService(svc.data_dir, kdf_params=FAST_KDF)
    assert again.stage() == "unlock"
    await again.unlock(PIN)
    return again


def test_service__autosave_find_finalize_sync_void(folder: Path, live_server):
    async def flow() -> None:
        svc = await _enrolled(folder, live_server.url)
        record, form = svc.new_record("awareness_survey")
        assert await svc.autosaved() is None

        # Half typed, malformed even, then the app dies: the form comes back as it was.
        typed = {"survey_date": "2026-03-15", "ethnicity": "Dao", "age_band": "no such band"}
        await svc.autosave(record, typed)
        svc = await _restarted(svc)
        back = await svc.autosaved()
        assert back is not None
        assert (back[0].id, back[1].key, back[2]) == (record.id, form.key, typed)

        # Finished and finalized; the slot is emptied by the form, and the record is findable.
        await svc.finalize(record, survey_answers(ethnicity="Dao"))
        await svc.clear_autosave()
        assert await svc.autosaved() is None
        assert [sr.record.id for sr in await svc.find(RecordQuery(text="dao", status="pending"))] == [
            record.id
        ]
        assert await svc.find(RecordQuery(text="dao", form_id="outreach_session")) == []

        report = await svc.sync()
        assert report is not None and report.error is None and report.stored == 1
        assert (await svc.summary()).counts[LocalState.SENT] == 1

        with pytest.raises(InputError):
            await svc.void(record.id, "   ")
        await svc.void(record.id, "Ghi nhầm người")
        report = await svc.sync()
        assert report is not None and report.stored == 1
        voided = await svc.find(RecordQuery(status=VOIDED))
        assert [(sr.record.id, sr.state, sr.record.void_reason) for sr in voided] == [
            (record.id, LocalState.SENT, "Ghi nhầm người")
        ]
        svc.lock()

    run(flow())


def test_service__a_refused_record_can_be_sent_again(folder: Path, live_server):
    async def flow() -> None:
        svc = await _enrolled(folder, live_server.url)
        record, _ = svc.new_record("awareness_survey")
        # A record for a commune outside the officer's scope (as if the officer had been moved).
        record = record.model_copy(update={"unit": "HN-BD-PX"})
        await svc.finalize(record, survey_answers())
        report = await svc.sync()
        assert report is not None and report.rejected == 1
        [refused] = await svc.find(RecordQuery(status="rejected"))
        assert refused.issues and refused.issues[0].code == "unit_out_of_scope"

        again = await svc.requeue(record.id)
        assert (again.state, again.issues) == (LocalState.PENDING, [])
        report = await svc.sync()
        assert report is not None and report.rejected == 1  # the server still says no, and why
        assert (await svc.get_record(record.id)).state == LocalState.REJECTED
        svc.lock()

    run(flow())


def test_service__forgotten_pin_exports_sealed_data_and_starts_over_keeping_the_old_vault(
    folder: Path, live_server
):
    async def flow() -> None:
        svc = await _enrolled(folder, live_server.url)
        record, _ = svc.new_record("awareness_survey")
        await svc.finalize(record, survey_answers(ethnicity="Khơ Mú"))
        assert not svc.can_manage_devices  # an officer
        svc.lock()

        sealed = await svc.export_sealed_vault()  # works while locked: nothing in it is readable
        with zipfile.ZipFile(io.BytesIO(sealed)) as z:
            assert "vault.key" in z.namelist()
            assert "Khơ Mú".encode() not in b"".join(z.read(n) for n in z.namelist())

        kept = await svc.start_over()
        assert svc.stage() == "setup" and not svc.settings.enrolled and not svc.settings.username
        assert svc.settings.server_url == live_server.url  # the officer need not type it again
        assert (kept / "vault.key").exists() and kept.parent == folder
        with pytest.raises(InputError):
            await svc.export_sealed_vault()  # no vault any more: said, not a crash

        # Enrolled again with a new PIN: a fresh, empty vault; the old one still lies beside it.
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin("97531246", "97531246")
        assert await svc.records() == []
        assert (kept / "vault.key").exists()

    run(flow())


def test_service__supervisor_lists_devices_gets_unlock_codes_and_revokes(folder: Path, live_server):
    async def flow() -> None:
        officer = await _enrolled(folder / "officer", live_server.url)
        sup = AppService(folder / "sup", kdf_params=FAST_KDF)
        await sup.enroll(live_server.url, "giamsat", "giamsat123")
        await sup.create_pin(PIN, PIN)
        assert sup.can_manage_devices
        devices = await sup.devices()
        phone = next(d for d in devices if d.username == "canbo")
        assert all(d.unit.startswith("HN-SS") for d in devices)

        for typed in ("two", "²", "-1", "99999999", ""):
            with pytest.raises(InputError):
                await sup.unlock_code_for(phone.id, typed)
        code = await sup.unlock_code_for(phone.id, "0")
        assert re.fullmatch(r"\d{5}-\d{5}", code.code)

        # The code lifts the officer's lock (made here by the vault's own counter).
        officer.lock()
        throttle = Throttle(officer.vault_dir / ATTEMPTS_NAME, clock=lambda: 1_000_000.0)
        for _ in range(LOCK_AFTER):
            throttle.record_failure()
        assert officer.lock_state() is not None
        await officer.lift_lock(code.code)
        assert officer.lock_state() is None
        await officer.unlock(PIN)

        revoked = await sup.revoke_device(phone.id)
        assert revoked.revoked_at is not None
        report = await officer.sync()
        assert report is not None and report.error is not None  # the revoked phone is refused, with a message

    run(flow())
