"""A photo upload cut in the middle of a chunk, on a real uvicorn server: nothing half-written counts."""

from __future__ import annotations

import hashlib
import socket
import time

import httpx

from schemas.common import utcnow
from schemas.forms import FormDefinition
from schemas.media import MediaStatus
from sync_server.config import make_settings
from sync_server.db import Database
from sync_server.services.catalog import publish_form
from tests.support.live_server import LiveServer

from .helpers import batch, record
from .test_media import DAY, PHOTO_FORM, jpeg, ref


def _cut_chunk(server: LiveServer, token: str, sha: str, offset: int, body: bytes, sent: int) -> None:
    """A PUT that announces ``len(body)`` bytes and sends ``sent`` of them before the link drops."""
    host, port = "127.0.0.1", server.port
    head = (
        f"PUT /api/v1/media/{sha}/chunk?offset={offset} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(head + body[:sent])
        time.sleep(0.3)  # the server is reading the body when the link goes


def test_media_live__a_chunk_cut_mid_body_stores_nothing_and_the_upload_resumes(live_server: LiveServer):
    db = Database.from_settings(make_settings({"database_url": live_server.database_url}))
    try:
        with db.session(write=True) as s:
            publish_form(s, form=FormDefinition.model_validate(PHOTO_FORM), now=utcnow(), actor="admin")
    finally:
        db.dispose()
    photo = jpeg(seed=20)
    sha = hashlib.sha256(photo).hexdigest()
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        enrolled = client.post(
            "/api/v1/enroll", json={"username": "canbo", "password": "canbo123", "device_id": "live-phone"}
        ).json()
        token = enrolled["device_token"]
        auth = {"Authorization": f"Bearer {token}"}
        rec = record("photo_session", {"held_on": DAY, "photos": [ref(photo)]})
        receipts = client.post("/api/v1/sync/push", json=batch(rec), headers=auth).json()["receipts"]
        assert receipts[0]["status"] == "stored"
        first = client.put(
            f"/api/v1/media/{sha}/chunk", params={"offset": 0}, content=photo[:60_000], headers=auth
        )
        assert first.json()["received"] == 60_000

        _cut_chunk(live_server, token, sha, 60_000, photo[60_000:160_000], sent=40_000)

        status = MediaStatus.model_validate(client.get(f"/api/v1/media/{sha}/status", headers=auth).json())
        assert (status.received, status.complete) == (60_000, False)  # the cut chunk counted for nothing
        rest = client.put(
            f"/api/v1/media/{sha}/chunk",
            params={"offset": status.received},
            content=photo[60_000:],
            headers=auth,
        )
        assert rest.status_code == 200 and rest.json()["complete"] is True
        assert client.get(f"/api/v1/media/{sha}", headers=auth).content == photo
    stored = live_server.workdir / "media" / sha[:2] / f"{sha}.jpg"
    assert stored.read_bytes() == photo
    log = live_server.log_text()
    assert "Traceback" not in log and "ERROR" not in log  # a dropped link is not a server error
