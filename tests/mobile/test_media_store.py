"""The photos in the vault folder: sealed, read back by hash, removed when unused, never in clear."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from mobile.errors import MediaUnreadable, VaultError
from mobile.media.store import MEDIA_DIR, MediaStore
from mobile.vault import Vault
from schemas.common import text

from .helpers import FAST_KDF, PIN
from .photo_helpers import camera_jpeg, small_jpeg

JPEG_MAGIC = b"\xff\xd8\xff"


def all_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_store_read_back_and_remove(vault: Vault) -> None:
    media = MediaStore(vault)
    ref = media.add(camera_jpeg(3000, 2000), "anh-1.jpg")
    assert ref.mime == "image/jpeg" and ref.name == "anh-1.jpg"
    assert (ref.width, ref.height) == (1600, 1067)
    data = media.read(ref.sha256)
    assert hashlib.sha256(data).hexdigest() == ref.sha256 and len(data) == ref.size
    assert Image.open(io.BytesIO(data)).size == (1600, 1067)
    state = media.state(ref.sha256)
    assert state is not None and not state.uploaded and state.refused is None
    media.remove(ref.sha256)
    assert media.state(ref.sha256) is None
    with pytest.raises(MediaUnreadable) as info:
        media.read(ref.sha256)
    assert info.value.message.vi


def test_the_same_photo_twice_is_one_blob(vault: Vault) -> None:
    media = MediaStore(vault)
    raw = small_jpeg(1)
    a, b = media.add(raw, "anh-1.jpg"), media.add(raw, "anh-2.jpg")
    assert a.sha256 == b.sha256
    assert len(list((vault.folder / MEDIA_DIR).iterdir())) == 1


def test_no_file_in_the_vault_folder_holds_a_jpeg_in_clear(vault: Vault) -> None:
    media = MediaStore(vault)
    refs = [media.add(camera_jpeg(2000, 1500, seed=i), f"anh-{i}.jpg") for i in range(3)]
    vault.compact()  # the snapshot too, not only the journal
    files = all_files(vault.folder)
    assert len([p for p in files if p.suffix == ".blob"]) == 3
    for path in files:
        assert JPEG_MAGIC not in path.read_bytes(), f"{path.name} holds a JPEG header in clear"
    for ref in refs:  # nor is a hash the name of a file (the folder does not say which photos it holds)
        assert not any(ref.sha256[:16] in p.name for p in files)


def test_a_wrong_key_cannot_read_and_a_moved_blob_fails(vault_dir: Path, tmp_path: Path) -> None:
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as vault:
        media = MediaStore(vault)
        one = media.add(small_jpeg(1), "anh-1.jpg")
        two = media.add(small_jpeg(2), "anh-2.jpg")
        blob_one, blob_two = media._path(one.sha256), media._path(two.sha256)
    # Another vault (another data key) given this vault's blobs cannot open them.
    other_dir = tmp_path / "other"
    with Vault.create(other_dir, PIN, kdf_params=FAST_KDF) as other:
        foreign = MediaStore(other)
        (other_dir / MEDIA_DIR).mkdir(exist_ok=True)
        shutil.copy(blob_one, foreign._path(one.sha256))
        with pytest.raises(MediaUnreadable):
            foreign.read(one.sha256)
    # In its own vault, a blob put under another photo's name fails its tag (AAD = the hash).
    with Vault.unlock(vault_dir, PIN) as vault:
        media = MediaStore(vault)
        assert media.read(one.sha256)
        shutil.copy(blob_one, blob_two)
        with pytest.raises(MediaUnreadable):
            media.read(two.sha256)


def test_reading_needs_the_unlocked_vault(vault_dir: Path) -> None:
    vault = Vault.create(vault_dir, PIN, kdf_params=FAST_KDF)
    media = MediaStore(vault)
    ref = media.add(small_jpeg(3), "anh.jpg")
    vault.close()
    with pytest.raises(VaultError):
        media.read(ref.sha256)


def test_prune_keeps_what_is_referenced_and_the_flags_survive_a_reopen(vault_dir: Path) -> None:
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as vault:
        media = MediaStore(vault)
        keep = media.add(small_jpeg(1), "a.jpg")
        drop = media.add(small_jpeg(2), "b.jpg")
        refused = media.add(small_jpeg(3), "c.jpg")
        media.mark_uploaded(keep.sha256)
        media.mark_refused(refused.sha256, text("Không phải ảnh.", "Not an image."))
        (vault.folder / MEDIA_DIR / "stray.blob").write_bytes(b"FTM1" + b"\0" * 40)  # no row names it
        assert media.prune({keep.sha256, refused.sha256}) == 2
    with Vault.unlock(vault_dir, PIN) as vault:
        media = MediaStore(vault)
        assert media.state(drop.sha256) is None
        assert not media.has(drop.sha256)
        kept = media.state(keep.sha256)
        assert kept is not None and kept.uploaded
        flagged = media.state(refused.sha256)
        assert flagged is not None and flagged.refused is not None and flagged.refused.en == "Not an image."
        assert media.read(refused.sha256)
        assert sorted(p.name for p in (vault.folder / MEDIA_DIR).iterdir()) == sorted(
            [media._path(keep.sha256).name, media._path(refused.sha256).name]
        )
