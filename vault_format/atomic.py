"""Atomic file replacement: a reader sees the old file or the new one, never a mix.

The recipe: write a temp file in the same folder (same filesystem, so the
rename is atomic), flush and fsync it, ``os.replace`` it over the target,
then fsync the folder so the rename itself survives a power cut. A crash
leaves at most a stray ``.<name>.tmp-*`` file, which never holds committed
state and is removed by ``remove_stray_temps``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_MARK = ".tmp-"

# The one place the vault's bytes reach the operating system. It is a parameter of the writers
# (``atomic_write``, ``JournalWriter``, ``EncryptedStorage``) so a test can hand them a disk that
# fails the way a full or failing phone does (``OSError(ENOSPC)``, ``EIO``) without patching.
Write = Callable[[int, "bytes | memoryview"], None]


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a no-op where folders cannot be opened)."""
    if os.name == "nt":  # Windows cannot fsync a directory; NTFS journals renames itself
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes | memoryview) -> None:
    """``os.write`` until every byte is written (a write may be short)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def atomic_write(path: Path, data: bytes, *, write: Write | None = None) -> None:
    """Replace ``path`` with ``data`` atomically and durably (file mode 0600)."""
    write = write or write_all
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
    try:
        try:
            write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def remove_stray_temps(folder: Path) -> list[Path]:
    """Delete temp files left by an interrupted ``atomic_write``; returns what was removed."""
    removed = []
    for p in Path(folder).glob(f".*{TEMP_MARK}*"):
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed
