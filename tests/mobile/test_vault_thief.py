"""The phone a thief holds: the attacks of issue 14 on a copied vault, each reproduced and now failing.

The Keystore cannot run here, so the device secret lives in a ``MemorySecretStore``
(the same interface the Android and desktop stores implement).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mobile.errors import BadUnlockCode, PinLocked, VaultCorrupt, VaultError, WrongPin
from mobile.vault import UnlockKey, Vault
from mobile.vault import device_secret as ds
from mobile.vault.storage import JOURNAL_NAME, SNAP_NAME
from mobile.vault.throttle import LOCK_AFTER
from mobile.vault.vault import ATTEMPTS_NAME, KEY_NAME, ROLLED_BACK
from schemas.unlock import unlock_code
from vault_format import kdf
from vault_format import keyfile as key_format
from vault_format.errors import NotThisDevice
from vault_format.reader import read_tables
from vault_format.recovery import unwrap_with_private_key

from .helpers import FAST_KDF, PIN
from .vault_helpers import FakeClock, fill, state

UNLOCK = UnlockKey(device=7, key=bytes(range(32)))
FILES = (KEY_NAME, SNAP_NAME, JOURNAL_NAME)


def _server_keypair() -> tuple[bytes, bytes]:
    priv = X25519PrivateKey.generate()
    raw = priv.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw, priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name in FILES:
        shutil.copy2(src / name, dst / name)
    return dst


def _reseal(path: Path, body: dict) -> None:
    """Write ``body`` with a valid checksum (what anyone editing the file can do)."""
    body.pop("checksum", None)
    body["checksum"] = hashlib.sha256(key_format._canonical(body)).hexdigest()
    path.write_text(json.dumps(body))


# ---- 1. offline PIN guessing -------------------------------------------------------------------------


def test_thief__the_files_alone_do_not_open_even_with_the_right_pin(tmp_path: Path):
    secrets = ds.MemorySecretStore()
    with Vault.create(tmp_path / "v", PIN, kdf_params=FAST_KDF, secrets=secrets) as v:
        fill(v, 3)
        before = state(v)
        assert v.bound
    stolen = _copy(tmp_path / "v", tmp_path / "stolen")
    kf = key_format.read_keyfile(stolen / KEY_NAME)  # what an offline guesser has
    assert kf.format == 3 and kf.unlock is None  # the unlock key is sealed: not in the files

    # The old attack: scrypt(PIN) is the key. It no longer is, even for the right PIN.
    with pytest.raises(InvalidTag):
        AESGCM(kdf.derive(PIN, kf.salt, kf.kdf_params)).decrypt(
            kf.wrapped_key[:12], kf.wrapped_key[12:], kf._aad()
        )
    with pytest.raises(NotThisDevice):
        kf.unwrap(PIN)
    with pytest.raises(key_format.BadKey):  # a guessed secret is just another wrong key
        dataclasses.replace(kf, device_secret=os.urandom(32)).unwrap(PIN)
    # The app on another phone (no secret there) says so in a sentence, not "wrong PIN".
    with pytest.raises(VaultError) as err:
        Vault.unlock(stolen, PIN, secrets=ds.MemorySecretStore())
    assert (
        "chỉ mở được trên chiếc máy" in err.value.message.vi and "only on the phone" in err.value.message.en
    )
    # On the phone that made it, it opens.
    with Vault.unlock(stolen, PIN, secrets=secrets) as v:
        assert state(v) == before


def test_thief__a_bound_vaults_recovery_export_still_opens_with_the_servers_key(tmp_path: Path):
    priv, pub = _server_keypair()
    secrets = ds.MemorySecretStore()
    with Vault.create(
        tmp_path / "v", PIN, kdf_params=FAST_KDF, recovery_public_key=pub, secrets=secrets
    ) as v:
        fill(v, 4)
        before = {name: {str(k): d for k, d in t.items()} for name, t in v.storage.read().items()}
    kf = key_format.read_keyfile(tmp_path / "v" / KEY_NAME)  # the server has no device secret
    data_key = unwrap_with_private_key(kf.recovery, priv, vault_id=kf.vault_id)
    assert read_tables(tmp_path / "v", data_key, kf.vault_id) == before


def test_thief__kdf_cost_is_calibrated_on_the_device_and_stored(tmp_path: Path):
    # A device that runs one scrypt (N=2^15) in 10 ms gets p=50 for a 500 ms target ... capped at 32.
    ticks = iter([0.0, 0.010] * 3)
    assert kdf.calibrate(200, clock=lambda: next(ticks)) == {
        "name": "scrypt",
        "n": 2**15,
        "r": 8,
        "p": 20,
        "target_ms": 200,
    }
    ticks = iter([0.0, 2.0] * 3)  # a phone slower than the target keeps today's cost, not less
    assert kdf.calibrate(200, clock=lambda: next(ticks))["p"] == 1
    with Vault.create(tmp_path / "v", PIN, kdf_params={"target_ms": 50}, secrets=ds.MemorySecretStore()):
        pass
    stored = json.loads((tmp_path / "v" / KEY_NAME).read_text())["kdf"]
    assert stored["target_ms"] == 50 and stored["n"] == 2**15 and stored["p"] >= 1


# ---- 2. the key file and the unlock key --------------------------------------------------------------


@pytest.mark.parametrize("change", ["drop_recovery", "swap_unlock", "drop_unlock", "downgrade"])
def test_thief__key_file_blocks_cannot_be_replaced_or_removed(tmp_path: Path, change: str):
    _, pub = _server_keypair()
    secrets = ds.MemorySecretStore()
    folder = tmp_path / "v"
    Vault.create(
        folder, PIN, kdf_params=FAST_KDF, recovery_public_key=pub, unlock_key=UNLOCK, secrets=secrets
    ).close()
    path = folder / KEY_NAME
    body = json.loads(path.read_text())
    mine = os.urandom(32)
    if change == "drop_recovery":
        body["recovery"] = None
    elif change == "swap_unlock":  # the thief's own unlock key, to make their own unlock codes
        body["unlock"] = {"device": 7, "sealed_key": base64.b64encode(os.urandom(60)).decode()}
    elif change == "drop_unlock":  # no unlock key: the vault would never lock, only wait
        body["unlock"] = None
    else:  # an unbound format-2 file with a plaintext unlock key the thief chose
        for k in ("binding", "mac"):
            body.pop(k)
        body["format"] = 2
        body["unlock"] = {"device": 7, "key": base64.b64encode(mine).decode()}
    _reseal(path, body)
    with pytest.raises(VaultCorrupt):
        Vault.unlock(folder, PIN, secrets=secrets)
    with pytest.raises(VaultCorrupt):
        Vault.lift_lock(folder, unlock_code(mine, device=7, lockout=0), secrets=secrets)


def test_thief__the_unlock_code_cannot_be_computed_from_the_files(tmp_path: Path):
    secrets = ds.MemorySecretStore()
    folder, clock = tmp_path / "v", FakeClock()
    Vault.create(folder, PIN, kdf_params=FAST_KDF, unlock_key=UNLOCK, secrets=secrets).close()
    raw = b"".join((folder / n).read_bytes() for n in FILES)
    assert base64.b64encode(UNLOCK.key) not in raw and UNLOCK.key not in raw
    for _ in range(LOCK_AFTER):
        clock.t += 4000
        with pytest.raises((WrongPin, PinLocked)):
            Vault.unlock(folder, "000000", clock=clock, secrets=secrets)
    lock = Vault.lock_status(folder, clock=clock)  # shown without the secret: the number is no secret
    assert lock is not None and lock.device == 7
    # The supervisor's code (from the server, which derives the key again) still lifts it.
    Vault.lift_lock(folder, unlock_code(UNLOCK.key, device=7, lockout=0), clock=clock, secrets=secrets)
    with Vault.unlock(folder, PIN, clock=clock, secrets=secrets):
        pass


def test_thief__an_older_vault_opens_and_is_bound_at_its_next_unlock(tmp_path: Path):
    folder = tmp_path / "v"
    with Vault.create(folder, PIN, kdf_params=FAST_KDF, unlock_key=UNLOCK) as v:  # made before binding
        fill(v, 3)
        before = state(v)
    assert json.loads((folder / KEY_NAME).read_text())["format"] == 2
    secrets = ds.MemorySecretStore()
    with Vault.unlock(folder, PIN, secrets=secrets) as v:
        assert state(v) == before and v.bound
    body = json.loads((folder / KEY_NAME).read_text())
    assert body["format"] == 3 and "key" not in body["unlock"]
    with Vault.unlock(folder, PIN, secrets=secrets) as v:
        assert state(v) == before
    with pytest.raises(VaultError):  # and from now on, the files alone are not enough
        Vault.unlock(folder, PIN, secrets=ds.MemorySecretStore())


# ---- 3. truncation and rollback ----------------------------------------------------------------------


def test_thief__a_journal_cut_at_a_frame_boundary_is_told_to_the_officer(tmp_path: Path):
    secrets, folder = ds.MemorySecretStore(), tmp_path / "v"
    with Vault.create(folder, PIN, kdf_params=FAST_KDF, secrets=secrets) as v:
        fill(v, 2)
        cut = (folder / JOURNAL_NAME).stat().st_size  # a frame boundary
        fill(v, 3, start=2)
    with Vault.unlock(folder, PIN, secrets=secrets) as v:
        assert v.rollback is None  # an honest reopen says nothing
    os.truncate(folder / JOURNAL_NAME, cut)
    with Vault.unlock(folder, PIN, secrets=secrets) as v:
        assert v.rollback == ROLLED_BACK
        assert "chưa gửi" in v.rollback.vi and "not yet sent" in v.rollback.en
        assert len(v.db.table("t")) == 2
        fill(v, 1, start=10)  # the officer carries on from what is there
    with Vault.unlock(folder, PIN, secrets=secrets) as v:
        assert v.rollback is None  # told once; counting starts again from what was found


def test_thief__restoring_an_older_copy_of_all_three_files_is_told_to_the_officer(tmp_path: Path):
    secrets, folder = ds.MemorySecretStore(), tmp_path / "v"
    with Vault.create(folder, PIN, kdf_params=FAST_KDF, compact_min_bytes=2048, secrets=secrets) as v:
        fill(v, 2)
        old = _copy(folder, tmp_path / "old")
        fill(v, 40, start=2)  # enough to compact: the newer state is a later snapshot generation
        assert v.storage.position[0] >= 1
    for name in FILES:
        shutil.copy2(old / name, folder / name)
    with Vault.unlock(folder, PIN, secrets=secrets) as v:
        assert v.rollback == ROLLED_BACK and len(v.db.table("t")) == 2


def test_thief__compaction_and_a_torn_tail_are_not_called_a_rollback(tmp_path: Path):
    secrets, folder = ds.MemorySecretStore(), tmp_path / "v"
    with Vault.create(folder, PIN, kdf_params=FAST_KDF, compact_min_bytes=2048, secrets=secrets) as v:
        fill(v, 40)
        v.compact()
        fill(v, 1, start=40)
    with open(folder / JOURNAL_NAME, "ab") as f:  # a crash in the middle of the next save
        f.write(b"\x00" * 40)  # pages of the torn frame not yet written read as zeros
    with Vault.unlock(folder, PIN, secrets=secrets) as v:
        assert v.torn_tail_recovered and v.rollback is None and len(v.db.table("t")) == 41


def test_thief__deleting_or_rolling_back_the_attempt_counter_neither_unlocks_nor_unspends(tmp_path: Path):
    secrets, folder, clock = ds.MemorySecretStore(), tmp_path / "v", FakeClock()
    Vault.create(folder, PIN, kdf_params=FAST_KDF, unlock_key=UNLOCK, secrets=secrets).close()
    for _ in range(LOCK_AFTER):
        clock.t += 4000
        with pytest.raises((WrongPin, PinLocked)):
            Vault.unlock(folder, "000000", clock=clock, secrets=secrets)
    locked_copy = (folder / ATTEMPTS_NAME).read_bytes()
    (folder / ATTEMPTS_NAME).unlink()  # the thief deletes the counter
    with pytest.raises(PinLocked):
        Vault.unlock(folder, PIN, clock=clock, secrets=secrets)
    Vault.lift_lock(folder, unlock_code(UNLOCK.key, device=7, lockout=0), clock=clock, secrets=secrets)
    (folder / ATTEMPTS_NAME).write_bytes(locked_copy)  # ... then puts back the copy from before the lift
    for _ in range(LOCK_AFTER):
        clock.t += 4000
        with pytest.raises((WrongPin, PinLocked)):
            Vault.unlock(folder, "000000", clock=clock, secrets=secrets)
    with pytest.raises(BadUnlockCode):  # the spent code stays spent: lockout 1 needs a new one
        Vault.lift_lock(folder, unlock_code(UNLOCK.key, device=7, lockout=0), clock=clock, secrets=secrets)
    clock.t += 60  # the wait a wrong code costs
    Vault.lift_lock(folder, unlock_code(UNLOCK.key, device=7, lockout=1), clock=clock, secrets=secrets)
    with Vault.unlock(folder, PIN, clock=clock, secrets=secrets):
        pass
