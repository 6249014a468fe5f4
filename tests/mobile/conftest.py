"""Fixtures for the phone-side core: a vault with cheap KDF parameters and a record store on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.records import RecordStore
from mobile.vault import Vault

from .helpers import FAST_KDF, PIN


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def vault(vault_dir: Path) -> Iterator[Vault]:
    v = Vault.create(vault_dir, PIN, kdf_params=FAST_KDF)
    try:
        yield v
    finally:
        v.close()


@pytest.fixture
def store(vault: Vault) -> RecordStore:
    return RecordStore(vault, author="canbo", unit="HN-SS-MT", device="test-device")
