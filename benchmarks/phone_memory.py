"""The phone's memory and speed with a big vault: peak Python heap, unlock, search (issue 15 item 5).

    .venv/bin/python benchmarks/phone_memory.py                    # 10,000 and 50,000 records
    .venv/bin/python benchmarks/phone_memory.py --sizes 2000       # a quick look
    .venv/bin/python benchmarks/phone_memory.py --before ab00d94   # and the same at that commit

``--before REF`` measures the code of git commit ``REF`` too, in the same run (its own vault, built and
opened by that code, from ``git archive``): the baseline beside each figure.

A vault is filled with copies of one finalized awareness survey (each its own id, ethnicity and
date, so a search hits one in six), sealed into a snapshot as the phone's compaction leaves it, then
each measure runs in a fresh Python process so one does not inherit another's heap:

- *peak heap*: ``tracemalloc``'s peak from unlocking through the home screen's counts, the records
  screen's list and one search (what an officer opening the app does), with the process's max RSS;
- *unlock*: ``Vault.unlock`` plus ``RecordStore`` and ``counts()`` (the home screen), minus the key
  derivation, which is measured on its own (a fast scrypt here; the phone's is a fixed cost);
- *search*: ``AppService.find``'s work (``RecordStore.find``; before it, ``search`` over
  ``store.list()``), median of 5.

Unlock and search are wall-clock times with the process's CPU time beside them (the steadier
figure when other work shares the cores). The peak heap goal's "before" (152–166 MB) was the
process's peak RSS in docs/benchmarks.md section 1, so the table shows both.

Goals, printed beside each figure as the baseline: peak ≤ 120 MB at 10,000 (before: 152–166 MB),
unlock ≤ 0.5 s plus the KDF at 50,000 (before: 1.6 s), search ≤ 100 ms at 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FAST_KDF = {"name": "scrypt", "n": 2**8, "r": 8, "p": 1}
PIN = "246810"
ETHNICITIES = ["Kinh", "Tày", "Thái", "Mường", "Mông", "Dao"]
GOALS = {"peak_mb": (120, "152–166"), "unlock_s": (0.5, "1.6"), "search_ms": (100, "–")}


def build(folder: Path, n: int) -> None:
    from tinydb.table import Document

    from mobile.record_state import LocalState
    from mobile.records import RecordStore
    from mobile.vault import Vault
    from tests.mobile.helpers import survey_answers

    vault = Vault.create(folder, PIN, kdf_params=FAST_KDF)
    store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="bench")
    form = next(f for f in store.forms() if f.id == "awareness_survey")
    record = store.new_record(form)
    proto = store.finalize(record, survey_answers(), form).model_dump(mode="json")
    rng = random.Random(7)
    batch: list = []
    for i in range(n):
        doc = json.loads(json.dumps(proto))
        rid = str(uuid.UUID(int=rng.getrandbits(128)))
        doc["record"]["id"] = rid
        doc["record"]["answers"]["ethnicity"] = ETHNICITIES[i % len(ETHNICITIES)]
        doc["record"]["answers"]["survey_date"] = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
        doc["state"] = LocalState.SENT.value if i % 3 else LocalState.PENDING.value
        batch.append(Document(doc, doc_id=rid))
        if len(batch) == 2000:
            store._records.insert_multiple(batch)
            batch = []
    if batch:
        store._records.insert_multiple(batch)
    vault.compact()
    vault.close()


def measure(folder: Path) -> dict:
    from mobile.record_query import RecordQuery
    from mobile.records import RecordStore
    from mobile.vault import Vault

    out: dict = {}
    tracemalloc.start()
    t0 = time.perf_counter()
    vault = Vault.unlock(folder, PIN)
    store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="bench")
    store.counts()
    out["unlock_total_s"] = time.perf_counter() - t0
    store.list(limit=50)  # the records screen's first page
    out["found"] = len(_find(store, RecordQuery(text="mong")))
    out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    vault.close()
    return out


def measure_unlock_only(folder: Path) -> dict:
    """Unlock and search timings without tracemalloc (which slows allocation-heavy code several times)."""
    from mobile.record_query import RecordQuery
    from mobile.records import RecordStore
    from mobile.vault import Vault

    t0, c0 = time.perf_counter(), time.process_time()
    vault = Vault.unlock(folder, PIN)
    store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="bench")
    store.counts()
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    q = RecordQuery(text="mong")
    times, cpus = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        _find(store, q)
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    vault.close()
    kdf = _kdf_seconds()
    return {
        "unlock_s": max(0.0, total - kdf),
        "unlock_cpu_s": max(0.0, cpu - kdf),
        "kdf_s": kdf,
        "search_ms": statistics.median(times) * 1000,
        "search_cpu_ms": statistics.median(cpus) * 1000,
    }


def _find(store, q) -> list:
    """What ``AppService.find`` does, in this code or in the code of ``--before``."""
    if hasattr(store, "find"):
        return store.find(q)
    from mobile.record_query import search

    return search(store.list(), store.form_for, q, "vi")


def _kdf_seconds() -> float:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    t = time.perf_counter()
    Scrypt(salt=os.urandom(16), length=32, n=FAST_KDF["n"], r=FAST_KDF["r"], p=FAST_KDF["p"]).derive(
        b"246810"
    )
    return time.perf_counter() - t


def _child(what: str, folder: Path, repo: Path = REPO) -> dict:
    cmd = [sys.executable, __file__, "--child", what, str(folder)]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=repo, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    ap.add_argument("--before", metavar="REF", help="also measure the code of this git commit (the baseline)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        what, folder = args.child
        fn = {"build": lambda f: build(f, int(os.environ["BENCH_N"])) or {}, "heap": measure}
        result = fn[what](Path(folder)) if what in fn else measure_unlock_only(Path(folder))
        print(json.dumps(result))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="phone-memory-") as tmp:
        codes = [("now", REPO)]
        if args.before:
            old = Path(tmp) / "before"
            old.mkdir()
            tree = subprocess.run(
                ["git", "-C", str(REPO), "archive", args.before], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=tree, check=True)
            codes.insert(0, (args.before, old))
        for n in args.sizes:
            os.environ["BENCH_N"] = str(n)
            for label, repo in codes:
                folder = Path(tmp) / f"{label}-{n}"
                _child("build", folder, repo)
                heap = _child("heap", folder, repo)
                unlock = _child("unlock", folder, repo)
                shutil.rmtree(folder)
                rows.append((n, label, heap, unlock))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load average {_load()}")
    print(
        "| records | code | peak heap MB (tracemalloc) | max RSS MB (goal ≤ 120; before 152–166) "
        "| unlock s, no KDF (goal ≤ 0.5 at 50k; before 1.6) | search ms (goal ≤ 100 at 10k) | found |"
    )
    print("| ---: | :--- | ---: | ---: | ---: | ---: | ---: |")
    for n, label, heap, unlock in rows:
        print(
            f"| {n:,} | {label} | {heap['peak_mb']:.0f} | {heap['rss_mb']:.0f} "
            f"| {unlock['unlock_s']:.2f} ({unlock['unlock_cpu_s']:.2f} CPU) "
            f"| {unlock['search_ms']:.0f} ({unlock['search_cpu_ms']:.0f} CPU) | {heap['found']:,} |"
        )
    print(
        "(wall clock, and in brackets the process's CPU time: on a machine shared with other work the "
        "CPU time is the steadier figure.)"
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
