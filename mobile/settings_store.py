"""Plain app settings (server address, user, language...) in ``settings.json``.

Nothing secret lives here: the device token is kept encrypted in the
vault's meta (``RecordStore.set_meta``). The file is replaced atomically; a
missing or unreadable file gives the defaults (the officer re-enters the
server address) rather than an app that cannot start.
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


def save_settings(folder: Path, s: AppSettings) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / SETTINGS_NAME, s.model_dump_json(indent=1).encode("utf-8"))
