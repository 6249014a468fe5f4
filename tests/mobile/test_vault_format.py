"""The vault's file format package: its read-only reader against the phone's store.

What it may import is a rule of tests/test_import_rules.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.errors import VaultCorrupt
from mobile.vault import Vault
from tests.mobile.helpers import PIN
from tests.mobile.vault_helpers import fill, flip, state
from vault_format import keyfile as key_format
from vault_format.errors import Corrupt, FormatError
from vault_format.journal import JOURNAL_NAME, SNAP_NAME
from vault_format.reader import read_tables


def test_vault_format__the_reader_sees_what_the_phone_stored(vault: Vault, vault_dir: Path):
    fill(vault, 5)
    vault.compact()
    fill(vault, 3, start=5)
    vault.db.table("t").remove(doc_ids=[2])
    expected = {name: {str(k): v for k, v in t.items()} for name, t in state(vault).items()}
    data_key, vault_id = vault.storage._key, vault.vault_id
    vault.close()
    before = {p.name: p.read_bytes() for p in vault_dir.iterdir()}
    assert read_tables(vault_dir, data_key, vault_id) == expected
    assert {p.name: p.read_bytes() for p in vault_dir.iterdir()} == before  # read only


def test_vault_format__damage_is_its_own_error_and_the_phone_calls_it_corrupt(vault: Vault, vault_dir: Path):
    fill(vault, 3)
    data_key, vault_id = vault.storage._key, vault.vault_id
    vault.close()
    flip(vault_dir / SNAP_NAME, -5)
    with pytest.raises(Corrupt) as err:
        read_tables(vault_dir, data_key, vault_id)
    assert isinstance(err.value, FormatError) and SNAP_NAME in err.value.detail
    (vault_dir / JOURNAL_NAME).unlink()
    with pytest.raises(Corrupt):
        key_format.read_keyfile(vault_dir / "missing.key")
    with pytest.raises(VaultCorrupt):
        Vault.unlock(vault_dir, PIN)


def test_vault_format__a_snapshot_opened_in_chunks_is_whole_and_checked(
    vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    from vault_format import journal

    fill(vault, 60)
    vault.compact()
    expected = {name: {str(k): v for k, v in t.items()} for name, t in state(vault).items()}
    data_key, vault_id = vault.storage._key, vault.vault_id
    vault.close()
    monkeypatch.setattr(journal, "_CHUNK", 97)  # lines cut across many chunks (a full phone's is 1 MiB)
    assert read_tables(vault_dir, data_key, vault_id) == expected
    snap = vault_dir / SNAP_NAME
    flip(snap, snap.stat().st_size // 2)  # one bit in the middle of the sealed body
    with pytest.raises(Corrupt, match="authentication"):
        read_tables(vault_dir, data_key, vault_id)
