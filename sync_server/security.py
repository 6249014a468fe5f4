"""Passwords (Argon2id, PHC strings) and device tokens (random, stored only as SHA-256)."""

from __future__ import annotations

import hashlib
import os
import secrets
from functools import cache

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from .demo.data import demo_passwords

# OWASP's Argon2id floor (m=19 MiB, t=2, p=1): ~25 ms here. The parameters live
# in the PHC string, so raising them later leaves old hashes verifiable.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_ITERATIONS = 2
ARGON2_LANES = 1


# Verified against for unknown usernames, so their answer takes as long as a wrong password's.
_DUMMY_HASH: str | None = None


@cache
def _demo_passwords() -> frozenset[str]:
    return demo_passwords()


def is_demo_password(password: str) -> bool:
    """Whether ``password`` is one the demo users ship with (``demo/users.json``): never for real data."""
    return password in _demo_passwords()


def hash_password(password: str) -> str:
    """An Argon2id PHC string (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) for ``password``."""
    kdf = Argon2id(
        salt=os.urandom(16),
        length=32,
        iterations=ARGON2_ITERATIONS,
        lanes=ARGON2_LANES,
        memory_cost=ARGON2_MEMORY_KIB,
    )
    return kdf.derive_phc_encoded(password.encode("utf-8"))


def verify_password(password: str, phc: str | None) -> bool:
    """Whether ``password`` matches ``phc``; ``phc=None`` (unknown user) costs the same and is False."""
    global _DUMMY_HASH
    if phc is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
        phc, password = _DUMMY_HASH, password + "\x00never"
        matched_dummy = True
    else:
        matched_dummy = False
    try:
        Argon2id.verify_phc_encoded(password.encode("utf-8"), phc)
    except (InvalidKey, ValueError):
        return False
    return not matched_dummy


def new_device_token() -> str:
    """A fresh bearer token for a device (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex. Tokens are random, so no salt is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
