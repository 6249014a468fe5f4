"""One open ``Vault`` per folder, across windows and processes: an advisory lock on ``vault.lock``.

Two writers appending to one journal would interleave frames and lose saves, so opening a vault
takes an exclusive, non-blocking ``flock`` and a second opener is told the store is open elsewhere.
The lock goes with the process if it dies, so a crash never leaves the vault stuck. Where there is
no ``fcntl`` (not POSIX) the lock is skipped. Kept apart from ``vault.py`` because it is about
processes, not keys or files.
"""

from __future__ import annotations

import os
from pathlib import Path

from schemas.common import text

from ..errors import VaultError

try:  # POSIX (Android included); elsewhere the lock is skipped
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "vault.lock"


def acquire(folder: Path) -> int | None:
    """Hold the folder's lock: its descriptor (None without flock); VaultError if held elsewhere."""
    if fcntl is None:
        return None
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        raise VaultError(
            text(
                "Kho dữ liệu đang được mở ở nơi khác (cửa sổ hoặc tiến trình khác).",
                "The data store is already open elsewhere (another window or process).",
            ),
            detail=str(exc),
        ) from exc
    return fd


def release(fd: int | None) -> None:
    """Let the folder's lock go (``fd`` from ``acquire``)."""
    if fd is None:
        return
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
