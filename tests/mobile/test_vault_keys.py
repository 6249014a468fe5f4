"""The vault's keys: format migration, PIN change without re-encryption, recovery wrap, lockout."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mobile.errors import BadUnlockCode, PinLocked, PinThrottled, VaultCorrupt, VaultError, WrongPin
from mobile.vault import UnlockKey, Vault
from mobile.vault import keyfile as kf
from mobile.vault.storage import JOURNAL_NAME, SNAP_NAME
from mobile.vault.throttle import CODE_WAIT, LOCK_AFTER, WAITS
from mobile.vault.vault import ATTEMPTS_NAME, KEY_NAME
from schemas.unlock import unlock_code
from vault_format import keyfile as key_format
from vault_format.recovery import RecoveryError, unwrap_with_private_key

from .helpers import FAST_KDF, PIN
from .vault_helpers import FakeClock, fill, state

NEW_PIN = "97531864"


def server_keypair() -> tuple[bytes, bytes]:
    priv = X25519PrivateKey.generate()
    raw = priv.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw, priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def write_v1_keyfile(folder: Path, pin: str, data_key: bytes, vault_id: str) -> None:
    """A key file exactly as the first release wrote it (format 1, no recovery or unlock fields)."""
    params = kf.kdf.normalize(FAST_KDF)
    salt = os.urandom(16)
    proto = kf.KeyFile(vault_id=vault_id, kdf_params=params, salt=salt, wrapped_key=b"", format=1)
    nonce = os.urandom(12)
    wrapped = nonce + AESGCM(kf.kdf.derive(pin, salt, params)).encrypt(nonce, data_key, proto._aad())
    kf.write_keyfile(folder / KEY_NAME, dataclasses.replace(proto, wrapped_key=wrapped))


# ---- format versions ---------------------------------------------------------------------------------


def test_keys__format_1_key_file_is_read_and_migrated_without_touching_records(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 5)
        before, data_key, vault_id = state(v), v.storage._key, v.vault_id
    write_v1_keyfile(vault_dir, PIN, data_key, vault_id)
    assert json.loads((vault_dir / KEY_NAME).read_text())["format"] == 1
    assert "recovery" not in json.loads((vault_dir / KEY_NAME).read_text())
    records = {n: (vault_dir / n).read_bytes() for n in (SNAP_NAME, JOURNAL_NAME)}

    with Vault.unlock(vault_dir, PIN) as v:
        assert state(v) == before
    body = json.loads((vault_dir / KEY_NAME).read_text())
    assert body["format"] == 2 and body["recovery"] is None and body["unlock"] is None
    assert {n: (vault_dir / n).read_bytes() for n in (SNAP_NAME, JOURNAL_NAME)} == records
    with Vault.unlock(vault_dir, PIN) as v:  # and the migrated file opens again
        assert state(v) == before


def test_keys__a_wrong_pin_on_a_format_1_file_migrates_nothing(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        data_key, vault_id = v.storage._key, v.vault_id
    write_v1_keyfile(vault_dir, PIN, data_key, vault_id)
    with pytest.raises(WrongPin):
        Vault.unlock(vault_dir, "000000")
    assert json.loads((vault_dir / KEY_NAME).read_text())["format"] == 1


def test_keys__a_newer_format_asks_for_an_update_and_is_not_called_corrupt(vault: Vault, vault_dir: Path):
    vault.close()
    body = json.loads((vault_dir / KEY_NAME).read_text())
    body.pop("checksum")
    body["format"] = key_format.FORMAT + 1  # one past the newest this app reads
    body["checksum"] = __import__("hashlib").sha256(key_format._canonical(body)).hexdigest()
    (vault_dir / KEY_NAME).write_text(json.dumps(body))
    with pytest.raises(VaultError) as err:
        Vault.unlock(vault_dir, PIN)
    assert not isinstance(err.value, VaultCorrupt)
    assert "cập nhật ứng dụng" in err.value.message.vi


# ---- changing the PIN --------------------------------------------------------------------------------


def test_keys__change_pin_rewraps_only_the_key(vault: Vault, vault_dir: Path):
    fill(vault, 4)
    vault.compact()
    fill(vault, 2, start=4)
    before = state(vault)
    sealed = {n: (vault_dir / n).read_bytes() for n in (SNAP_NAME, JOURNAL_NAME)}
    old_key_file = (vault_dir / KEY_NAME).read_bytes()

    vault.change_pin(PIN, NEW_PIN)
    assert (vault_dir / KEY_NAME).read_bytes() != old_key_file
    assert {n: (vault_dir / n).read_bytes() for n in (SNAP_NAME, JOURNAL_NAME)} == sealed  # not re-encrypted
    fill(vault, 1, start=6)  # the open vault keeps working
    vault.close()

    with pytest.raises(WrongPin):
        Vault.unlock(vault_dir, PIN)
    with Vault.unlock(vault_dir, NEW_PIN) as v:
        assert {k: t for k, t in state(v).items()} != before  # one more record
        assert len(v.db.table("t")) == 7


def test_keys__change_pin_checks_the_old_pin_and_the_new_one(vault: Vault, vault_dir: Path):
    clock = FakeClock()
    with pytest.raises(WrongPin) as err:
        vault.change_pin("000000", NEW_PIN, clock=clock)
    assert err.value.attempts == 1  # counted like any wrong PIN
    with pytest.raises(VaultError):
        vault.change_pin(PIN, "12", clock=clock)
    vault.change_pin(PIN, NEW_PIN, clock=clock)
    assert not (vault_dir / ATTEMPTS_NAME).exists()


def test_keys__change_pin_keeps_the_recovery_wrap(vault_dir: Path):
    priv, pub = server_keypair()
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, recovery_public_key=pub) as v:
        data_key = v.storage._key
        v.change_pin(PIN, NEW_PIN)
        kid = v.recovery_key_id
    keyfile = kf.read_keyfile(vault_dir / KEY_NAME)
    assert keyfile.recovery is not None and keyfile.recovery["key_id"] == kid
    assert unwrap_with_private_key(keyfile.recovery, priv, vault_id=keyfile.vault_id) == data_key


# ---- the recovery wrap -------------------------------------------------------------------------------


def test_keys__the_server_key_opens_the_data_key_and_no_other_key_does(vault_dir: Path, tmp_path: Path):
    priv, pub = server_keypair()
    other_priv, _ = server_keypair()
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, recovery_public_key=pub) as v:
        data_key, vault_id = v.storage._key, v.vault_id
    block = kf.read_keyfile(vault_dir / KEY_NAME).recovery
    assert block is not None
    assert unwrap_with_private_key(block, priv, vault_id=vault_id) == data_key
    with pytest.raises(RecoveryError):
        unwrap_with_private_key(block, other_priv, vault_id=vault_id)
    with pytest.raises(RecoveryError):  # moved to another vault, the wrap does not open
        unwrap_with_private_key(block, priv, vault_id="0" * 32)
    # Nothing on disk gives the data key away without the PIN or the private key.
    for p in vault_dir.iterdir():
        assert data_key not in p.read_bytes()


def test_keys__recovery_key_added_later_to_an_open_vault(vault: Vault, vault_dir: Path):
    priv, pub = server_keypair()
    assert vault.recovery_key_id is None
    vault.set_recovery_key(pub)
    assert vault.recovery_key_id is not None
    block = kf.read_keyfile(vault_dir / KEY_NAME).recovery
    assert unwrap_with_private_key(block, priv, vault_id=vault.vault_id) == vault.storage._key
    with pytest.raises(VaultError):
        vault.set_recovery_key(b"short")


# ---- lockout -----------------------------------------------------------------------------------------

UNLOCK = UnlockKey(device=42, key=bytes(range(32)))


def _fail_until_locked(vault_dir: Path, clock: FakeClock) -> PinLocked:
    for i in range(1, LOCK_AFTER + 1):
        clock.t += WAITS[-1]  # always wait long enough: only the count matters here
        try:
            Vault.unlock(vault_dir, "000000", clock=clock)
        except WrongPin as exc:
            assert exc.attempts == i < LOCK_AFTER
        except PinLocked as exc:
            assert i == LOCK_AFTER
            return exc
    raise AssertionError("never locked")


def test_keys__n_wrong_pins_lock_until_a_supervisor_code(vault_dir: Path):
    Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, unlock_key=UNLOCK).close()
    clock = FakeClock()
    locked = _fail_until_locked(vault_dir, clock)
    assert (locked.device, locked.lockout, locked.attempts) == (42, 0, LOCK_AFTER)
    assert "thiết bị số 42" in locked.message.vi and "lần khóa 0" in locked.message.vi

    clock.t += 10 * 86_400  # waiting does not help, and the right PIN is not even tried
    with pytest.raises(PinLocked):
        Vault.unlock(vault_dir, PIN, clock=clock)
    assert isinstance(Vault.lock_status(vault_dir, clock=clock), PinLocked)

    with pytest.raises(BadUnlockCode) as bad:
        Vault.lift_lock(vault_dir, "12345-67890", clock=clock)
    assert bad.value.wait_seconds == CODE_WAIT
    right = unlock_code(UNLOCK.key, device=42, lockout=0)
    with pytest.raises(BadUnlockCode):  # too soon after a wrong code, even the right one waits
        Vault.lift_lock(vault_dir, right, clock=clock)
    clock.t += CODE_WAIT
    Vault.lift_lock(vault_dir, right.replace("-", " "), clock=clock)
    assert Vault.lock_status(vault_dir, clock=clock) is None
    Vault.unlock(vault_dir, PIN, clock=clock).close()

    # The next lock needs the next code: the spent one does not work again.
    locked = _fail_until_locked(vault_dir, clock)
    assert locked.lockout == 1
    with pytest.raises(BadUnlockCode):
        Vault.lift_lock(vault_dir, right, clock=clock)
    clock.t += 2 * CODE_WAIT
    Vault.lift_lock(vault_dir, unlock_code(UNLOCK.key, device=42, lockout=1), clock=clock)
    with pytest.raises(WrongPin) as err:  # the count starts again from zero
        Vault.unlock(vault_dir, "000000", clock=clock)
    assert err.value.attempts == 1


def test_keys__a_vault_without_unlock_key_never_locks_it_only_waits(vault: Vault, vault_dir: Path):
    vault.close()
    clock = FakeClock()
    for _ in range(LOCK_AFTER + 2):
        clock.t += WAITS[-1]
        with pytest.raises(WrongPin):
            Vault.unlock(vault_dir, "000000", clock=clock)
    with pytest.raises(PinThrottled):
        Vault.unlock(vault_dir, PIN, clock=clock)
    clock.t += WAITS[-1]
    Vault.unlock(vault_dir, PIN, clock=clock).close()
    with pytest.raises(VaultError):
        Vault.lift_lock(vault_dir, "00000-00000", clock=clock)


def test_keys__enrollment_answer_gives_the_vault_both_keys(vault_dir: Path):
    import base64
    from datetime import UTC, datetime

    from schemas.sync import EnrollResponse, RecoveryKeyInfo, Role, UserInfo

    priv, pub = server_keypair()
    from vault_format.recovery import key_id

    resp = EnrollResponse(
        device_token="t",
        user=UserInfo(username="canbo", full_name="A", role=Role.OFFICER, unit="HN-SS-MT", unit_name="X"),
        server_time=datetime.now(UTC),
        device=7,
        recovery_key=RecoveryKeyInfo(key_id=key_id(pub), public_key=base64.b64encode(pub).decode()),
        unlock_key=base64.b64encode(UNLOCK.key).decode(),
    )
    keys = kf.vault_keys_from_enrollment(resp)
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, **keys) as v:
        assert v.recovery_key_id == key_id(pub)
    assert kf.read_keyfile(vault_dir / KEY_NAME).unlock == UnlockKey(device=7, key=UNLOCK.key)
    old = resp.model_copy(update={"device": None, "recovery_key": None, "unlock_key": None})
    assert kf.vault_keys_from_enrollment(old) == {}
