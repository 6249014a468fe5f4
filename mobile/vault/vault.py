"""``Vault``: open, create and close the encrypted store in one folder.

Files in the folder::

    vault.key       the data key wrapped by scrypt(PIN), and for the server's recovery key (keyfile.py)
    vault.snap      the whole state, sealed with AES-256-GCM under the data key (journal.py)
    vault.journal   encrypted changes since the snapshot, one frame per save (journal.py)
    vault.attempts  consecutive wrong PINs and when the last one was (throttle.py)
    vault.lock      an advisory lock: one open Vault per folder, across processes (folder_lock.py)

Create writes the snapshot and journal first and the key file last, so a
crash during creation leaves no half-made vault (``exists`` looks for the key
file, and a new ``create`` overwrites the leftovers).

The key file alone changes when the PIN changes (``change_pin``): the data
key stays, so records are never re-encrypted, and the file is replaced
atomically, so a crash leaves the old PIN or the new one working, never
neither. Wrong PINs slow down and then lock (``throttle.py``);
``lift_lock`` takes a supervisor's unlock code.

Given a ``SecretStore`` (``device_secret.py``; the app always gives one),
the vault is *bound to the device*: a secret kept outside these files
enters the PIN's key, authenticates ``vault.key`` and seals the unlock key
(``vault_format/binding.py``), so the files alone cannot be brute-forced;
an older, unbound vault is bound at its next unlock. The same store keeps
the vault's write counter: files found behind it on opening (a journal cut
at a frame boundary, an older copy restored) set ``rollback``, a sentence
for the officer, and the counter starts again from what is there. Without a
store (tools, most tests) the vault is format 2 and unbound, as before.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from tinydb import TinyDB

from schemas.common import LocalizedText, text
from schemas.unlock import code_matches
from vault_format import kdf
from vault_format import recovery as rc
from vault_format.atomic import fsync_dir, remove_stray_temps
from vault_format.keyfile import KEY_NAME

from ..errors import BadUnlockCode, PinLocked, VaultError, WrongPin
from ..pin_policy import check_pin
from . import device_secret as ds
from . import folder_lock
from . import keyfile as kf
from .storage import COMPACT_MIN_BYTES, EncryptedStorage
from .throttle import LOCK_AFTER, Throttle
from .tracking import VaultTable

ATTEMPTS_NAME = "vault.attempts"

ROLLED_BACK = text(
    "Kho dữ liệu trên máy cũ hơn lần lưu cuối: có thể đã mất những phiếu chưa gửi "
    "(tệp bị cắt bớt hoặc bị thay bằng bản sao cũ). Hãy báo ngay cho cán bộ phụ trách.",
    "The data store on this phone is older than its last save: records not yet sent may be lost "
    "(its files were cut short or replaced by an older copy). Tell your supervisor now.",
)


class Vault:
    """The officer's encrypted store; ``db`` is a TinyDB on top of it."""

    def __init__(
        self,
        folder: Path,
        storage: EncryptedStorage,
        lock_fd: int | None,
        vault_id: str,
        *,
        secrets: ds.SecretStore | None = None,
        device_secret: bytes | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.vault_id = vault_id
        self._storage = storage
        self._device_secret = device_secret
        self._secrets = secrets
        # Set on opening when the files are behind the counter kept outside them (a sentence to show).
        self.rollback: LocalizedText | None = None
        if secrets is not None:
            self.rollback = _check_counter(secrets, vault_id, storage)
            storage.on_commit = lambda pos: ds.write_counter(secrets, vault_id, pos)
        self.db: TinyDB = TinyDB(storage=lambda: storage)
        self.db.table_class = VaultTable  # sees packed tables as dicts (tracking.py)
        # Release the files and the folder lock even if the owner forgets close() (runs once).
        self._closer = weakref.finalize(self, _release, storage, lock_fd)

    # ---- opening -----------------------------------------------------------------------------------
    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / KEY_NAME).is_file()

    @classmethod
    def create(
        cls,
        folder: Path,
        pin: str,
        *,
        kdf_params: dict | None = None,
        recovery_public_key: bytes | None = None,
        unlock_key: kf.UnlockKey | None = None,
        secrets: ds.SecretStore | None = None,
        **options: Any,
    ) -> Vault:
        """A new vault with a random 256-bit data key wrapped by a key derived from ``pin``.

        ``kdf_params`` None (or only ``{"target_ms": t}``) calibrates the KDF on
        this device (``kdf.calibrate``); ``secrets`` binds the vault to the device.

        ``recovery_public_key`` (the server's, from enrollment) adds a second
        wrap so an admin can recover the records if the PIN is forgotten;
        ``unlock_key`` (also from enrollment) lets a locked vault be opened
        again with a supervisor's unlock code. Both are optional (a vault
        without them keeps working, with those two doors shut).
        """
        folder = Path(folder)
        check_pin(pin)
        if cls.exists(folder):
            raise VaultError(
                text("Trên máy đã có kho dữ liệu.", "There is already a data store on this phone."),
                detail=str(folder),
            )
        folder.mkdir(parents=True, exist_ok=True)
        fsync_dir(folder.parent)
        lock_fd = folder_lock.acquire(folder)
        try:
            data_key = os.urandom(32)
            if not kdf_params or set(kdf_params) == {"target_ms"}:
                kdf_params = kdf.calibrate(**(kdf_params or {}))
            secret = ds.device_secret(secrets, create=True) if secrets is not None else None
            keyfile = kf.new_keyfile(
                pin,
                data_key,
                kdf_params,
                recovery_public_key=recovery_public_key,
                unlock=unlock_key,
                device_secret=secret,
            )
            remove_stray_temps(folder)
            EncryptedStorage.initialize(folder, data_key, keyfile.vault_id)
            Throttle(folder / ATTEMPTS_NAME).reset()
            if secrets is not None:
                ds.write_counter(secrets, keyfile.vault_id, (0, 0))
            kf.write_keyfile(folder / KEY_NAME, keyfile)
            storage = EncryptedStorage(folder, data_key, keyfile.vault_id, **_storage_options(options))
        except BaseException:
            folder_lock.release(lock_fd)
            raise
        return cls(folder, storage, lock_fd, keyfile.vault_id, secrets=secrets, device_secret=secret)

    @classmethod
    def unlock(
        cls,
        folder: Path,
        pin: str,
        *,
        clock: Callable[[], float] = time.time,
        secrets: ds.SecretStore | None = None,
        **options: Any,
    ) -> Vault:
        """Open the vault with ``pin``. Raises WrongPin, PinThrottled, PinLocked or VaultCorrupt.

        A try that comes before the wait of the previous failures is over is
        refused with PinThrottled without deriving any key; a locked vault
        refuses every PIN until ``lift_lock``. A key file of an older format
        is rewritten in the current one (same data key, same PIN). ``clock``
        is for tests (seconds, like ``time.time``). With ``secrets`` an unbound
        vault is bound now, and ``rollback`` is set if the files went backwards.
        """
        folder = Path(folder)
        if not cls.exists(folder):
            raise VaultError(
                text("Chưa có kho dữ liệu trên máy.", "There is no data store on this phone yet."),
                detail=str(folder),
            )
        lock_fd = folder_lock.acquire(folder)
        try:
            keyfile = kf.read_checked(folder, secrets)
            throttle = Throttle.mirrored(folder / ATTEMPTS_NAME, clock, secrets, keyfile.vault_id)
            _refuse_if_locked(throttle, keyfile)
            throttle.check()
            data_key = _unwrap_counted(keyfile, pin, throttle)
            throttle.reset()
            if secrets is not None and not keyfile.bound:
                # An older vault: bind it to this device now (same data key and PIN, a new wrap).
                keyfile = keyfile.rewrapped(
                    pin, data_key, device_secret=ds.device_secret(secrets, create=True)
                )
                kf.write_keyfile(folder / KEY_NAME, keyfile)
            elif keyfile.format < kf.UNBOUND_FORMAT:
                keyfile = keyfile.rewrapped(pin, data_key)
                kf.write_keyfile(folder / KEY_NAME, keyfile)
            remove_stray_temps(folder)
            storage = EncryptedStorage(folder, data_key, keyfile.vault_id, **_storage_options(options))
        except BaseException:
            folder_lock.release(lock_fd)
            raise
        return cls(
            folder, storage, lock_fd, keyfile.vault_id, secrets=secrets, device_secret=keyfile.device_secret
        )

    @classmethod
    def lock_status(cls, folder: Path, *, clock: Callable[[], float] = time.time) -> PinLocked | None:
        """The PinLocked a PIN try would meet now (to show the unlock-code screen first), or None.

        Needs no device secret (the screen asks from the event loop): the device number is not
        secret, and ``unlock`` and ``lift_lock`` check the key file against the device themselves.
        """
        throttle = Throttle(Path(folder) / ATTEMPTS_NAME, clock)
        try:
            _refuse_if_locked(throttle, kf.read_keyfile(Path(folder) / KEY_NAME))
        except PinLocked as exc:
            return exc
        return None

    @classmethod
    def lift_lock(
        cls,
        folder: Path,
        code: str,
        *,
        clock: Callable[[], float] = time.time,
        secrets: ds.SecretStore | None = None,
    ) -> None:
        """Take a supervisor's unlock code for the current lockout; BadUnlockCode if it is wrong.

        The code only lets PINs be tried again (and is spent): it opens no data.
        """
        folder = Path(folder)
        lock_fd = folder_lock.acquire(folder)
        try:
            keyfile = kf.read_checked(folder, secrets)
            throttle = Throttle.mirrored(folder / ATTEMPTS_NAME, clock, secrets, keyfile.vault_id)
            if keyfile.unlock is None:
                raise VaultError(
                    text(
                        "Kho dữ liệu này không dùng mã mở khóa; hãy chờ rồi nhập lại mã PIN.",
                        "This data store does not take unlock codes; wait, then enter the PIN again.",
                    )
                )
            wait = throttle.code_wait()
            if wait > 0:
                raise BadUnlockCode(wait)
            lockout = throttle.attempts().lockouts
            if not code_matches(keyfile.unlock.key, code, device=keyfile.unlock.device, lockout=lockout):
                raise BadUnlockCode(throttle.record_code_failure())
            throttle.lift_lock()
        finally:
            folder_lock.release(lock_fd)

    # ---- keys of an open vault ---------------------------------------------------------------------
    def _keyfile(self) -> kf.KeyFile:
        return kf.read_keyfile(self.folder / KEY_NAME, self._device_secret)

    @property
    def bound(self) -> bool:
        """True when the vault's key needs this device's secret (format 3)."""
        return self._keyfile().bound

    def change_pin(self, old_pin: str, new_pin: str, *, clock: Callable[[], float] = time.time) -> None:
        """Wrap the data key under ``new_pin``; the records are not touched (no re-encryption).

        ``old_pin`` is checked (and a wrong one counted) as at unlock, so an
        unattended unlocked phone cannot have its PIN changed by someone else.
        """
        check_pin(new_pin)
        throttle = Throttle.mirrored(self.folder / ATTEMPTS_NAME, clock, self._secrets, self.vault_id)
        keyfile = self._keyfile()
        throttle.check()
        data_key = _unwrap_counted(keyfile, old_pin, throttle)
        throttle.reset()
        kf.write_keyfile(self.folder / KEY_NAME, keyfile.rewrapped(new_pin, data_key))

    def set_recovery_key(self, server_public_key: bytes) -> None:
        """Wrap the data key for the server's recovery key (again, e.g. after the server's key changed)."""
        keyfile = self._keyfile()
        try:
            block = rc.wrap_for_server(self._storage._key, server_public_key, vault_id=self.vault_id)
        except rc.RecoveryError as exc:
            raise VaultError(detail=f"recovery key: {exc}") from exc
        kf.write_keyfile(self.folder / KEY_NAME, keyfile.with_recovery(block))

    def set_unlock_key(self, unlock_key: kf.UnlockKey | None) -> None:
        """Store (or replace) the key that checks supervisors' unlock codes."""
        kf.write_keyfile(self.folder / KEY_NAME, self._keyfile().with_unlock(unlock_key))

    @property
    def recovery_key_id(self) -> str | None:
        """The id of the server key the data key is wrapped for, or None."""
        block = self._keyfile().recovery
        return block["key_id"] if block else None

    def subkey(self, label: bytes) -> bytes:
        """A 256-bit key for one purpose (``label``), derived from the data key by HKDF-SHA256.

        The data key itself never leaves the storage; each use (e.g. the photo blobs,
        ``mobile/media/store.py``) gets its own key, salted with the vault's id.
        """
        self._storage._check_open()
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=self.vault_id.encode("utf-8"), info=label)
        return hkdf.derive(self._storage._key)

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


def _check_counter(secrets: ds.SecretStore, vault_id: str, storage: EncryptedStorage) -> LocalizedText | None:
    """ROLLED_BACK if the files are behind the counter kept outside them; then count from what is there."""
    recorded = ds.read_counter(secrets, vault_id)
    found = storage.position
    if recorded != found:
        ds.write_counter(secrets, vault_id, found)
    return ROLLED_BACK if recorded is not None and found < recorded else None


def _refuse_if_locked(throttle: Throttle, keyfile: kf.KeyFile) -> None:
    device = keyfile.unlock_device
    if device is None:
        return  # no unlock code could ever lift a lock: the waits alone slow guessing down
    a = throttle.attempts()
    if a.failures >= LOCK_AFTER:
        raise PinLocked(attempts=a.failures, device=device, lockout=a.lockouts)


def _unwrap_counted(keyfile: kf.KeyFile, pin: str, throttle: Throttle) -> bytes:
    try:
        return keyfile.unwrap(pin)
    except kf.BadKey:
        attempts, wait = throttle.record_failure()
        if keyfile.unlock_device is not None and attempts >= LOCK_AFTER:
            _refuse_if_locked(throttle, keyfile)
        raise WrongPin(attempts, wait) from None


def _storage_options(options: dict[str, Any]) -> dict[str, Any]:
    """``compact_min_bytes`` (when the journal is folded into the snapshot) and ``write`` (how bytes
    reach the disk: a test passes one that fails like a full phone)."""
    unknown = set(options) - {"compact_min_bytes", "write"}
    if unknown:
        raise TypeError(f"unknown vault options: {sorted(unknown)}")
    return {
        "compact_min_bytes": options.get("compact_min_bytes", COMPACT_MIN_BYTES),
        "write": options.get("write"),
    }


def _release(storage: EncryptedStorage, lock_fd: int | None) -> None:
    try:
        storage.close()
    finally:
        folder_lock.release(lock_fd)
