"""The crash harness: SIGKILL a process that is saving records, reopen the vault, check nothing is lost.

Run as ``python -m tests.system.crash_driver --vault-dir D --trials N --seed S``;
prints one JSON summary line and exits 0 when every trial passed, 1 otherwise.

Why a driver that forks: importing pydantic, TinyDB and cryptography costs
about half a second, so a fresh interpreter per kill would make 1,000 kills
take many minutes. The driver imports everything once, then for each trial
``fork()``s a worker that unlocks the vault through the app's own
``RecordStore`` and saves records as fast as it can (new records, edits,
voids, receipts), reporting each save on a pipe only *after* the call
returned. The worker is killed with SIGKILL at a random point:

- ``timer`` trials: the driver sleeps a random 0-``max_ms`` ms and kills it,
  wherever it is (unlocking, encrypting, mid-``write``, mid-compaction);
- ``inject`` trials: the worker kills itself on the k-th file-system call
  of the save path (``write``, ``fsync``/``fdatasync``, ``ftruncate``,
  ``replace``), k random, after writing a random prefix of that ``write``'s
  bytes: a torn frame, a torn snapshot temp file, a rename never done.

After each kill the driver reopens the vault (it must open, every time) and
checks every reported save: the record is there at that revision or, for the
one save in flight, one revision further. A record no save reported may
exist only if it was that one save in flight.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from mobile.record_state import LocalState
from mobile.records import RecordStore
from mobile.vault import Vault
from schemas.catalog import latest_forms, shipped_forms
from schemas.records import RecordStatus
from schemas.sync import Receipt, ReceiptStatus

PIN = "246810"
FAST_KDF = {"name": "scrypt", "n": 2**8, "r": 8, "p": 1}
COMPACT_MIN_BYTES = 6000  # small, so kills also land inside compactions
ROTATE_AFTER = 150  # trials per vault folder, so the vault stays small and each trial fast
FORMS = latest_forms(shipped_forms())
_real_write = os.write


def _session(i: int) -> dict[str, Any]:
    form = FORMS["outreach_session"]
    return {
        "session_date": "2026-03-10",
        "place": f"Thôn Bản Phùng {i}",
        "format": form.field("format").choices[i % len(form.field("format").choices)].value,
        "topics": [form.field("topics").choices[0].value],
        "attendees_citizens": i % 300,
    }


def _store(vault: Vault) -> RecordStore:
    return RecordStore(vault, author="canbo", unit="HN-SS-MT", device="crash-phone")


# ---- the worker (a forked child) -----------------------------------------------------------------


def _arm_injection(rng: random.Random) -> None:
    """Make the k-th file-system call of the save path kill this process (SIGKILL), k random."""
    state = {"left": rng.randint(1, 40)}
    me = os.getpid()

    def die() -> None:
        os.kill(me, signal.SIGKILL)
        time.sleep(10)  # never reached

    def wrap(name: str):
        real = getattr(os, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            state["left"] -= 1
            if state["left"] == 0:
                if name == "write":  # a torn write: some prefix of the bytes reached the file
                    fd, data = args[0], memoryview(args[1])
                    cut = rng.randint(0, len(data))
                    if cut:
                        real(fd, data[:cut])
                elif rng.random() < 0.5:  # killed just after the call instead of just before
                    real(*args, **kwargs)
                die()
            return real(*args, **kwargs)

        return call

    for name in ("write", "fsync", "fdatasync", "ftruncate", "replace"):
        if hasattr(os, name):
            setattr(os, name, wrap(name))


def _report(fd: int, line: str) -> None:
    _real_write(fd, (line + "\n").encode("ascii"))


def _work(vault_dir: Path, fd: int, seed: int, inject: bool) -> None:
    rng = random.Random(seed)
    vault = Vault.unlock(vault_dir, PIN, compact_min_bytes=COMPACT_MIN_BYTES)
    store = _store(vault)
    known = [sr for sr in store.list()]
    form = FORMS["outreach_session"]
    if inject:
        _arm_injection(rng)
    _report(fd, "ready")
    i = seed * 1000
    while True:
        i += 1
        op = rng.random()
        if op < 0.55 or not known:
            rec = store.new_record(form)
            sr = store.finalize(rec, _session(i), form)
        elif op < 0.8:
            old = rng.choice(known)
            if old.record.status == RecordStatus.VOID:
                continue
            sr = store.finalize(old.record, _session(i), form)
        elif op < 0.9:
            old = rng.choice(known)
            sr = store.void(old.record.id, f"Nhập nhầm {i}")
        else:
            pending = store.outbox(limit=5)
            if not pending:
                continue
            store.apply_receipts(
                [
                    Receipt(id=p.record.id, revision=p.record.revision, status=ReceiptStatus.STORED)
                    for p in pending
                ]
            )
            for p in pending:  # reported as "sent at this revision"
                _report(fd, f"{p.record.id} {p.record.revision} sent")
            continue
        known = [k for k in known if k.record.id != sr.record.id] + [sr]
        _report(fd, f"{sr.record.id} {sr.record.revision} {sr.record.status.value}")


# ---- the driver --------------------------------------------------------------------------------------


class Ledger:
    """What the saves that returned promised: per record id, (revision, status, sent)."""

    def __init__(self) -> None:
        self.promised: dict[str, tuple[int, str, bool]] = {}

    def check_and_adopt(self, lines: list[str], vault_dir: Path) -> tuple[list[str], bool, int]:
        """Reopen the vault, compare with the reports; returns (problems, torn tail seen, records)."""
        problems: list[str] = []
        for line in lines:
            rid, rev, what = line.split()
            prev = self.promised.get(rid, (0, "", False))
            if what == "sent":
                self.promised[rid] = (int(rev), prev[1], True)
            else:
                self.promised[rid] = (int(rev), what, False)
        with Vault.unlock(vault_dir, PIN, compact_min_bytes=COMPACT_MIN_BYTES) as vault:
            torn = vault.torn_tail_recovered
            found = {str(sr.record.id): sr for sr in _store(vault).list()}
        ahead = []
        for rid, (rev, status, sent) in self.promised.items():
            sr = found.get(rid)
            if sr is None:
                problems.append(f"lost: record {rid} revision {rev} is gone")
                continue
            have = sr.record.revision
            if have == rev:
                if status and sr.record.status.value != status:
                    problems.append(f"record {rid} r{rev}: status {sr.record.status.value} != {status}")
                if sent and sr.state != LocalState.SENT:
                    problems.append(f"record {rid} r{rev}: receipt applied but state is {sr.state.value}")
            elif have == rev + 1:
                ahead.append(rid)
            else:
                problems.append(f"record {rid}: revision {have} on disk, {rev} promised")
        unknown = [rid for rid in found if rid not in self.promised]
        if len(ahead) + len(unknown) > 1:
            problems.append(f"more than the one save in flight appeared: ahead={ahead} unknown={unknown}")
        # Adopt the disk as the new truth (the save in flight may or may not have landed).
        self.promised = {
            rid: (sr.record.revision, sr.record.status.value, sr.state == LocalState.SENT)
            for rid, sr in found.items()
        }
        return problems, torn, len(found)


def _new_vault(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    Vault.create(folder, PIN, kdf_params=FAST_KDF, compact_min_bytes=COMPACT_MIN_BYTES).close()


def run(base: Path, trials: int, seed: int, max_ms: float) -> dict[str, Any]:
    rng = random.Random(seed)
    summary: dict[str, Any] = {
        "trials": 0,
        "kills": 0,
        "timer_kills": 0,
        "injected_kills": 0,
        "reopened": 0,
        "saves_reported": 0,
        "torn_tails_recovered": 0,
        "compactions_seen": 0,
        "vaults": 0,
        "lost": [],
        "max_records": 0,
    }
    vault_dir = base / "vault-0"
    ledger = Ledger()
    for trial in range(trials):
        if trial % ROTATE_AFTER == 0:
            vault_dir = base / f"vault-{trial // ROTATE_AFTER}"
            _new_vault(vault_dir)
            ledger = Ledger()
            summary["vaults"] += 1
        inject = rng.random() < 0.5
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            code = 0
            try:
                os.close(r)
                _work(vault_dir, w, seed * 100_000 + trial, inject)
            except BaseException as exc:  # reported to the driver, which fails the trial
                try:
                    _report(w, f"error {type(exc).__name__}: {exc}".replace("\n", " ")[:300])
                except Exception:
                    pass
                code = 3
            os._exit(code)
        os.close(w)
        snap_before = (vault_dir / "vault.snap").stat().st_mtime_ns
        buf = b""
        if inject:
            # The worker kills itself; a timer still bounds it (it may finish its k calls late).
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.002)
            else:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
        else:
            time.sleep(rng.uniform(0, max_ms) / 1000)
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        while chunk := os.read(r, 1 << 16):
            buf += chunk
        os.close(r)
        lines = buf.decode("ascii", errors="replace").splitlines()
        errors = [ln for ln in lines if ln.startswith("error ")]
        if errors:
            summary["lost"].append(f"trial {trial}: worker failed: {errors[0]}")
            break
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        summary["trials"] += 1
        summary["kills"] += int(killed)
        summary["injected_kills" if inject else "timer_kills"] += int(killed)
        saves = [ln for ln in lines if ln and ln != "ready"]
        summary["saves_reported"] += len(saves)
        try:
            problems, torn, count = ledger.check_and_adopt(saves, vault_dir)
        except Exception as exc:  # the vault did not open: the worst failure there is
            summary["lost"].append(f"trial {trial}: vault did not open: {type(exc).__name__}: {exc}")
            break
        summary["reopened"] += 1
        summary["torn_tails_recovered"] += int(torn)
        summary["compactions_seen"] += int((vault_dir / "vault.snap").stat().st_mtime_ns != snap_before)
        summary["max_records"] = max(summary["max_records"], count)
        if problems:
            summary["lost"].extend(f"trial {trial}: {p}" for p in problems[:5])
            break
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vault-dir", type=Path, required=True)
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-ms", type=float, default=40.0, help="timer kills land within this many ms")
    args = p.parse_args(argv)
    args.vault_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    summary = run(args.vault_dir, args.trials, args.seed, args.max_ms)
    summary["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(summary), flush=True)
    return 0 if not summary["lost"] and summary["trials"] == args.trials else 1


if __name__ == "__main__":
    sys.exit(main())
