"""The encrypted vault interrupted: torn frames, zero tails, stray temp files, cut compactions, SIGKILL.

The full crash harness (1,000 kills) is ``tests/system/test_crash.py``; these are the targeted cases.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mobile.errors import VaultWriteFailed
from mobile.vault import Vault
from mobile.vault.storage import JOURNAL_NAME, SNAP_NAME
from mobile.vault.vault import KEY_NAME
from vault_format import journal as jn

from .helpers import FAST_KDF, PIN
from .vault_helpers import fill, state

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
    with pytest.raises(VaultWriteFailed) as err:
        vault.db.table("t").insert({"n": 99})
    assert isinstance(err.value.__cause__, OSError) and not err.value.storage_full
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
    next_n, generation = 0, 0
    # At least 20 kills; more while the children have not yet written 100 saves and compacted 5 times
    # (on a loaded machine each child gets less done before its kill), within a bound.
    for round_no in range(200):
        if round_no >= 20 and next_n > 100 and generation > 5:
            break
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
