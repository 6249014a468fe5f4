"""The encrypted vault: round trip, options, one open vault per folder, wrong PINs and their waits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tinydb import Query

from mobile.errors import PinThrottled, VaultError, WrongPin
from mobile.vault import Vault
from mobile.vault.throttle import WAITS
from mobile.vault.vault import ATTEMPTS_NAME, KEY_NAME
from vault_format import kdf

from .helpers import FAST_KDF, PIN
from .vault_helpers import FakeClock, fill, state

# ---- round trip and basics ---------------------------------------------------------------------------


def test_vault__round_trip(vault_dir: Path):
    assert not Vault.exists(vault_dir)
    v = Vault.create(vault_dir, PIN, kdf_params=FAST_KDF)
    assert Vault.exists(vault_dir)
    fill(v, 5)
    t = v.db.table("t")
    t.update({"extra": "đã sửa"}, Query().n == 2)
    t.remove(Query().n == 4)
    v.db.table("other").insert({"k": [1, 2, {"x": None}]})
    before = state(v)
    v.close()

    v2 = Vault.unlock(vault_dir, PIN)
    try:
        assert state(v2) == before
        assert v2.db.table("t").get(Query().n == 2)["extra"] == "đã sửa"
        assert len(v2.db.table("t")) == 4
        assert not v2.torn_tail_recovered
    finally:
        v2.close()


def test_vault__kdf_parameters_are_stored_beside_the_salt(vault: Vault, vault_dir: Path):
    body = json.loads((vault_dir / KEY_NAME).read_text())
    assert body["kdf"]["name"] == "scrypt"
    assert (body["kdf"]["n"], body["kdf"]["r"], body["kdf"]["p"]) == (FAST_KDF["n"], 8, 1)
    assert len(body["kdf"]["salt"]) > 16
    assert body["format"] == 2


def test_vault__default_kdf_is_scrypt_2_15():
    assert kdf.normalize(None) == {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}


@pytest.mark.skipif(not kdf.argon2id_available(), reason="this cryptography/OpenSSL has no Argon2id")
def test_vault__argon2id_when_available(vault_dir: Path):
    params = {"name": "argon2id", "memory_cost": 64, "iterations": 1, "lanes": 1}
    with Vault.create(vault_dir, PIN, kdf_params=params) as v:
        fill(v, 2)
    with Vault.unlock(vault_dir, PIN) as v:
        assert len(v.db.table("t")) == 2
    assert json.loads((vault_dir / KEY_NAME).read_text())["kdf"]["name"] == "argon2id"


@pytest.mark.parametrize("params", [{"name": "bcrypt"}, {"n": 1000}, {"n": 2**8, "r": 0}, {"n": 2**30}])
def test_vault__create_refuses_bad_kdf_parameters(vault_dir: Path, params: dict):
    with pytest.raises(VaultError):
        Vault.create(vault_dir, PIN, kdf_params=params)
    assert not Vault.exists(vault_dir)


def test_vault__create_refuses_an_existing_vault_and_a_short_pin(
    vault: Vault, vault_dir: Path, tmp_path: Path
):
    with pytest.raises(VaultError) as err:
        Vault.create(vault_dir, PIN, kdf_params=FAST_KDF)
    assert "kho dữ liệu" in err.value.message.vi
    with pytest.raises(VaultError):
        Vault.create(tmp_path / "other", "12", kdf_params=FAST_KDF)


def test_vault__unlock_without_a_vault_is_a_clean_error(tmp_path: Path):
    with pytest.raises(VaultError) as err:
        Vault.unlock(tmp_path / "nothing", PIN)
    assert err.value.message.vi and err.value.message.en


def test_vault__one_open_vault_per_folder(vault: Vault, vault_dir: Path):
    with pytest.raises(VaultError):
        Vault.unlock(vault_dir, PIN)
    vault.close()
    Vault.unlock(vault_dir, PIN).close()


def test_vault__closed_vault_refuses_use(vault: Vault):
    fill(vault, 1)
    vault.close()
    with pytest.raises(VaultError):
        vault.db.table("t").all()


# ---- wrong PINs --------------------------------------------------------------------------------------


def test_vault__wrong_pin_is_counted_and_throttled_across_reopen(vault: Vault, vault_dir: Path):
    vault.close()
    clock = FakeClock()
    waits = []
    for attempt in (1, 2, 3):
        with pytest.raises(WrongPin) as err:
            Vault.unlock(vault_dir, "000000", clock=clock)
        assert err.value.attempts == attempt
        waits.append(err.value.wait_seconds)
    assert waits == [WAITS[1], WAITS[2], WAITS[3]] == [0, 0, 5]
    assert "5 giây" in err.value.message.vi

    # Too early: refused without trying, even with the right PIN, by a fresh unlock (a new "app start").
    clock.t += 2
    with pytest.raises(PinThrottled) as thr:
        Vault.unlock(vault_dir, PIN, clock=clock)
    assert thr.value.wait_seconds == pytest.approx(3)
    assert thr.value.message.vi.startswith("Đã nhập sai")

    clock.t += 3
    with pytest.raises(WrongPin) as err:
        Vault.unlock(vault_dir, "111111", clock=clock)
    assert (err.value.attempts, err.value.wait_seconds) == (4, 15)
    clock.t += 14.5
    with pytest.raises(PinThrottled):
        Vault.unlock(vault_dir, PIN, clock=clock)

    clock.t += 0.5
    Vault.unlock(vault_dir, PIN, clock=clock).close()
    assert not (vault_dir / ATTEMPTS_NAME).exists()  # success resets the count
    with pytest.raises(WrongPin) as err:
        Vault.unlock(vault_dir, "000000", clock=clock)
    assert err.value.attempts == 1


def test_vault__wait_keeps_growing_and_is_capped():
    assert list(WAITS[:7]) == [0, 0, 0, 5, 15, 30, 60]
    assert all(a <= b for a, b in zip(WAITS, WAITS[1:], strict=False))
    assert WAITS[-1] == 3600


def test_vault__damaged_attempt_counter_costs_one_short_wait(vault: Vault, vault_dir: Path):
    vault.close()
    clock = FakeClock()
    with pytest.raises(WrongPin):
        Vault.unlock(vault_dir, "000000", clock=clock)
    (vault_dir / ATTEMPTS_NAME).write_text('{"failures": 0, "last_failure": 0, "check": "forged"}')
    with pytest.raises(PinThrottled) as thr:
        Vault.unlock(vault_dir, PIN, clock=clock)
    assert thr.value.wait_seconds == 5
    clock.t += 5
    Vault.unlock(vault_dir, PIN, clock=clock).close()


def test_vault__clock_set_back_does_not_lock_the_officer_out(vault: Vault, vault_dir: Path):
    vault.close()
    clock = FakeClock()
    for _ in range(3):
        with pytest.raises(WrongPin):
            Vault.unlock(vault_dir, "000000", clock=clock)
    clock.t -= 86_400  # the phone's clock went back a day
    with pytest.raises(PinThrottled):
        Vault.unlock(vault_dir, PIN, clock=clock)
    clock.t += 5
    Vault.unlock(vault_dir, PIN, clock=clock).close()
