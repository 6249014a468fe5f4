"""One PIN rule: the screens ask it, and the vault refuses whatever it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.errors import PinRefused, VaultError
from mobile.pin_policy import check_pin, pin_acceptable
from mobile.vault import Vault

from .helpers import FAST_KDF, PIN

PINS = [
    ("246810", True),
    ("000000", True),
    ("123456789012", True),
    ("12345", False),  # too short
    ("1234", False),  # the vault took four characters before
    ("1234567890123", False),  # too long
    ("abcdef", False),
    ("12345a", False),
    ("123 456", False),
    ("１２３４５６", False),  # full-width digits
    ("١٢٣٤٥٦", False),  # Arabic-Indic digits
    ("123456\n", False),
    ("", False),
]


@pytest.mark.parametrize(("pin", "ok"), PINS)
def test_pin_policy__six_to_twelve_ascii_digits(pin: str, ok: bool):
    assert pin_acceptable(pin) is ok
    if ok:
        check_pin(pin)
    else:
        with pytest.raises(PinRefused) as err:
            check_pin(pin)
        assert "6" in err.value.message.vi and "12" in err.value.message.en


@pytest.mark.parametrize("pin", [p for p, ok in PINS if not ok])
def test_pin_policy__the_vault_refuses_what_the_policy_refuses(tmp_path: Path, pin: str):
    with pytest.raises(PinRefused) as err:
        Vault.create(tmp_path / "v", pin, kdf_params=FAST_KDF)
    assert isinstance(err.value, VaultError)
    assert not Vault.exists(tmp_path / "v")


def test_pin_policy__changing_to_a_refused_pin_keeps_the_old_one(vault: Vault, vault_dir: Path):
    with pytest.raises(PinRefused):
        vault.change_pin(PIN, "1234")
    vault.close()
    with Vault.unlock(vault_dir, PIN):
        pass
