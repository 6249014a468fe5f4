"""Exporting the sealed vault for recovery: the officer forgot the PIN, an admin can open it on the server.

The export is the three encrypted files as they are (a zip, mode 0600):
nothing in it is readable without the PIN or the server's private recovery
key, so it may travel by any means (USB cable, a shared folder). The admin
runs ``fieldtally-server recover-vault export.zip --out records.json
--ingest``. Works on a locked vault: no key is needed to copy ciphertext.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from vault_format.journal import JOURNAL_NAME, SNAP_NAME
from vault_format.keyfile import KEY_NAME

EXPORTED = (KEY_NAME, SNAP_NAME, JOURNAL_NAME)


def export_for_recovery(folder: Path, dest: Path) -> Path:
    """Write ``dest`` (a .zip) holding the vault's sealed files; returns ``dest``."""
    folder, dest = Path(folder), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    data = sealed_vault_zip(folder)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return dest


def sealed_vault_zip(folder: Path) -> bytes:
    """The same zip as ``export_for_recovery``, in memory (for the app's "save file" dialog)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for name in EXPORTED:
            path = Path(folder) / name
            if name == KEY_NAME or path.exists():  # a vault never written to has no journal yet
                z.write(path, arcname=name)
    return buf.getvalue()
