"""The encrypted vault: round trip, PIN throttling, tampering, secrecy on disk, interrupted writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tinydb import Query

from mobile.errors import PinThrottled, VaultCorrupt, VaultError, WrongPin
from mobile.records import RecordStore
from mobile.vault import Vault, kdf
from mobile.vault import journal as jn
from mobile.vault.storage import JOURNAL_NAME, SNAP_NAME
from mobile.vault.throttle import WAITS
from mobile.vault.vault import ATTEMPTS_NAME, KEY_NAME

from .helpers import FAST_KDF, FORMS, PIN, session_answers, survey_answers


class FakeClock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def fill(vault: Vault, n: int, table: str = "t", start: int = 0) -> None:
    t = vault.db.table(table)
    for i in range(start, start + n):
        t.insert({"n": i, "text": f"Buổi tuyên truyền số {i} tại xã Đồng Tâm"})


def state(vault: Vault) -> dict:
    return {
        name: {d.doc_id: dict(d) for d in vault.db.table(name).all()} for name in sorted(vault.db.tables())
    }


def flip(path: Path, pos: int) -> bytes:
    data = bytearray(path.read_bytes())
    original = bytes(data)
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))
    return original


# ---- round trip and basics ---------------------------------------------------------------------------


def test_vault__round_trip(vault_dir: Path):
    assert not Vault.exists(vault_dir)
    v = Vault.create(vault_dir, PIN, kdf_params=FAST_KDF)
    assert Vault.exists(vault_dir)
    fill(v, 5)
    t = v.db.table("t")
    t.update({"extra": "đã sửa"}, Query().n == 2)
    t.remove(Query().n == 4)
    v.db.table("other").insert({"k": [1, 2, {"x": None}]})
    before = state(v)
    v.close()

    v2 = Vault.unlock(vault_dir, PIN)
    try:
        assert state(v2) == before
        assert v2.db.table("t").get(Query().n == 2)["extra"] == "đã sửa"
        assert len(v2.db.table("t")) == 4
        assert not v2.torn_tail_recovered
    finally:
        v2.close()


def test_vault__kdf_parameters_are_stored_beside_the_salt(vault: Vault, vault_dir: Path):
    body = json.loads((vault_dir / KEY_NAME).read_text())
    assert body["kdf"]["name"] == "scrypt"
    assert (body["kdf"]["n"], body["kdf"]["r"], body["kdf"]["p"]) == (FAST_KDF["n"], 8, 1)
    assert len(body["kdf"]["salt"]) > 16
    assert body["format"] == 1


def test_vault__default_kdf_is_scrypt_2_15():
    assert kdf.normalize(None) == {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}


@pytest.mark.skipif(not kdf.argon2id_available(), reason="this cryptography/OpenSSL has no Argon2id")
def test_vault__argon2id_when_available(vault_dir: Path):
    params = {"name": "argon2id", "memory_cost": 64, "iterations": 1, "lanes": 1}
    with Vault.create(vault_dir, PIN, kdf_params=params) as v:
        fill(v, 2)
    with Vault.unlock(vault_dir, PIN) as v:
        assert len(v.db.table("t")) == 2
    assert json.loads((vault_dir / KEY_NAME).read_text())["kdf"]["name"] == "argon2id"


@pytest.mark.parametrize("params", [{"name": "bcrypt"}, {"n": 1000}, {"n": 2**8, "r": 0}, {"n": 2**30}])
def test_vault__create_refuses_bad_kdf_parameters(vault_dir: Path, params: dict):
    with pytest.raises(VaultError):
        Vault.create(vault_dir, PIN, kdf_params=params)
    assert not Vault.exists(vault_dir)


def test_vault__create_refuses_an_existing_vault_and_a_short_pin(
    vault: Vault, vault_dir: Path, tmp_path: Path
):
    with pytest.raises(VaultError) as err:
        Vault.create(vault_dir, PIN, kdf_params=FAST_KDF)
    assert "kho dữ liệu" in err.value.message.vi
    with pytest.raises(VaultError):
        Vault.create(tmp_path / "other", "12", kdf_params=FAST_KDF)


def test_vault__unlock_without_a_vault_is_a_clean_error(tmp_path: Path):
    with pytest.raises(VaultError) as err:
        Vault.unlock(tmp_path / "nothing", PIN)
    assert err.value.message.vi and err.value.message.en


def test_vault__one_open_vault_per_folder(vault: Vault, vault_dir: Path):
    with pytest.raises(VaultError):
        Vault.unlock(vault_dir, PIN)
    vault.close()
    Vault.unlock(vault_dir, PIN).close()


def test_vault__closed_vault_refuses_use(vault: Vault):
    fill(vault, 1)
    vault.close()
    with pytest.raises(VaultError):
        vault.db.table("t").all()


# ---- wrong PINs --------------------------------------------------------------------------------------


def test_vault__wrong_pin_is_counted_and_throttled_across_reopen(vault: Vault, vault_dir: Path):
    vault.close()
    clock = FakeClock()
    waits = []
    for attempt in (1, 2, 3):
        with pytest.raises(WrongPin) as err:
            Vault.unlock(vault_dir, "000000", clock=clock)
        assert err.value.attempts == attempt
        waits.append(err.value.wait_seconds)
    assert waits == [WAITS[1], WAITS[2], WAITS[3]] == [0, 0, 5]
    assert "5 giây" in err.value.message.vi

    # Too early: refused without trying, even with the right PIN, by a fresh unlock (a new "app start").
    clock.t += 2
    with pytest.raises(PinThrottled) as thr:
        Vault.unlock(vault_dir, PIN, clock=clock)
    assert thr.value.wait_seconds == pytest.approx(3)
    assert thr.value.message.vi.startswith("Đã nhập sai")

    clock.t += 3
    with pytest.raises(WrongPin) as err:
        Vault.unlock(vault_dir, "111111", clock=clock)
    assert (err.value.attempts, err.value.wait_seconds) == (4, 15)
    clock.t += 14.5
    with pytest.raises(PinThrottled):
        Vault.unlock(vault_dir, PIN, clock=clock)

    clock.t += 0.5
    Vault.unlock(vault_dir, PIN, clock=clock).close()
    assert not (vault_dir / ATTEMPTS_NAME).exists()  # success resets the count
    with pytest.raises(WrongPin) as err:
        Vault.unlock(vault_dir, "000000", clock=clock)
    assert err.value.attempts == 1


def test_vault__wait_keeps_growing_and_is_capped():
    assert list(WAITS[:7]) == [0, 0, 0, 5, 15, 30, 60]
    assert all(a <= b for a, b in zip(WAITS, WAITS[1:], strict=False))
    assert WAITS[-1] == 3600


def test_vault__damaged_attempt_counter_costs_one_short_wait(vault: Vault, vault_dir: Path):
    vault.close()
    clock = FakeClock()
    with pytest.raises(WrongPin):
        Vault.unlock(vault_dir, "000000", clock=clock)
    (vault_dir / ATTEMPTS_NAME).write_text('{"failures": 0, "last_failure": 0, "check": "forged"}')
    with pytest.raises(PinThrottled) as thr:
        Vault.unlock(vault_dir, PIN, clock=clock)
    assert thr.value.wait_seconds == 5
    clock.t += 5
    Vault.unlock(vault_dir, PIN, clock=clock).close()


def test_vault__clock_set_back_does_not_lock_the_officer_out(vault: Vault, vault_dir: Path):
    vault.close()
    clock = FakeClock()
    for _ in range(3):
        with pytest.raises(WrongPin):
            Vault.unlock(vault_dir, "000000", clock=clock)
    clock.t -= 86_400  # the phone's clock went back a day
    with pytest.raises(PinThrottled):
        Vault.unlock(vault_dir, PIN, clock=clock)
    clock.t += 5
    Vault.unlock(vault_dir, PIN, clock=clock).close()


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


# ---- interrupted writes ------------------------------------------------------------------------------


def test_vault__torn_last_frame_is_dropped_and_the_previous_state_stays(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 3)
        before = state(v)
        good_end = v.storage.journal_bytes
        fill(v, 1, start=3)
        full_end = v.storage.journal_bytes
    complete = (vault_dir / JOURNAL_NAME).read_bytes()
    assert len(complete) == full_end
    for cut in range(good_end + 1, full_end):  # every way the last append can be cut short
        (vault_dir / JOURNAL_NAME).write_bytes(complete[:cut])
        with Vault.unlock(vault_dir, PIN) as v:
            assert state(v) == before
            assert v.torn_tail_recovered
            fill(v, 1, start=100)  # the torn bytes are cut before the next append
        with Vault.unlock(vault_dir, PIN) as v:
            assert [d["n"] for d in v.db.table("t").all()] == [0, 1, 2, 100]
            assert not v.torn_tail_recovered
        (vault_dir / JOURNAL_NAME).write_bytes(complete)


def test_vault__zero_filled_tail_is_a_torn_write(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 2)
        before = state(v)
        good_end = v.storage.journal_bytes
        fill(v, 1, start=2)
        full_end = v.storage.journal_bytes
    path = vault_dir / JOURNAL_NAME
    data = bytearray(path.read_bytes())
    # The filesystem extended the file but the frame's last 100 bytes never reached the disk.
    data[full_end - 100 : full_end] = bytes(100)
    path.write_bytes(bytes(data))
    with Vault.unlock(vault_dir, PIN) as v:
        assert state(v) == before and v.torn_tail_recovered
    # Zeros appended after good data (size updated, data never written) are torn too.
    path.write_bytes(bytes(data[:good_end]) + bytes(4096))
    with Vault.unlock(vault_dir, PIN) as v:
        assert state(v) == before


def test_vault__stray_temp_files_are_ignored_and_removed(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 4)
        before = state(v)
    stray = [
        vault_dir / f".{SNAP_NAME}.tmp-abc123",
        vault_dir / f".{JOURNAL_NAME}.tmp-x",
        vault_dir / f".{KEY_NAME}.tmp-q",
    ]
    for p in stray:
        p.write_bytes(os.urandom(500))
    with Vault.unlock(vault_dir, PIN) as v:
        assert state(v) == before
    assert not any(p.exists() for p in stray)


def test_vault__compaction_cut_between_snapshot_and_journal_loses_nothing(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 5)
        before = state(v)
        st = v.storage
        key, old_jid = st._key, st._writer.journal_id
        # The first half of a compaction: the new snapshot is sealed and names a new journal...
        jn.write_snapshot(
            st.snap_path,
            key,
            vault_id=v.vault_id,
            tables_json=jn.dumps(st.read()),
            journal_id=os.urandom(16),
            prev_journal_id=old_jid,
            generation=1,
        )
        # ...and the app dies before the new journal replaces the old one.
    with Vault.unlock(vault_dir, PIN) as v:
        assert state(v) == before
        fill(v, 1, start=5)
    with Vault.unlock(vault_dir, PIN) as v:
        assert len(v.db.table("t")) == 6


def test_vault__compaction_keeps_everything_and_bounds_the_journal(vault_dir: Path):
    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF, compact_min_bytes=2048) as v:
        t = v.db.table("t")
        for i in range(60):
            t.insert({"n": i, "text": "x" * 100})
            if i % 7 == 0:
                t.update({"seen": i}, doc_ids=[1])
        t.remove(doc_ids=[2, 3])
        assert v.storage._generation > 3
        assert v.storage.journal_bytes <= max(2048, v.storage._snap_size) + 400
        before = state(v)
    with Vault.unlock(vault_dir, PIN, compact_min_bytes=2048) as v:
        assert state(v) == before


def test_vault__failed_write_leaves_memory_and_disk_at_the_previous_state(vault: Vault, vault_dir: Path):
    fill(vault, 2)
    before = state(vault)
    writer = vault.storage._writer
    # The journal becomes unwritable under the open vault (as with a removed SD card): appends fail.
    os.close(writer._fd)
    writer._fd = os.open(os.devnull, os.O_RDONLY)  # writing to it fails with EBADF
    with pytest.raises(OSError):
        vault.db.table("t").insert({"n": 99})
    assert state(vault) == before  # the cache TinyDB had mutated was dropped and reloaded
    vault.db.table("t").insert({"n": 2})  # and the vault keeps working
    vault.close()
    with Vault.unlock(vault_dir, PIN) as v:
        assert sorted(d["n"] for d in v.db.table("t").all()) == [0, 1, 2]


KILL_CHILD = r"""
import sys
from pathlib import Path
from mobile.vault import Vault
folder, pin, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
v = Vault.unlock(folder, pin, compact_min_bytes=3000)
t = v.db.table("t")
print("ready", flush=True)
i = start
while True:
    t.insert({"n": i, "text": "Phiếu khảo sát số %d, thôn Bản Phùng" % i + "." * (i % 50)})
    if i % 5 == 0:
        t.update({"last": i}, doc_ids=[1])
    print(i, flush=True)  # reported only after insert() returned: this one is committed
    i += 1
"""


def test_vault__sigkill_mid_write_never_loses_a_committed_save(vault_dir: Path, tmp_path: Path):
    import random
    import subprocess
    import sys
    import threading
    import time

    with Vault.create(vault_dir, PIN, kdf_params=FAST_KDF) as v:
        v.db.table("t").insert({"n": -1, "text": "đầu tiên"})
    script = tmp_path / "child.py"
    script.write_text(KILL_CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    rng = random.Random(20260315)
    next_n = 0
    for _ in range(20):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(vault_dir), PIN, str(next_n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        lines: list[str] = []
        reader = threading.Thread(target=lines.extend, args=(proc.stdout,), daemon=True)
        reader.start()
        time.sleep(rng.uniform(0.01, 0.15))
        proc.kill()  # SIGKILL: no cleanup, no flush, mid-whatever
        proc.wait()
        reader.join(5)
        proc.stdout.close()
        proc.stderr.close()
        committed = [int(x) for x in lines if x.strip()]
        with Vault.unlock(vault_dir, PIN, compact_min_bytes=3000) as v:
            ns = sorted(d["n"] for d in v.db.table("t").all())
            assert ns == list(range(-1, ns[-1] + 1)), "a hole: a save was half applied"
            if committed:
                # Every reported save is there; at most one more (killed after the write, before the print).
                assert committed[-1] <= ns[-1] <= committed[-1] + 1
            next_n = ns[-1] + 1
            generation = v.storage._generation
    assert next_n > 100 and generation > 5, (next_n, generation)  # the children wrote, and compacted
