"""Bytes over the wire to upload one 1,600 px photo, by chunk size (64, 256 and 1024 KiB).

    .venv/bin/python benchmarks/media_upload.py

A real server (uvicorn on loopback, SQLite file) and a photo-like JPEG of 1600×1200 at quality 80
(smooth areas and fine grain, as the phone's shrunk photos are). For each chunk size the record is
pushed first (records go first), then the photo is sent from ``status`` on; the table counts the
HTTP bytes each way (request and status lines, headers, bodies; TCP/IP excluded), per photo. Checked
afterwards: the server holds the photo, byte for byte. The overhead column is what the upload costs
beyond the photo's own bytes.
"""

from __future__ import annotations

import hashlib
import io
import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, check, counting_session, machine, table  # noqa: E402

sys.path.insert(0, str(REPO))
from PIL import Image, ImageFilter  # noqa: E402

from schemas.common import utcnow  # noqa: E402
from schemas.forms import FormDefinition  # noqa: E402
from sync_server.config import make_settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.services.catalog import publish_form  # noqa: E402
from tests.support.live_server import start_live_server  # noqa: E402

FORM = {
    "id": "photo_bench",
    "version": 1,
    "title": {"vi": "Ảnh", "en": "Photos"},
    "period_field": "held_on",
    "fields": [
        {"name": "held_on", "type": "date", "label": {"vi": "Ngày", "en": "Date"}, "required": True},
        {"name": "photos", "type": "image", "label": {"vi": "Ảnh", "en": "Photos"}},
    ],
}
CHUNKS_KIB = (64, 256, 1024)


def photo(seed: int) -> bytes:
    """A 1600×1200 JPEG (q80) with the texture of a photo: blurred shapes plus sensor grain."""
    rnd = random.Random(seed)
    small = Image.new("RGB", (64, 48))
    small.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(64 * 48)])
    img = small.resize((1600, 1200), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(6))
    grain = Image.effect_noise((1600, 1200), 40).convert("RGB")
    img = Image.blend(img, grain, 0.15)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_live_server(Path(tmp))
        try:
            db = Database.from_settings(make_settings({"database_url": server.database_url}))
            with db.session(write=True) as s:
                publish_form(s, form=FormDefinition.model_validate(FORM), now=utcnow(), actor="benchmark")
            db.dispose()
            session, adapter = counting_session()
            enrolled = session.post(
                server.url + "/api/v1/enroll",
                json={"username": "canbo", "password": "canbo123", "device_id": uuid.uuid4().hex},
            ).json()
            session.headers["Authorization"] = f"Bearer {enrolled['device_token']}"
            rows = []
            for n, kib in enumerate(CHUNKS_KIB):
                data = photo(n)
                sha = hashlib.sha256(data).hexdigest()
                now = datetime.now(UTC).isoformat()
                ref = {"sha256": sha, "size": len(data), "mime": "image/jpeg", "name": "anh-1.jpg"}
                rec = {
                    "id": str(uuid.uuid4()), "form_id": "photo_bench", "form_version": 1, "unit": "HN-SS-MT",
                    "author": "canbo", "device": "bench", "created_at": now, "updated_at": now,
                    "revision": 1, "status": "final",
                    "answers": {"held_on": now[:10], "photos": [ref]},
                }  # fmt: skip
                push = session.post(
                    server.url + "/api/v1/sync/push", json={"batch_id": str(uuid.uuid4()), "records": [rec]}
                )
                check(push.json()["receipts"][0]["status"] == "stored", f"push refused: {push.text[:300]}")
                adapter.count.reset()
                base = f"{server.url}/api/v1/media/{sha}"
                received = session.get(base + "/status").json()["received"]
                step = kib * 1024
                while received < len(data):
                    resp = session.put(
                        base + "/chunk",
                        params={"offset": received},
                        data=data[received : received + step],
                        headers={"Content-Type": "application/octet-stream"},
                    )
                    check(resp.status_code == 200, f"chunk refused: {resp.text[:300]}")
                    received = resp.json()["received"]
                c = adapter.count
                requests, up, down = c.requests, c.up, c.down
                check(session.get(base).content == data, "the server's copy differs from the photo")
                over = up + down - len(data)
                share = f"{over / len(data):.2%}"
                rows.append([kib, f"{len(data):,}", requests, f"{up:,}", f"{down:,}", f"{over:,}", share])
        finally:
            server.stop()
    print(f"Machine: {machine()}\n")
    head = ["chunk KiB", "photo bytes", "requests", "bytes up", "bytes down", "overhead bytes", "overhead"]
    print(table(head, rows))


if __name__ == "__main__":
    main()
