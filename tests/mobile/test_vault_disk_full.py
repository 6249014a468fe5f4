"""A save that the phone's storage refuses (full, or failing): a vault error, and nothing saved is lost.

The vault is handed a disk that fails the way a full phone does, at the one place its bytes reach
the operating system (``write``, the atomic-write boundary), before or halfway through a write.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from mobile.errors import VaultError, VaultWriteFailed
from mobile.record_state import LocalState
from mobile.records import RecordStore
from mobile.vault import Vault
from vault_format.atomic import write_all

from .helpers import FAST_KDF, FORMS, PIN, survey_answers


class Disk:
    """Writes through to the real file until ``fail`` is set; then raises it, after ``keep`` bytes."""

    def __init__(self) -> None:
        self.fail: int | None = None
        self.keep = 0

    def __call__(self, fd: int, data: bytes | memoryview) -> None:
        if self.fail is None:
            write_all(fd, data)
            return
        if self.keep:
            write_all(fd, bytes(data)[: self.keep])  # part of the frame reached the file
        raise OSError(self.fail, "injected")


def _store(vault: Vault) -> RecordStore:
    return RecordStore(vault, author="canbo", unit="HN-SS-MT", device="test-device")


def _saved(store: RecordStore) -> dict[str, tuple[str, int, dict]]:
    return {str(sr.record.id): (sr.state.value, sr.record.revision, sr.record.answers) for sr in store.list()}


@pytest.mark.parametrize("keep", [0, 40])
def test_disk_full__the_save_fails_with_a_sentence_and_nothing_saved_is_lost(vault_dir: Path, keep: int):
    disk = Disk()
    form = FORMS["awareness_survey"]
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, write=disk) as vault:
        store = _store(vault)
        first = store.finalize(store.new_record(form), survey_answers(), form)
        store.save_draft(store.new_record(form), {"ethnicity": "Dao"})
        before = _saved(store)

        disk.fail, disk.keep = errno.ENOSPC, keep
        with pytest.raises(VaultWriteFailed) as err:
            store.save_draft(store.new_record(form), {"ethnicity": "Tày"})
        with pytest.raises(VaultWriteFailed):
            store.void(first.record.id, "Nhập trùng")
        e = err.value
        assert isinstance(e, VaultError) and e.storage_full and e.errno == errno.ENOSPC
        assert "Bộ nhớ của máy đã đầy" in e.message.vi and "không mất gì" in e.message.vi
        assert "storage is full" in e.message.en and "Nothing saved before was lost" in e.message.en
        assert _saved(store) == before  # memory went back to what is on disk

        disk.fail = None  # space was freed: the vault carries on where it was
        store.save_draft(store.new_record(form), {"ethnicity": "Mông"})
        after = _saved(store)
    assert len(after) == 3 and all(before[k] == after[k] for k in before)
    with Vault.unlock(vault_dir, PIN) as vault:
        again = _store(vault)
        assert _saved(again) == after
        assert again.get(first.record.id).state == LocalState.PENDING


def test_disk_full__an_io_error_says_the_storage_failed_and_that_nothing_was_lost(vault_dir: Path):
    disk = Disk()
    form = FORMS["awareness_survey"]
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, write=disk) as vault:
        store = _store(vault)
        store.save_draft(store.new_record(form), {"ethnicity": "Dao"})
        before = _saved(store)
        disk.fail = errno.EIO
        with pytest.raises(VaultWriteFailed) as err:
            store.save_draft(store.new_record(form), {"ethnicity": "Tày"})
        assert not err.value.storage_full
        assert "Không ghi được vào bộ nhớ" in err.value.message.vi and "không mất gì" in err.value.message.vi
        assert "could not be written" in err.value.message.en
        assert "Nothing saved before was lost" in err.value.message.en
    with Vault.unlock(vault_dir, PIN) as vault:
        assert _saved(_store(vault)) == before


def test_disk_full__a_compaction_refused_by_a_full_disk_keeps_every_save(vault_dir: Path):
    disk = Disk()
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, write=disk, compact_min_bytes=2000) as vault:
        t = vault.db.table("t")
        for i in range(5):
            t.insert({"n": i})
        disk.fail = errno.ENOSPC
        with pytest.raises(VaultWriteFailed):
            vault.storage.compact()
        with pytest.raises(VaultWriteFailed):
            t.insert({"n": 99})
        disk.fail = None
        t.insert({"n": 5})
    with Vault.unlock(vault_dir, PIN) as vault:
        assert sorted(d["n"] for d in vault.db.table("t").all()) == [0, 1, 2, 3, 4, 5]
