"""Photos on the phone: what 500 stored photos cost a vault save, and 20 photos over a 2G link.

    .venv/bin/python benchmarks/photo_sync.py                 # 500 photos; 20 photos at 250 kbit/s (~4 min)
    .venv/bin/python benchmarks/photo_sync.py --photos 5      # a quick look

1. The vault with no photo and with ``--stored`` (500) photos, 5 to a record (100 outreach
   records): the time of saving a draft (one photo in it), of the prune pass that runs when a
   form is left (``usage.prune``: every record's photos read), of the count the home screen
   shows (``usage.waiting_photos``), and of adding one camera photo (shrink + seal). The photos
   are blobs beside the TinyDB state, so only their small ``media`` rows are in the journal.
2. ``--photos`` (20) photos of ~290 KB (what a 1600 px photo shrinks to) in 4 records, synced
   (records already on the server, so the clock is the photos alone) straight to the server on
   loopback (the baseline) and through an emulated 2G link (``slow_link.Link``: ``--rate-kbit``
   250 kbit/s each way, ``--delay-ms`` 150 ms one way = 300 ms round trip, no loss, no cuts).
   Checked: every photo on the server whole, byte for byte (its SHA-256). "KB sent" exceeds
   "photo KB" only when a request failed before the server took its bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, check, enroll_phone, machine, table  # noqa: E402
from slow_link import Link  # noqa: E402

sys.path.insert(0, str(REPO))
import requests  # noqa: E402
from PIL import Image  # noqa: E402

from mobile.media import usage  # noqa: E402
from mobile.media.shrink import Shrunk  # noqa: E402
from mobile.media.store import MediaStore  # noqa: E402
from mobile.records import RecordStore  # noqa: E402
from mobile.sync.engine import SyncEngine  # noqa: E402
from mobile.vault import Vault  # noqa: E402
from schemas.catalog import latest_forms, shipped_forms  # noqa: E402
from tests.mobile.helpers import FAST_KDF, PIN  # noqa: E402
from tests.mobile.test_photo_sync_live import outreach_answers  # noqa: E402
from tests.support.live_server import start_live_server  # noqa: E402

OUTREACH = latest_forms(shipped_forms())["outreach_session"]


def photo(seed: int, size: tuple[int, int] = (1600, 1200), sigma: float = 16) -> bytes:
    """A photo-like JPEG (noise over a gradient) that shrinks to ~290 KB at 1600×1200."""
    noise = Image.effect_noise(size, sigma).convert("RGB")
    ramp = Image.linear_gradient("L").resize(size).convert("RGB")
    img = Image.blend(noise, ramp, 0.5)
    img.putpixel((seed % size[0], 0), (seed % 256, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def small(seed: int) -> Shrunk:
    """A distinct small JPEG per seed (noise: two seeds never encode alike)."""
    pixels = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(288))
    img = Image.frombytes("RGB", (64, 48), pixels[: 64 * 48 * 3])
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return Shrunk(jpeg=buf.getvalue(), width=64, height=48)


def timed(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def vault_case(root: Path, stored: int, camera: bytes) -> dict[str, float]:
    with Vault.create(root, PIN, kdf_params=FAST_KDF) as vault:
        store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="bench")
        media = MediaStore(vault)
        for r in range(stored // 5):
            refs = [media.put(small(r * 5 + i), f"anh-{i + 1}.jpg") for i in range(5)]
            store.finalize(store.new_record(OUTREACH), outreach_answers(refs), OUTREACH)
        vault.compact()
        one = media.put(small(10**6), "anh-1.jpg")
        rec = store.new_record(OUTREACH)
        store.save_draft(rec, outreach_answers([one]))
        counter = [0]

        def save() -> None:
            counter[0] += 1
            answers = outreach_answers([one]) | {"materials": counter[0]}
            store.save_draft(rec, answers)

        out = {
            "save a draft with a photo": timed(save, 30),
            "prune when a form is left": timed(lambda: usage.prune(store, media), 10),
            "photos waiting (home screen)": timed(lambda: usage.waiting_photos(store, media), 10),
            "add a camera photo (shrink + seal)": timed(lambda: media.add(camera, "anh-9.jpg"), 5),
        }
        check(len(usage.referenced(store)) == stored + 1, "every stored photo is referenced")
        return out


def sync_case(label: str, server, base_url: str, folder: Path, raws: list[bytes]) -> dict:
    phone = enroll_phone(base_url, folder, timeout=(10.0, 120.0))
    try:
        media = MediaStore(phone.vault)
        refs = [media.add(raw, f"anh-{i % 5 + 1}.jpg") for i, raw in enumerate(raws)]
        for k in range(0, len(refs), 5):
            phone.store.finalize(
                phone.store.new_record(OUTREACH), outreach_answers(refs[k : k + 5]), OUTREACH
            )
        first = SyncEngine(phone.store, phone.client).run()  # the records (and a pull) first
        check(first.error is None and first.sent == len(range(0, len(refs), 5)), f"{label}: records synced")
        t0 = time.perf_counter()
        report = SyncEngine(phone.store, phone.client, media=media).run()
        seconds = time.perf_counter() - t0
        check(report.error is None, f"{label}: photo sync failed: {report.error}")
        check(report.photos.sent == len(refs), f"{label}: {report.photos.sent} of {len(refs)} photos sent")
        size = sum(r.size for r in refs)
        # More than the photos' size only when a request failed before the server took its bytes
        # (a chunk is then sent again from the server's count); tests/mobile/test_photo_sync_live.py
        # proves through a counting proxy that bytes the server had are never sent again.
        check(report.photos.bytes_sent >= size, f"{label}: fewer bytes sent than the photos hold")
        for ref in refs:
            got = requests.get(
                f"{server.url}/api/v1/media/{ref.sha256}",
                headers={"Authorization": f"Bearer {phone.token}"},
                timeout=30,
            )
            check(
                hashlib.sha256(got.content).hexdigest() == ref.sha256,
                f"{label}: a photo differs on the server",
            )
        return {
            "label": label,
            "photos": len(refs),
            "kb": size / 1024,
            "sent_kb": report.photos.bytes_sent / 1024,
            "seconds": seconds,
        }
    finally:
        phone.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=500)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--rate-kbit", type=float, default=250)
    parser.add_argument("--delay-ms", type=float, default=150)
    args = parser.parse_args()
    print(machine())
    camera = photo(0, (4000, 3000))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = {n: vault_case(root / f"vault-{n}", n, camera) for n in (0, args.stored)}
        print(f"\nThe vault with no photo and with {args.stored} (median, ms)")
        print(
            table(
                ["operation", "0 photos", f"{args.stored} photos"],
                [[op, f"{cases[0][op]:.1f}", f"{cases[args.stored][op]:.1f}"] for op in cases[0]],
                "lrr",
            )
        )
        # Other photos for each link: the server keeps one file per hash, so photos the baseline
        # already sent would be "complete" at once for the 2G phone (no byte sent at all).
        raws = [photo(i + 1) for i in range(args.photos)]
        raws_2g = [photo(1000 + i) for i in range(args.photos)]
        server = start_live_server(root / "server")
        link = Link(
            int(server.url.rsplit(":", 1)[1]),
            rate_bps=args.rate_kbit * 1000,
            delay=args.delay_ms / 1000,
            loss=0.0,
            cut_every=0.0,
            cut_for=0.0,
            first_cut=0.0,
        )
        link.start(cuts=False)
        try:
            rows = [
                sync_case("loopback (baseline)", server, server.url, root / "phone-direct", raws),
                sync_case(
                    f"2G: {args.rate_kbit:g} kbit/s, {2 * args.delay_ms:g} ms RTT",
                    server,
                    f"http://127.0.0.1:{link.port}",
                    root / "phone-2g",
                    raws_2g,
                ),
            ]
        finally:
            link.stop()
            server.stop()
        print(f"\nSyncing {args.photos} photos after their records")
        print(
            table(
                ["link", "photos", "photo KB", "KB sent", "seconds", "kbit/s of photo"],
                [
                    [
                        r["label"],
                        r["photos"],
                        f"{r['kb']:.0f}",
                        f"{r['sent_kb']:.0f}",
                        f"{r['seconds']:.1f}",
                        f"{r['kb'] * 8.192 / r['seconds']:.0f}",
                    ]
                    for r in rows
                ],
                "lrrrrr",
            )
        )


if __name__ == "__main__":
    main()
