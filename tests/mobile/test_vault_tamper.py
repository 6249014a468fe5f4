"""The encrypted vault under attack: flipped bytes, swapped files and frames, and nothing readable on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobile.errors import VaultCorrupt
from mobile.records import RecordStore
from mobile.vault import Vault
from mobile.vault.storage import JOURNAL_NAME, SNAP_NAME
from mobile.vault.vault import ATTEMPTS_NAME, KEY_NAME

from .helpers import FAST_KDF, FORMS, PIN, session_answers, survey_answers
from .vault_helpers import fill, flip

# ---- tampering ---------------------------------------------------------------------------------------


def _vault_with_frames(vault_dir: Path) -> None:
    """A vault whose snapshot holds data and whose journal holds three frames."""
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 3)
        v.compact()
        fill(v, 3, start=3)


@pytest.mark.parametrize("name", [KEY_NAME, SNAP_NAME, JOURNAL_NAME])
def test_vault__any_flipped_byte_is_reported_as_corrupt(vault_dir: Path, name: str):
    _vault_with_frames(vault_dir)
    path = vault_dir / name
    size = path.stat().st_size
    for pos in range(size):
        original = flip(path, pos)
        try:
            with pytest.raises(VaultCorrupt) as err:
                Vault.unlock(vault_dir, PIN).close()
        finally:
            path.write_bytes(original)
        assert "Đừng xóa" in err.value.message.vi and "Do not delete" in err.value.message.en
    with Vault.unlock(vault_dir, PIN) as v:  # and, restored, it opens with nothing lost
        assert len(v.db.table("t")) == 6
    assert not (vault_dir / ATTEMPTS_NAME).exists()  # a corrupt key file never counts as a wrong PIN


@pytest.mark.parametrize("name", [KEY_NAME, SNAP_NAME, JOURNAL_NAME])
def test_vault__missing_or_garbage_file_is_corrupt(vault_dir: Path, name: str):
    _vault_with_frames(vault_dir)
    (vault_dir / name).write_bytes(b"garbage")
    with pytest.raises(VaultCorrupt):
        Vault.unlock(vault_dir, PIN)
    if name != KEY_NAME:  # a missing key file means "no vault", which exists() reports
        (vault_dir / name).unlink()
        with pytest.raises(VaultCorrupt):
            Vault.unlock(vault_dir, PIN)


def test_vault__journal_from_another_vault_is_corrupt(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    _vault_with_frames(a)
    _vault_with_frames(b)
    (a / JOURNAL_NAME).write_bytes((b / JOURNAL_NAME).read_bytes())
    with pytest.raises(VaultCorrupt):
        Vault.unlock(a, PIN)


def test_vault__swapping_frames_is_corrupt(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 1)  # creates the table
        end0 = v.storage.journal_bytes
        fill(v, 1, start=1)
        end1 = v.storage.journal_bytes
        fill(v, 1, start=2)  # a frame of the same size
        end2 = v.storage.journal_bytes
        fill(v, 1, start=3)
    data = (vault_dir / JOURNAL_NAME).read_bytes()
    head, f1, f2, rest = data[:end0], data[end0:end1], data[end1:end2], data[end2:]
    assert len(f1) == len(f2)
    (vault_dir / JOURNAL_NAME).write_bytes(head + f2 + f1 + rest)
    with pytest.raises(VaultCorrupt):
        Vault.unlock(vault_dir, PIN)


# ---- nothing readable on disk ------------------------------------------------------------------------

SECRETS = [
    "Nguyễn Thị Hồng Nhung trả lời rất tốt",
    "Bản Khe Sanh, xã Hướng Hóa",
    "Người dân tộc Pa Kô",
    "Thuần ethnicity Hmông",
]


def _forms_of_secret(s: str) -> list[bytes]:
    import unicodedata

    out = set()
    for form in ("NFC", "NFD"):
        t = unicodedata.normalize(form, s)
        out.add(t.encode("utf-8"))
        out.add(json.dumps(t).strip('"').encode("ascii"))  # \u-escaped, as json.dumps writes it
        out.add(json.dumps(t, ensure_ascii=False).strip('"').encode("utf-8"))
        out.add(t.encode("utf-16-le"))
    # Distinctive ASCII fragments too (e.g. "Khe Sanh"), which no encoding can hide.
    out.update(w.encode() for w in s.split() if len(w) >= 5 and w.isascii())
    return sorted(out)


def test_vault__no_answer_text_anywhere_on_disk(vault_dir: Path):
    v = Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, compact_min_bytes=4096)
    store = RecordStore(v, author="canbo", unit="HN-SS-MT", device="d1")
    token = "tok_Zx9SecretDeviceToken_0123456789"
    store.set_meta("device_token", token)
    # Drafts, finalized records, a voided one; enough writes to pass through compaction and the journal.
    for i in range(30):
        form = FORMS["outreach_session"]
        rec = store.new_record(form)
        store.save_draft(rec, session_answers(place=SECRETS[1], notes=f"{SECRETS[0]} #{i}"))
        if i % 3 == 0:
            store.finalize(rec, session_answers(place=SECRETS[1], notes=SECRETS[0]), form)
    survey = FORMS["awareness_survey"]
    rec = store.new_record(survey)
    store.save_draft(rec, survey_answers(ethnicity=SECRETS[2][:50]))
    rec2 = store.new_record(survey)
    store.finalize(rec2, survey_answers(ethnicity=SECRETS[3]), survey)
    store.void(rec2.id, "Nhập nhầm người Hmông")
    assert v.storage._generation > 0  # compaction happened
    v.close()

    needles = [n for s in [*SECRETS, token, "Nhập nhầm người Hmông"] for n in _forms_of_secret(s)]
    needles += [b"session_date", b"survey_date", b"HN-SS-MT", b"canbo", b"answers"]
    files = [p for p in vault_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {KEY_NAME, SNAP_NAME, JOURNAL_NAME}
    for p in files:
        raw = p.read_bytes()
        for needle in needles:
            assert needle not in raw, f"{needle!r} readable in {p.name}"
    with Vault.unlock(vault_dir, PIN) as v2:  # and the text is really in there
        store2 = RecordStore(v2, author="canbo", unit="HN-SS-MT", device="d1")
        assert store2.get_meta("device_token") == token
        assert store2.get(rec.id).record.answers["ethnicity"] == SECRETS[2][:50]
