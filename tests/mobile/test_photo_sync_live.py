"""Photos synced against a real sync server (uvicorn on loopback, SQLite): after the records,
resumable through a link that cuts, idempotent by hash, held for Wi-Fi, refused with a sentence."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from mobile.errors import PermanentSyncError, UploadConflict
from mobile.media.shrink import Shrunk
from mobile.media.store import MediaStore
from mobile.record_state import LocalState
from mobile.sync.client import ServerClient
from schemas.media import CHUNK_BYTES, MediaRef
from tests.support.live_server import LiveServer
from tests.system.fault_proxy import FaultProxy

from .helpers import FORMS
from .test_sync_live import Phone

OUTREACH = FORMS["outreach_session"]


def noisy_photo(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photo whose shrunk JPEG is large (noise compresses badly): several chunks each."""
    rnd = os.urandom(size[0] * size[1] * 3) if seed < 0 else _seeded(seed, size[0] * size[1] * 3)
    img = Image.frombytes("RGB", size, rnd)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def _seeded(seed: int, n: int) -> bytes:
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:n])


def outreach_answers(photos: list[MediaRef]) -> dict[str, Any]:
    return {
        "session_date": "2026-03-15",
        "place": "Nhà văn hóa thôn Đông",
        "format": OUTREACH.field("format").choices[0].value,  # type: ignore[union-attr]
        "topics": [OUTREACH.field("topics").choices[0].value],  # type: ignore[union-attr]
        "attendees_cadres": 3,
        "attendees_citizens": 40,
        "attendees_minorities": 0,
        "attendees_students": 0,
        "attendees_soldiers": 0,
        "soldiers_first_time": 0,
        "attendees_female": 20,
        "materials": 10,
        "evidence_photos": [p.model_dump(mode="json") for p in photos],
    }


class PhotoPhone(Phone):
    def __init__(self, server: LiveServer, folder: Path, base_url: str | None = None) -> None:
        super().__init__(server, folder)
        self.media = MediaStore(self.vault)
        if base_url is not None:
            self.client = ServerClient(base_url, self.client.token, timeout=(3.0, 5.0))

    def outreach(self, raws: list[bytes]):
        refs = [self.media.add(raw, f"anh-{i + 1}.jpg") for i, raw in enumerate(raws)]
        rec = self.store.new_record(OUTREACH)
        return self.store.finalize(rec, outreach_answers(refs), OUTREACH), refs

    def server_photo(self, sha256: str) -> requests.Response:
        return requests.get(
            f"{self.server.url}/api/v1/media/{sha256}",
            headers={"Authorization": f"Bearer {self.client.token}"},
            timeout=10,
        )


class CountingProxy(FaultProxy):
    """The fault proxy, counting the photo bytes it hands the server (chunk bodies forwarded whole)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(upstream, delay=6.0)
        self.chunk_bytes_forwarded = 0
        self.chunk_requests = 0

    def _forward(self, raw: bytes, *, cut: bool = False) -> bytes:
        head, _, body = raw.partition(b"\r\n\r\n")
        if head.startswith(b"PUT ") and b"/chunk" in head.split(b"\r\n", 1)[0]:
            with self._lock:
                self.chunk_requests += 1
                self.chunk_bytes_forwarded += len(body) // 2 if cut else len(body)
        return super()._forward(raw, cut=cut)


@pytest.fixture
def phone(live_server: LiveServer, tmp_path: Path) -> Iterator[PhotoPhone]:
    p = PhotoPhone(live_server, tmp_path / "vault")
    try:
        yield p
    finally:
        p.vault.close()


def test_records_go_first_then_the_photos(phone: PhotoPhone) -> None:
    sr, refs = phone.outreach([noisy_photo(1), noisy_photo(2, (800, 600))])
    # Before the record is on the server, it takes no bytes of its photos.
    with pytest.raises(PermanentSyncError) as info:
        phone.client.media_status(refs[0].sha256)
    assert info.value.status == 404
    report = phone.engine(media=phone.media).run()
    assert report.error is None, report.error
    assert report.sent == 1 and report.photos.sent == 2 and report.photos.waiting == 0
    assert report.photos.bytes_sent == sum(r.size for r in refs)
    assert phone.store.get(sr.record.id).state == LocalState.SENT  # type: ignore[union-attr]
    for ref in refs:
        st = phone.media.state(ref.sha256)
        assert st is not None and st.uploaded
        got = phone.server_photo(ref.sha256)
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == ref.sha256
    again = phone.engine(media=phone.media).run()  # nothing left: no photo byte goes twice
    assert again.photos.sent == 0 and again.photos.bytes_sent == 0


def test_a_cut_link_resumes_without_resending_what_the_server_had(
    live_server: LiveServer, tmp_path: Path
) -> None:
    host, port = live_server.url.removeprefix("http://").split(":")
    proxy = CountingProxy((host, int(port)))
    phone = PhotoPhone(live_server, tmp_path / "vault", base_url=proxy.url)
    try:
        _, refs = phone.outreach([noisy_photo(3), noisy_photo(4)])
        sizes = [r.size for r in refs]
        assert all(s > 2 * CHUNK_BYTES for s in sizes), sizes
        first = phone.engine().run()  # the records alone (no media store given): push, pull
        assert first.error is None and first.sent == 1
        # Then the photos: status, chunk 1 passes, the answers to chunks 2 and 3 are lost after the
        # server stored them (cut mid-answer, and dropped), a status later a request never arrives.
        proxy.set_plan(["pass", "pass", "cut_response", "drop_response", "pass", "drop_request"])
        report = phone.engine(media=phone.media).run()
        proxy.settle()
        assert report.error is None, report.error
        assert report.photos.sent == 2
        assert proxy.counts["cut_response"] == proxy.counts["drop_response"] == 1
        assert proxy.counts["drop_request"] == 1
        # Every photo byte reached the server exactly once: a lost answer was followed by a status,
        # never by sending the same chunk again.
        assert proxy.chunk_bytes_forwarded == sum(sizes)
        for ref in refs:
            got = phone.server_photo(ref.sha256)
            assert hashlib.sha256(got.content).hexdigest() == ref.sha256
    finally:
        phone.vault.close()
        proxy.close()


def test_photos_only_on_wifi_holds_the_photos_not_the_records(phone: PhotoPhone) -> None:
    sr, refs = phone.outreach([noisy_photo(5, (640, 480))])
    held = phone.engine(media=phone.media, send_photos=False).run()
    assert held.error is None and held.sent == 1
    assert held.photos.held_for_wifi and held.photos.sent == 0 and held.photos.waiting == 1
    assert phone.client.media_status(refs[0].sha256).received == 0
    assert phone.server_photo(refs[0].sha256).status_code == 404
    on_wifi = phone.engine(media=phone.media, send_photos=True).run()
    assert on_wifi.photos.sent == 1 and not on_wifi.photos.held_for_wifi and on_wifi.photos.waiting == 0


def test_a_photo_the_server_refuses_is_flagged_and_nothing_is_lost(phone: PhotoPhone) -> None:
    good = phone.media.add(noisy_photo(6, (320, 240)), "anh-1.jpg")
    # Bytes that are no JPEG under a JPEG's name (a phone bug, a damaged file): the server says 422.
    bad = phone.media.put(Shrunk(jpeg=b"not a photo at all " * 50, width=10, height=10), "anh-2.jpg")
    rec = phone.store.new_record(OUTREACH)
    sr = phone.store.finalize(rec, outreach_answers([good, bad]), OUTREACH)
    report = phone.engine(media=phone.media).run()
    assert report.sent == 1
    assert report.photos.sent == 1 and len(report.photos.refused) == 1
    said = report.photos.refused[0]
    assert said.vi and said.en and said.vi != said.en
    kept = phone.store.get(sr.record.id)
    assert kept is not None and kept.state == LocalState.SENT
    st = phone.media.state(bad.sha256)
    assert st is not None and st.refused is not None and not st.uploaded
    assert phone.media.read(bad.sha256).startswith(b"not a photo")  # the photo stays on the phone
    again = phone.engine(media=phone.media).run()  # a refused photo is not sent again and again
    assert again.photos.bytes_sent == 0 and again.error is None


def test_a_chunk_at_the_wrong_offset_says_where_to_resume(phone: PhotoPhone) -> None:
    _, refs = phone.outreach([noisy_photo(7)])
    assert phone.engine().run().sent == 1  # the record only
    ref = refs[0]
    data = phone.media.read(ref.sha256)
    first = phone.client.put_chunk(ref.sha256, 0, data[:CHUNK_BYTES])
    assert first.received == CHUNK_BYTES and not first.complete
    with pytest.raises(UploadConflict) as info:  # a phone that lost track sends from too far on
        phone.client.put_chunk(ref.sha256, 2 * CHUNK_BYTES, data[2 * CHUNK_BYTES : 3 * CHUNK_BYTES])
    assert info.value.status == 409 and info.value.current.received == CHUNK_BYTES
    assert info.value.message.vi and info.value.message.en
    again = phone.client.put_chunk(ref.sha256, 0, data[:CHUNK_BYTES])  # a chunk it holds: accepted as is
    assert again.received == CHUNK_BYTES
    report = phone.engine(media=phone.media).run()  # the engine resumes from the server's count
    assert report.photos.sent == 1 and report.photos.bytes_sent == ref.size - CHUNK_BYTES


def test_a_photo_the_server_already_holds_costs_no_byte(live_server: LiveServer, tmp_path: Path) -> None:
    raw = noisy_photo(8)
    one = PhotoPhone(live_server, tmp_path / "one")
    two = PhotoPhone(live_server, tmp_path / "two")
    try:
        _, refs = one.outreach([raw])
        assert one.engine(media=one.media).run().photos.sent == 1
        _, same = two.outreach([raw])  # the same photo on another phone: the same hash after shrinking
        assert same[0].sha256 == refs[0].sha256
        report = two.engine(media=two.media).run()
        assert report.photos.sent == 1 and report.photos.bytes_sent == 0
        st = two.media.state(same[0].sha256)
        assert st is not None and st.uploaded
    finally:
        one.vault.close()
        two.vault.close()
