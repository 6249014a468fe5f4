"""Turning the officer's PIN into a key-encryption key.

scrypt is the default because every phone has it: Android's OpenSSL 3.0 has
no Argon2id, and cryptography only offers Argon2id on OpenSSL >= 3.2. A vault
made with Argon2id on a desktop would not open on such a phone, so Argon2id
is used only when asked for (``{"name": "argon2id", ...}``) and available.

The parameters are stored beside the salt in the key file, so they can be
tuned per device and raised later without breaking old vaults. A new vault's
cost is *calibrated on the device* (``calibrate``): scrypt's memory stays at
N=2^15, r=8 (32 MiB, what a cheap phone can spare), and its parallelism
``p`` (run one after another here, so time grows with it while memory does
not) is raised until one derivation takes about ``target_ms``, which is
stored with the parameters so a later upgrade knows what was aimed at. A
fast phone thus pays the same wall time as a slow one, and an attacker pays
proportionally more per guess. They are
checked against sane bounds before use, so a damaged key file cannot make
the app allocate gigabytes.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import KdfParamsError

KEY_LEN = 32
SALT_LEN = 16

# 32 MiB and ~0.1 s here, a few times that on a cheap phone; N=2**17 (128 MiB) is too much for one.
DEFAULT_SCRYPT = {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}
DEFAULT_ARGON2ID = {"name": "argon2id", "memory_cost": 19 * 1024, "iterations": 2, "lanes": 1}

_MAX_SCRYPT_MEMORY = 1 << 30  # 128 * n * r * p bytes
DEFAULT_TARGET_MS = 500  # one unlock on the officer's phone: noticeable, not annoying
_MAX_TARGET_MS = 10_000

__all__ = ["KdfParamsError", "normalize", "derive", "argon2id_available", "pin_bytes", "calibrate"]


def argon2id_available() -> bool:
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id  # noqa: F401
    except ImportError:  # cryptography < 44 (the Android build): no Argon2id at all
        return False
    try:
        _argon2id(b"probe", b"\0" * SALT_LEN, {"memory_cost": 8, "iterations": 1, "lanes": 1})
    except Exception:  # the module exists but OpenSSL < 3.2 cannot run it
        return False
    return True


def _int(params: dict[str, Any], key: str, lo: int, hi: int) -> int:
    v = params.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise KdfParamsError(f"kdf parameter {key}={v!r} is not an integer in [{lo}, {hi}]")
    return v


def normalize(params: dict[str, Any] | None) -> dict[str, Any]:
    """Complete ``params`` with defaults and check them; raises KdfParamsError."""
    params = dict(params or {})
    name = params.setdefault("name", "scrypt")
    if name == "scrypt":
        p = {**DEFAULT_SCRYPT, **params}
        n = _int(p, "n", 2, 1 << 22)
        if n & (n - 1):
            raise KdfParamsError(f"scrypt n={n} is not a power of two")
        r, par = _int(p, "r", 1, 32), _int(p, "p", 1, 32)
        if 128 * n * r * par > _MAX_SCRYPT_MEMORY:
            raise KdfParamsError("scrypt parameters need more than 1 GiB of memory")
        return {"name": "scrypt", "n": n, "r": r, "p": par, **_target(p)}
    if name == "argon2id":
        p = {**DEFAULT_ARGON2ID, **params}
        out = {
            "name": "argon2id",
            "memory_cost": _int(p, "memory_cost", 8, 1 << 20),
            "iterations": _int(p, "iterations", 1, 16),
            "lanes": _int(p, "lanes", 1, 16),
        }
        if out["memory_cost"] < 8 * out["lanes"]:
            raise KdfParamsError("argon2id memory_cost must be at least 8 * lanes")
        return {**out, **_target(p)}
    raise KdfParamsError(f"unknown kdf {name!r}")


def _target(p: dict[str, Any]) -> dict[str, int]:
    # Absent in files made before calibration: their parameters were a constant.
    return {"target_ms": _int(p, "target_ms", 1, _MAX_TARGET_MS)} if "target_ms" in p else {}


def calibrate(
    target_ms: int = DEFAULT_TARGET_MS, *, clock: Callable[[], float] = time.perf_counter
) -> dict[str, Any]:
    """scrypt parameters for which one derivation takes about ``target_ms`` on this device.

    Memory is fixed (N=2^15, r=8); ``p`` is scaled from the best of three timed runs at p=1
    (the first may pay for page faults) and never goes below 1 (a slow phone keeps today's cost).
    """
    target_ms = _int({"t": target_ms}, "t", 1, _MAX_TARGET_MS)
    base = {**DEFAULT_SCRYPT, "p": 1}
    salt = b"\0" * SALT_LEN
    best = float("inf")
    for _ in range(3):
        start = clock()
        derive("calibration", salt, base)
        best = min(best, clock() - start)
    p = max(1, min(32, round(target_ms / 1000 / max(best, 1e-6))))
    return normalize({**base, "p": p, "target_ms": target_ms})


def _argon2id(secret: bytes, salt: bytes, p: dict[str, Any]) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(
        salt=salt, length=KEY_LEN, iterations=p["iterations"], lanes=p["lanes"], memory_cost=p["memory_cost"]
    ).derive(secret)


def pin_bytes(pin: str) -> bytes:
    # NFC so a PIN typed on two keyboards that compose characters differently gives the same key.
    return unicodedata.normalize("NFC", pin).encode("utf-8")


def derive(pin: str, salt: bytes, params: dict[str, Any]) -> bytes:
    """The 256-bit key-encryption key for ``pin``; ``params`` must come from ``normalize``."""
    secret = pin_bytes(pin)
    if params["name"] == "scrypt":
        return Scrypt(salt=salt, length=KEY_LEN, n=params["n"], r=params["r"], p=params["p"]).derive(secret)
    try:
        return _argon2id(secret, salt, params)
    except ImportError as exc:
        raise KdfParamsError("Argon2id is not available on this device") from exc
