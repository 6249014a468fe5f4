"""Which PINs the phone accepts: 6 to 12 digits. One rule, asked by the screens and enforced by the vault.

The PIN is typed on a number pad at every unlock, often in the open, so it is
digits only; six is the shortest that, with the vault's slow key derivation and
its lockout after repeated failures, keeps a lost phone's records out of reach.
The vault checks the same rule itself (``Vault.create`` and ``change_pin``), so
no caller can make a vault with a PIN the app would refuse.
"""

from __future__ import annotations

import re

from .errors import PinRefused

PIN_MIN_DIGITS = 6
PIN_MAX_DIGITS = 12
_PIN = re.compile(rf"^[0-9]{{{PIN_MIN_DIGITS},{PIN_MAX_DIGITS}}}$")


def pin_acceptable(pin: str) -> bool:
    return isinstance(pin, str) and _PIN.fullmatch(pin) is not None


def check_pin(pin: str) -> None:
    """Raise ``PinRefused`` (a sentence for the officer) unless ``pin`` is 6 to 12 digits."""
    if not pin_acceptable(pin):
        raise PinRefused()
