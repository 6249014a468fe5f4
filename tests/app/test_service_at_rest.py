"""What the app leaves readable on the phone: only what the lock screen needs, and a vault bound to the phone.

A fresh AppService on the same folder stands for the app being started again.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from mobile.app.service import PROFILE_KEY, AppService
from mobile.errors import VaultError
from mobile.settings_store import PROFILE, SETTINGS_NAME, AppSettings, save_settings
from mobile.vault import Vault
from mobile.vault import device_secret as ds
from mobile.vault.storage import JOURNAL_NAME
from tests.mobile.helpers import FAST_KDF, PIN


def _plaintext(folder: Path) -> bytes:
    """Every byte the app keeps outside the vault folder and the secret store."""
    out = b""
    for path in folder.rglob("*"):
        if path.is_file() and "vault" not in path.relative_to(folder).parts[0] and path.name != ds.STORE_FILE:
            out += path.read_bytes()
    return out


def test_service__settings_json_holds_no_name_unit_role_or_server(tmp_path: Path, live_server):
    folder = tmp_path / "app"

    async def flow() -> None:
        svc = AppService(folder, kdf_params=FAST_KDF)
        user = await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        svc.lock()
        on_disk = json.loads((folder / SETTINGS_NAME).read_text())
        assert set(on_disk) == set(AppSettings.model_fields) - set(PROFILE)
        assert on_disk["enrolled"] is True and on_disk["language"] == "vi"
        leaked = _plaintext(folder)
        for secret in (user.full_name, user.unit, live_server.url, "canbo", "officer"):
            assert secret.encode() not in leaked, secret

        again = AppService(folder, kdf_params=FAST_KDF)  # the app started again
        assert again.stage() == "unlock" and again.settings.username == ""
        await again.unlock(PIN)
        assert (again.settings.username, again.settings.unit) == ("canbo", user.unit)
        assert again.settings.server_url == live_server.url and again.settings.full_name == user.full_name
        assert again.store is not None and (again.store.author, again.store.unit) == ("canbo", user.unit)
        assert again.notice is None
        again.lock()

    asyncio.run(flow())


def test_service__an_older_apps_settings_move_into_the_vault_at_unlock(tmp_path: Path):
    folder = tmp_path / "app"
    old = AppSettings(server_url="https://ft.example.vn", username="canbo", unit="HN-SS-MT", role="officer")
    Vault.create(folder / "vault", PIN, kdf_params=FAST_KDF).close()  # an older, unbound vault
    save_settings(folder, old.model_copy(update={"enrolled": True, "full_name": "Nguyễn Văn Cán"}))

    async def flow() -> None:
        svc = AppService(folder, kdf_params=FAST_KDF)
        await svc.unlock(PIN)
        assert svc.store is not None and svc.store.get_meta(PROFILE_KEY)["full_name"] == "Nguyễn Văn Cán"
        assert svc.vault is not None and svc.vault.bound  # bound to this device at this unlock
        svc.lock()
        assert "Nguyễn".encode() not in (folder / SETTINGS_NAME).read_bytes()
        assert b"ft.example.vn" not in (folder / SETTINGS_NAME).read_bytes()
        again = AppService(folder, kdf_params=FAST_KDF)
        await again.unlock(PIN)
        assert again.settings.full_name == "Nguyễn Văn Cán" and again.settings.unit == "HN-SS-MT"
        again.lock()

    asyncio.run(flow())


def test_service__a_copied_vault_folder_does_not_open_elsewhere_and_a_cut_is_told(tmp_path: Path):
    folder = tmp_path / "app"
    Vault.create(folder / "vault", PIN, kdf_params=FAST_KDF).close()
    save_settings(folder, AppSettings(enrolled=True, username="canbo"))

    async def flow() -> None:
        svc = AppService(folder, kdf_params=FAST_KDF)
        await svc.unlock(PIN)  # binds the vault; the secret is in the store beside, not in the folder
        assert svc.store is not None
        svc.store.set_meta("a", 1)
        cut = (folder / "vault" / JOURNAL_NAME).stat().st_size
        svc.store.set_meta("b", 2)
        svc.lock()
        assert oct((folder / ds.STORE_FILE).stat().st_mode & 0o777) == "0o600"

        other = tmp_path / "other"  # the vault folder copied to another machine, settings and all
        shutil.copytree(folder / "vault", other / "vault")
        shutil.copy2(folder / SETTINGS_NAME, other / SETTINGS_NAME)
        with pytest.raises(VaultError) as err:
            await AppService(other, kdf_params=FAST_KDF).unlock(PIN)
        assert "only on the phone" in err.value.message.en

        os.truncate(folder / "vault" / JOURNAL_NAME, cut)  # the last save cut off at a frame boundary
        again = AppService(folder, kdf_params=FAST_KDF)
        await again.unlock(PIN)
        assert again.notice is not None and "not yet sent" in again.notice.en and again.notice.vi
        again.lock()

    asyncio.run(flow())
