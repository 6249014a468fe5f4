"""How long one save takes as the phone's vault fills up, against TinyDB's JSONStorage; unlock; memory.

    .venv/bin/python benchmarks/vault_save.py                 # N = 0, 1,000, 10,000 (about 2 minutes)
    .venv/bin/python benchmarks/vault_save.py --full          # and 50,000
    .venv/bin/python benchmarks/vault_save.py --sizes 0 5000  # any sizes

For each N, in a fresh subprocess each (so peak memory is that of one job):

- ``JSONStorage insert`` (the baseline): plain TinyDB, default storage,
  holding N records of ~1.5 KB, then K more inserted one at a time and
  timed. It rewrites the whole file on each insert (and encrypts nothing);
  past 1,000 records K is cut (``--k-json``), since each insert takes seconds.
- ``vault insert``: the same TinyDB insert on the encrypted vault.
- ``RecordStore.save_draft``: the app's real path (validation, pydantic,
  AES-GCM, append + fdatasync of one journal frame).
- ``unlock``: a new process opens the vault with the PIN (default KDF,
  scrypt N=2**15) and counts its records, as the app does at start; ``unlock
  - KDF`` is the cost of reading the snapshot and replaying the journal.

Peak memory is the subprocess's maximum resident set size (``ru_maxrss``),
Python itself included (~30 MB before any record is loaded).

Correctness: after the saves the vault is reopened and must hold exactly
N + 2K records; the JSON file must hold N + K.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PIN, REPO, check, machine, pct, table  # noqa: E402

from mobile.records import RecordStore  # noqa: E402
from mobile.vault import Vault  # noqa: E402
from schemas.catalog import latest_forms, shipped_forms  # noqa: E402
from schemas.common import utcnow  # noqa: E402
from schemas.records import Record, RecordStatus  # noqa: E402
from vault_format import kdf  # noqa: E402

FORM = latest_forms(shipped_forms())["outreach_session"]
NOTES = (
    "Buổi tuyên truyền pháp luật về biên giới, phòng chống ma túy và mua bán người tại nhà văn hóa thôn; "
    "bà con dân tộc Mông tham gia đông đủ, đặt nhiều câu hỏi về thủ tục cư trú. "
) * 5


def answers(i: int) -> dict:
    return {
        "session_date": "2026-03-10",
        "place": f"Thôn Bản Phùng {i}",
        "format": "meeting",
        "topics": ["border", "drugs", "trafficking"],
        "attendees_citizens": 40 + i % 7,
        "attendees_female": 21,
        "notes": NOTES[:1100],
    }


def one_doc(i: int) -> dict:
    """A draft outreach session as the vault stores it (a StoredRecord as JSON)."""
    now = utcnow()
    rec = Record(
        id=uuid4(),
        form_id=FORM.id,
        form_version=FORM.version,
        unit="HN-SS-MT",
        author="canbo",
        device="bench",
        created_at=now,
        updated_at=now,
        revision=1,
        status=RecordStatus.DRAFT,
        answers=answers(i),
    )
    return {"record": rec.model_dump(mode="json"), "state": "draft", "issues": [], "sent_at": None}


def stats(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples) * 1e3, pct(samples, 0.95) * 1e3


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---- the jobs, each run in its own process -----------------------------------------------------------


def job_vault(n: int, k: int, folder: Path) -> dict:
    from tinydb.table import Document

    vault = Vault.create(folder, PIN)
    store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="bench")
    docs = [one_doc(i) for i in range(n + k)]
    if n:
        # the first N go in as one journal frame, then sealed into the snapshot (as compaction would)
        store._records.insert_multiple(Document(d, doc_id=d["record"]["id"]) for d in docs[:n])  # noqa: SLF001
        vault.compact()
    t_insert = []
    for d in docs[n:]:
        doc = Document(d, doc_id=d["record"]["id"])
        t0 = time.perf_counter()
        store._records.insert(doc)  # noqa: SLF001
        t_insert.append(time.perf_counter() - t0)
    t_save = []
    for i in range(k):
        rec = store.new_record(FORM)
        t0 = time.perf_counter()
        store.save_draft(rec, answers(i))
        t_save.append(time.perf_counter() - t0)
    vault.close()
    return {
        "doc_bytes": len(json.dumps(docs[0], ensure_ascii=False).encode()),
        "vault_insert": stats(t_insert),
        "save_draft": stats(t_save),
        "files_mb": sum(p.stat().st_size for p in folder.iterdir()) / 1e6,
        "peak_mb": peak_mb(),
    }


def job_unlock(expected: int, folder: Path) -> dict:
    t0 = time.perf_counter()
    vault = Vault.unlock(folder, PIN)
    count = sum(RecordStore(vault, author="a", unit="u", device="d").counts().values())
    seconds = time.perf_counter() - t0
    vault.close()
    check(count == expected, f"the vault holds {count} records after reopening, expected {expected}")
    return {"unlock_ms": seconds * 1e3, "peak_mb": peak_mb()}


def job_json(n: int, k: int, path: Path) -> dict:
    from tinydb import TinyDB

    docs = [one_doc(i) for i in range(n + k)]
    db = TinyDB(path)
    if n:
        db.insert_multiple(docs[:n])
    times = []
    for d in docs[n:]:
        t0 = time.perf_counter()
        db.insert(d)
        times.append(time.perf_counter() - t0)
    count = len(db)
    db.close()
    check(count == n + k, f"the JSON file holds {count} records, expected {n + k}")
    return {"json_insert": stats(times), "json_mb": path.stat().st_size / 1e6, "peak_mb": peak_mb()}


def run_job(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, __file__, "--job", *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"job {args} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="N = 0, 1,000, 10,000 and 50,000")
    ap.add_argument("--sizes", type=int, nargs="+", help="the N to measure")
    ap.add_argument("-k", type=int, default=40, help="saves timed per N in the vault (default 40)")
    ap.add_argument("--k-json", type=int, default=5, help="JSONStorage inserts timed when N > 1,000")
    ap.add_argument("--job", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        kind, *rest = args.job
        if kind == "vault":
            result = job_vault(int(rest[0]), int(rest[1]), Path(rest[2]))
        elif kind == "unlock":
            result = job_unlock(int(rest[0]), Path(rest[1]))
        else:
            result = job_json(int(rest[0]), int(rest[1]), Path(rest[2]))
        print(json.dumps(result))
        return

    sizes = args.sizes or ([0, 1_000, 10_000] + ([50_000] if args.full else []))
    kdf_runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        kdf.derive(PIN, b"\0" * 16, kdf.normalize(None))
        kdf_runs.append(time.perf_counter() - t0)
    kdf_ms = statistics.median(kdf_runs) * 1e3
    rows = []
    doc_bytes = 0
    with tempfile.TemporaryDirectory(prefix="ft-bench-vault-") as tmp:
        for n in sizes:
            root = Path(tmp) / f"n{n}"
            root.mkdir()
            k = args.k
            v = run_job("vault", str(n), str(k), str(root / "vault"))
            u = run_job("unlock", str(n + 2 * k), str(root / "vault"))
            kj = k if n <= 1_000 else args.k_json
            j = run_job("json", str(n), str(kj), str(root / "plain.json"))
            doc_bytes = v["doc_bytes"]
            rows.append(
                [
                    f"{n:,}",
                    "{:.1f} / {:.1f}".format(*j["json_insert"]),
                    "{:.2f} / {:.2f}".format(*v["vault_insert"]),
                    "{:.2f} / {:.2f}".format(*v["save_draft"]),
                    f"{u['unlock_ms']:.0f}",
                    f"{max(0.0, u['unlock_ms'] - kdf_ms):.0f}",
                    f"{v['files_mb']:.1f} / {j['json_mb']:.1f}",
                    f"{v['peak_mb']:.0f} / {u['peak_mb']:.0f} / {j['peak_mb']:.0f}",
                ]
            )
    print(
        f"one save, ms (median / p95), {args.k} saves per N ({args.k_json} for JSONStorage past 1,000), "
        f"~{doc_bytes:,} B records; KDF scrypt N=2**15: {kdf_ms:.0f} ms; {machine()}"
    )
    print()
    print(
        table(
            [
                "N",
                "JSONStorage insert (baseline)",
                "vault insert",
                "RecordStore.save_draft",
                "unlock incl. KDF (ms)",
                "unlock - KDF (ms)",
                "files MB (vault / JSON)",
                "peak RSS MB (saving / unlock / JSON)",
            ],
            rows,
        )
    )
    print()
    print("Goals: save <= 5 ms median at 10,000, nearly flat in N; unlock at 10,000 <= 500 ms + KDF.")


if __name__ == "__main__":
    main()
