"""How long one save takes as the vault fills up, against TinyDB's own JSONStorage, and unlock time.

    .venv/bin/python benchmarks/vault_save.py            # N = 0 and 1,000 stored records
    .venv/bin/python benchmarks/vault_save.py --large    # and 10,000

For each N, both stores are filled with N records of ~1.5 KB (a StoredRecord
of an outreach session with Vietnamese notes), then K more are saved one at
a time and each save is timed:

- ``JSONStorage insert``: plain TinyDB, default storage (rewrites the file, no encryption);
- ``vault insert``: the same TinyDB insert on the encrypted vault (its records table);
- ``RecordStore.save_draft``: the app's real path (validation, pydantic, encryption, fsync).

Unlock is timed with the default KDF (scrypt N=2**15), and the KDF alone, so
``unlock - KDF`` is the cost of reading and replaying the files.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinydb import TinyDB  # noqa: E402
from tinydb.table import Document  # noqa: E402

from mobile.records import RecordStore  # noqa: E402
from mobile.vault import Vault, kdf  # noqa: E402
from schemas.catalog import latest_forms, shipped_forms  # noqa: E402

PIN = "246810"
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


def one_doc(store: RecordStore, i: int) -> dict:
    rec = store.new_record(FORM).model_copy(update={"answers": answers(i)})
    return {"record": rec.model_dump(mode="json"), "state": "draft", "issues": [], "sent_at": None}


def stats(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1e3, s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))] * 1e3


def bench(n: int, k: int, root: Path) -> dict:
    out: dict = {"N": n}
    # -- the vault -------------------------------------------------------------------------------------
    folder = root / f"vault-{n}"
    vault = Vault.create(folder, PIN)
    store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="bench")
    docs = [one_doc(store, i) for i in range(n + 2 * k)]
    out["doc_bytes"] = len(json.dumps(docs[0], ensure_ascii=False).encode())
    if n:
        store._records.insert_multiple(Document(d, doc_id=d["record"]["id"]) for d in docs[:n])
        vault.compact()
    t_insert = []
    for d in docs[n : n + k]:
        doc = Document(d, doc_id=d["record"]["id"])
        t0 = time.perf_counter()
        store._records.insert(doc)
        t_insert.append(time.perf_counter() - t0)
    t_save = []
    for i in range(k):
        rec = store.new_record(FORM)
        t0 = time.perf_counter()
        store.save_draft(rec, answers(i))
        t_save.append(time.perf_counter() - t0)
    out["vault_insert"] = stats(t_insert)
    out["save_draft"] = stats(t_save)
    vault.close()
    t0 = time.perf_counter()
    vault = Vault.unlock(folder, PIN)
    out["unlock"] = (time.perf_counter() - t0) * 1e3
    assert sum(RecordStore(vault, author="a", unit="u", device="d").counts().values()) == n + 2 * k
    vault.close()
    # -- TinyDB's JSONStorage --------------------------------------------------------------------------
    db = TinyDB(root / f"plain-{n}.json")
    if n:
        db.insert_multiple(docs[:n])
    t_json = []
    for d in docs[n : n + k]:
        t0 = time.perf_counter()
        db.insert(d)
        t_json.append(time.perf_counter() - t0)
    db.close()
    out["json_insert"] = stats(t_json)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--large", action="store_true", help="also N = 10,000")
    ap.add_argument("-k", type=int, default=40, help="saves timed per N (default 40)")
    args = ap.parse_args()
    sizes = [0, 1_000] + ([10_000] if args.large else [])
    kdf_runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        kdf.derive(PIN, b"\0" * 16, kdf.normalize(None))
        kdf_runs.append(time.perf_counter() - t0)
    kdf_ms = statistics.median(kdf_runs) * 1e3
    rows = []
    with tempfile.TemporaryDirectory(prefix="ft-bench-") as tmp:
        for n in sizes:
            rows.append(bench(n, args.k, Path(tmp)))
    print(
        f"one save, ms (median / p95), {args.k} saves per N, ~{rows[0]['doc_bytes']} B records; "
        f"KDF scrypt N=2**15: {kdf_ms:.0f} ms"
    )
    print()
    head = (
        "N",
        "JSONStorage insert",
        "vault insert",
        "RecordStore.save_draft",
        "unlock (incl. KDF)",
        "unlock - KDF",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---:" for _ in head) + "|")
    for r in rows:
        cells = [
            f"{r['N']:,}",
            "{:.2f} / {:.2f}".format(*r["json_insert"]),
            "{:.2f} / {:.2f}".format(*r["vault_insert"]),
            "{:.2f} / {:.2f}".format(*r["save_draft"]),
            f"{r['unlock']:.0f}",
            f"{max(0.0, r['unlock'] - kdf_ms):.0f}",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
