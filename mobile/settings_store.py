"""App settings: what must be read before unlock in ``settings.json``, the officer's profile in the vault.

``settings.json`` is plaintext on the phone, so the app writes to it only
what it needs *before* the PIN is typed (``save_device_settings``): the
language and theme of the lock screen, whether the phone is enrolled, and
the random device id (meaningless without the server). The officer's name,
unit, role, username and the server's address (the ``PROFILE`` fields) are
kept in the vault's encrypted meta and put back into ``AppSettings`` at
unlock (``profile``/``apply_profile``). A file written by an older app that
still holds them is read once, moved into the vault at the next unlock and
rewritten without them. The device token is in the vault too. The file is
replaced atomically; a missing or unreadable file gives the defaults rather
than an app that cannot start.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from vault_format.atomic import atomic_write

SETTINGS_NAME = "settings.json"
log = logging.getLogger(__name__)


class AppSettings(BaseModel):
    # Unknown keys (from a newer or older app) are ignored rather than fatal.
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    server_url: str = ""
    username: str = ""
    full_name: str = ""
    unit: str = ""
    unit_name: str = ""
    role: str = ""
    device_id: str = ""
    device_name: str = ""
    language: str = "vi"  # "vi" or "en"
    theme: str = "light"  # "light" or "dark"
    enrolled: bool = False
    # Hidden this long (seconds), the app locks: 0 at once, negative never (mobile/app/lifecycle.py).
    lock_after_seconds: int = 60
    # Finished records unsent for longer than this are shown on the home screen (mobile/unsent.py).
    unsent_warn_days: int = 3
    # Photos go only over Wi-Fi (records still go on any connection); web and desktop count as Wi-Fi.
    photos_wifi_only: bool = False


def data_dir() -> Path:
    """Where the app keeps its files: Flet's app storage on the phone, else a per-user folder.

    ``FLET_APP_STORAGE_DATA`` is set by the packaged Android runtime (the app's private storage,
    removed with the app) and by ``flet run``; plain ``python`` leaves it unset, hence the fallbacks.
    """
    for var in ("FLET_APP_STORAGE_DATA", "FIELDTALLY_DATA_DIR"):
        value = os.environ.get(var)
        if value:
            return Path(value)
    return Path.home() / ".local" / "share" / "fieldtally"


def load_settings(folder: Path) -> AppSettings:
    path = Path(folder) / SETTINGS_NAME
    try:
        return AppSettings.model_validate(json.loads(path.read_bytes()))
    except FileNotFoundError:
        return AppSettings()
    except (ValueError, ValidationError) as exc:
        log.warning("unreadable %s, using defaults: %s", path, exc)
        return AppSettings()


# Who the officer is and where their server is: only inside the vault (see the module's docstring).
PROFILE = ("server_url", "username", "full_name", "unit", "unit_name", "role", "device_name")


def save_settings(folder: Path, s: AppSettings) -> None:
    """Every field, as given (the app itself writes ``save_device_settings``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / SETTINGS_NAME, s.model_dump_json(indent=1).encode("utf-8"))


def save_device_settings(folder: Path, s: AppSettings) -> None:
    """``settings.json`` with only what is read before unlock: no name, unit, role or server address."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / SETTINGS_NAME, s.model_dump_json(indent=1, exclude=set(PROFILE)).encode("utf-8"))


def profile(s: AppSettings) -> dict[str, str]:
    """The fields kept in the vault."""
    return {name: getattr(s, name) for name in PROFILE}


def apply_profile(s: AppSettings, stored: object) -> None:
    """Put the vault's profile back into ``s`` (a damaged or foreign one is ignored field by field)."""
    if not isinstance(stored, dict):
        return
    for name in PROFILE:
        value = stored.get(name)
        if isinstance(value, str):
            setattr(s, name, value)
