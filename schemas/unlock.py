"""Unlock codes for a phone locked after too many wrong PINs: made by the server, checked offline.

At enrollment the server gives the phone a per-device *unlock key*
(``HMAC(server secret, device id)``; the server keeps no copy, it derives it
again when asked). When the vault locks, the phone shows its device id and
its *lockout number* n (how many times it has been locked before). A
supervisor or admin asks the server for the code of (device, n); the
officer types it; the phone recomputes it with its unlock key and, if it
matches, unlocks the PIN prompt and moves on to n + 1, so every code works
once. The code opens only the PIN prompt, never the data: the PIN (or the
server's recovery key) is still needed for that.

Standard library only: the server and the phone both import this.
"""

from __future__ import annotations

import hashlib
import hmac
import re

CODE_DIGITS = 10


def derive_unlock_key(server_secret: bytes, device: int) -> bytes:
    """The per-device unlock key (32 bytes) the server hands over at enrollment."""
    return hmac.new(server_secret, f"fieldtally/unlock-key|{device}".encode("ascii"), hashlib.sha256).digest()


def unlock_code(unlock_key: bytes, *, device: int, lockout: int) -> str:
    """The one-time code for lockout number ``lockout`` of ``device``: ten digits, as 'NNNNN-NNNNN'."""
    mac = hmac.new(unlock_key, f"fieldtally/unlock-code|{device}|{lockout}".encode("ascii"), hashlib.sha256)
    n = int.from_bytes(mac.digest()[:8], "big") % 10**CODE_DIGITS
    digits = f"{n:0{CODE_DIGITS}d}"
    return f"{digits[:5]}-{digits[5:]}"


def normalize_code(typed: str) -> str:
    """What the officer typed, without spaces and dashes ('12345 67890' -> '1234567890')."""
    return re.sub(r"[\s\-.]", "", typed or "")


def code_matches(unlock_key: bytes, typed: str, *, device: int, lockout: int) -> bool:
    expected = normalize_code(unlock_code(unlock_key, device=device, lockout=lockout))
    return hmac.compare_digest(expected.encode("ascii"), normalize_code(typed).encode("utf-8"))
