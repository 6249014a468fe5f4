"""``Vault``: open, create and close the encrypted store in one folder.

Files in the folder::

    vault.key       the data key wrapped by scrypt(PIN) + KDF parameters and salt (keyfile.py)
    vault.snap      the whole state, sealed with AES-256-GCM under the data key (journal.py)
    vault.journal   encrypted changes since the snapshot, one frame per save (journal.py)
    vault.attempts  consecutive wrong PINs and when the last one was (throttle.py)
    vault.lock      an advisory lock: one open Vault per folder, across processes

Create writes the snapshot and journal first and the key file last, so a
crash during creation leaves no half-made vault (``exists`` looks for the key
file, and a new ``create`` overwrites the leftovers).
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from schemas.common import text

from ..errors import VaultError, WrongPin
from . import keyfile as kf
from .atomic import fsync_dir, remove_stray_temps
from .storage import COMPACT_MIN_BYTES, EncryptedStorage
from .throttle import Throttle

try:  # POSIX (Android included); elsewhere the lock is skipped
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

KEY_NAME = "vault.key"
ATTEMPTS_NAME = "vault.attempts"
LOCK_NAME = "vault.lock"
MIN_PIN_LEN = 4


class Vault:
    """The officer's encrypted store; ``db`` is a TinyDB on top of it."""

    def __init__(self, folder: Path, storage: EncryptedStorage, lock_fd: int | None, vault_id: str) -> None:
        self.folder = Path(folder)
        self.vault_id = vault_id
        self._storage = storage
        self.db: TinyDB = TinyDB(storage=lambda: storage)
        # Release the files and the folder lock even if the owner forgets close() (runs once).
        self._closer = weakref.finalize(self, _release, storage, lock_fd)

    # ---- opening -----------------------------------------------------------------------------------
    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / KEY_NAME).is_file()

    @classmethod
    def create(cls, folder: Path, pin: str, *, kdf_params: dict | None = None, **options: Any) -> Vault:
        """A new vault with a random 256-bit data key wrapped by a key derived from ``pin``."""
        folder = Path(folder)
        if len(pin) < MIN_PIN_LEN:
            raise VaultError(
                text(
                    f"Mã PIN cần ít nhất {MIN_PIN_LEN} ký tự.",
                    f"The PIN needs at least {MIN_PIN_LEN} characters.",
                )
            )
        if cls.exists(folder):
            raise VaultError(
                text("Trên máy đã có kho dữ liệu.", "There is already a data store on this phone."),
                detail=str(folder),
            )
        folder.mkdir(parents=True, exist_ok=True)
        fsync_dir(folder.parent)
        lock_fd = _lock(folder)
        try:
            data_key = os.urandom(32)
            keyfile = kf.new_keyfile(pin, data_key, kdf_params)
            remove_stray_temps(folder)
            EncryptedStorage.initialize(folder, data_key, keyfile.vault_id)
            Throttle(folder / ATTEMPTS_NAME).reset()
            kf.write_keyfile(folder / KEY_NAME, keyfile)
            storage = EncryptedStorage(folder, data_key, keyfile.vault_id, **_storage_options(options))
        except BaseException:
            _unlock(lock_fd)
            raise
        return cls(folder, storage, lock_fd, keyfile.vault_id)

    @classmethod
    def unlock(
        cls, folder: Path, pin: str, *, clock: Callable[[], float] = time.time, **options: Any
    ) -> Vault:
        """Open the vault with ``pin``. Raises WrongPin, PinThrottled or VaultCorrupt.

        A try that comes before the wait of the previous failures is over is
        refused with PinThrottled without deriving any key. ``clock`` is for
        tests (seconds, like ``time.time``).
        """
        folder = Path(folder)
        if not cls.exists(folder):
            raise VaultError(
                text("Chưa có kho dữ liệu trên máy.", "There is no data store on this phone yet."),
                detail=str(folder),
            )
        lock_fd = _lock(folder)
        try:
            throttle = Throttle(folder / ATTEMPTS_NAME, clock)
            throttle.check()
            keyfile = kf.read_keyfile(folder / KEY_NAME)
            try:
                data_key = keyfile.unwrap(pin)
            except kf.BadKey:
                attempts, wait = throttle.record_failure()
                raise WrongPin(attempts, wait) from None
            throttle.reset()
            remove_stray_temps(folder)
            storage = EncryptedStorage(folder, data_key, keyfile.vault_id, **_storage_options(options))
        except BaseException:
            _unlock(lock_fd)
            raise
        return cls(folder, storage, lock_fd, keyfile.vault_id)

    # ---- use ---------------------------------------------------------------------------------------
    @property
    def storage(self) -> EncryptedStorage:
        return self._storage

    @property
    def torn_tail_recovered(self) -> bool:
        """True when the last save before a crash was incomplete and was dropped on opening."""
        return self._storage.torn_tail_recovered

    def compact(self) -> None:
        """Seal everything into a fresh snapshot now (also done automatically as the journal grows)."""
        self._storage.compact()

    def close(self) -> None:
        self._closer()

    @property
    def closed(self) -> bool:
        return not self._closer.alive

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _storage_options(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - {"compact_min_bytes"}
    if unknown:
        raise TypeError(f"unknown vault options: {sorted(unknown)}")
    return {"compact_min_bytes": options.get("compact_min_bytes", COMPACT_MIN_BYTES)}


def _release(storage: EncryptedStorage, lock_fd: int | None) -> None:
    try:
        storage.close()
    finally:
        _unlock(lock_fd)


def _lock(folder: Path) -> int | None:
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


def _unlock(fd: int | None) -> None:
    if fd is None:
        return
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
