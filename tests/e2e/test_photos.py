"""Photos in the web build at 360×640, against a real sync server: the officer attaches two photos
through the browser's file input (one of them a camera photo with EXIF), a PDF is refused with a
sentence, one photo is removed and another added, the record is finalized and synced, the
record's view shows the thumbnails, and the server holds the shrunk JPEGs.

The second test sends the photos through the fault proxy: the officer's app knows only the proxy's
address, the link is cut halfway through a photo's chunk and stays down while the officer tries to
sync, then comes back; the officer syncs again and the server ends holding each photo once with
exactly its bytes, while the proxy's count shows no byte the server had was sent again."""

from __future__ import annotations

import hashlib
import io
import re
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from mobile.media.shrink import shrink
from schemas.media import CHUNK_BYTES
from tests.mobile.photo_helpers import camera_jpeg, small_jpeg
from tests.mobile.test_photo_sync_live import noisy_photo
from tests.system.fault_proxy import FaultProxy

from .conftest import ARTIFACTS
from .driver import App

pytestmark = pytest.mark.browser

PIN = "246810"
FORM = "Buổi tuyên truyền, phổ biến pháp luật"


def _choose_files(app: App, files: list[Path]) -> None:
    button = app.find(app.page.get_by_role("button", name="Chọn ảnh", exact=False))
    with app.page.expect_file_chooser(timeout=15_000) as chooser:
        button.click()
    chooser.value.set_files([str(f) for f in files])


def test_photos__attach_through_the_file_input_finalize_sync(live_server, app_url, phone, tmp_path):
    shots = tmp_path / "files"
    shots.mkdir()
    first, second, third = shots / "IMG_0001.jpg", shots / "IMG_0002.jpg", shots / "IMG_0003.jpg"
    first.write_bytes(camera_jpeg(4000, 3000, orientation=6))  # a camera photo, held upright
    second.write_bytes(small_jpeg(3, (1200, 900)))
    third.write_bytes(small_jpeg(5, (900, 1200)))
    document = shots / "bien-ban.pdf"
    document.write_bytes(b"%PDF-1.7\n" + b"not a photo\n" * 200)

    app = App(phone, ARTIFACTS)
    app.open(app_url)
    app.enroll(live_server.url, "canbo", "canbo123", PIN)

    app.button(FORM).click()
    app.text("Thông tin buổi tuyên truyền")
    app.fill("Địa điểm (thôn, bản, xã)", "Nhà văn hóa thôn Nà Hẩu")
    app.choose("Hội nghị")
    app.find(app.page.get_by_role("checkbox", name="Phòng, chống ma túy", exact=True)).click()

    app.text("Ảnh minh chứng", exact=False)
    app.text("0/5 ảnh")
    # One at a time: the browser's picker hands several files over in the order they finish
    # reading, so with both at once the small one was sometimes "anh-1" (the cut-link test below
    # chooses two at once and does not care which is which).
    _choose_files(app, [first])
    app.text("1/5 ảnh", timeout=30_000)
    app.text("Đã thêm 1 ảnh.", exact=False)
    _choose_files(app, [second])
    app.text("2/5 ảnh", timeout=30_000)
    app.find(app.page.get_by_role("button", name="Xóa ảnh anh-2.jpg", exact=True), tap=False)
    app.assert_fits_phone_width()
    app.shot("photo-1-two-attached")

    # Not a photo: refused with a sentence, nothing attached, nothing lost.
    _choose_files(app, [document])
    app.text("không phải là ảnh", exact=False, timeout=30_000)
    app.text("2/5 ảnh")
    app.shot("photo-2-pdf-refused")

    # Remove one, add another: the count follows, and no two photos of the question share a name.
    app.find(app.page.get_by_role("button", name="Xóa ảnh anh-2.jpg", exact=True)).click()
    app.text("1/5 ảnh")
    _choose_files(app, [third])
    app.text("2/5 ảnh", timeout=30_000)
    app.find(app.page.get_by_role("button", name="Xóa ảnh anh-2.jpg", exact=True), tap=False)
    app.shot("photo-3-replaced")

    # Saved as a draft and opened again: the photos come back, decrypted in memory for their thumbnails.
    app.button("Lưu nháp").click()
    app.text("Đã lưu nháp.", exact=False)
    app.tap("Nháp 1")
    app.tap_text(FORM, exact=False)
    app.button("Sửa phiếu").click()
    app.text("2/5 ảnh", timeout=30_000)
    app.find(app.page.get_by_role("button", name="Xóa ảnh anh-2.jpg", exact=True), tap=False)
    app.page.wait_for_timeout(1000)
    app.shot("photo-4-draft-reopened")

    app.button("Hoàn thành").click()
    app.text("Đã hoàn thành", exact=False)
    app.button("Đồng bộ ngay").click()  # finalizing also started a quiet sync: either sends them
    sent = [shrink(p.read_bytes()).sha256 for p in (first, third)]
    deadline = time.monotonic() + 60
    while not all(_on_server(live_server.url, sha) for sha in sent):
        assert time.monotonic() < deadline, "the photos did not reach the server"
        time.sleep(1)
    app.find(app.page.get_by_role("button", name=re.compile(r"^Đã gửi\s+1$")), timeout=30_000, scroll=False)
    app.page.wait_for_timeout(1500)
    assert app.page.get_by_text("ảnh chờ gửi", exact=False).count() == 0
    app.shot("photo-5-synced")

    # The record's view: the thumbnails and the photo count.
    app.tap("Đã gửi 1")
    app.tap_text(FORM, exact=False)
    app.text("2 ảnh", exact=False)
    app.text("anh-2.jpg")
    app.shot("photo-6-record-view")

    # Home: the officer can choose "photos only on Wi-Fi" (the web build counts as Wi-Fi).
    app.button("Quay lại").click()
    app.button("Quay lại").click()
    switch = app.find(app.page.get_by_role("switch", name="Ảnh chỉ gửi qua Wi-Fi"))
    switch.click()
    app.page.wait_for_timeout(500)
    assert switch.get_attribute("aria-checked") == "true"
    app.shot("photo-7-home-wifi-only")

    # On the server: two shrunk JPEGs, the camera photo upright and without its EXIF. Shrinking is
    # deterministic: the phone's hashes are the ones computed here from the same files.
    auth = {"Authorization": f"Bearer {_token(live_server.url)}"}
    for path, size in ((first, (1200, 1600)), (third, (900, 1200))):
        sha = shrink(path.read_bytes()).sha256
        got = requests.get(f"{live_server.url}/api/v1/media/{sha}", headers=auth, timeout=10)
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha
        img = Image.open(io.BytesIO(got.content))
        assert img.size == size and not img.getexif()
    removed = shrink(second.read_bytes()).sha256  # removed before finalizing: never sent
    got = requests.get(f"{live_server.url}/api/v1/media/{removed}", headers=auth, timeout=10)
    assert got.status_code == 404


_TOKENS: dict[str, str] = {}


def _token(url: str) -> str:
    """A device token of the same officer (the server serves a photo to the officer who sent it)."""
    if url not in _TOKENS:
        resp = requests.post(
            f"{url}/api/v1/enroll",
            json={"username": "canbo", "password": "canbo123", "device_id": "e2e-photos", "device_name": "t"},
            timeout=10,
        )
        resp.raise_for_status()
        _TOKENS[url] = resp.json()["device_token"]
    return _TOKENS[url]


def _on_server(url: str, sha: str) -> bool:
    got = requests.get(
        f"{url}/api/v1/media/{sha}/status", headers={"Authorization": f"Bearer {_token(url)}"}, timeout=10
    )
    return got.status_code == 200 and got.json().get("complete") is True


class CuttingProxy(FaultProxy):
    """The fault proxy between the app and the server, cutting one photo chunk mid-body and then
    keeping the link down until the test brings it back. It counts the photo bytes it hands the
    server: whole chunk bodies, and the piece of the one it cut."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(upstream)
        self.cut_at: int | None = None  # the chunk request (counted from the start) to cut
        self.down = False
        self.chunks = 0
        self.whole_chunk_bytes = 0
        self.cut_chunk_bytes = 0
        self.refused_while_down = 0
        self.cut_done = False  # the cut chunk's piece went and the server's connection was closed

    def _forward(self, raw: bytes, *, cut: bool = False) -> bytes:
        head, _, body = raw.partition(b"\r\n\r\n")
        is_chunk = head.startswith(b"PUT ") and b"/chunk" in head.split(b"\r\n", 1)[0]
        with self._lock:
            if self.down:  # no signal: the app's connection closes with no answer, nothing goes on
                self.refused_while_down += 1
                return b""
            if is_chunk:
                self.chunks += 1
                if self.chunks == self.cut_at:
                    cut, self.down = True, True
        if is_chunk and cut:
            sent = max(1, len(raw) - max(1, (len(raw) - raw.index(b"\r\n\r\n")) // 2))  # as FaultProxy cuts
            with self._lock:
                self.cut_chunk_bytes += max(0, sent - len(head) - 4)
        elif is_chunk:
            with self._lock:
                self.whole_chunk_bytes += len(body)
        answer = super()._forward(raw, cut=cut)
        if is_chunk and cut:
            self.cut_done = True
        return answer


def test_photos__a_link_cut_mid_chunk_resumes_and_sends_nothing_twice(live_server, app_url, phone, tmp_path):
    host, port = live_server.url.removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)))
    try:
        _cut_and_resume(live_server, proxy, app_url, phone, tmp_path)
    finally:
        proxy.close()


def _cut_and_resume(live_server, proxy: CuttingProxy, app_url, phone, tmp_path) -> None:
    shots = tmp_path / "files"
    shots.mkdir()
    files = [shots / "IMG_0101.jpg", shots / "IMG_0102.jpg"]
    for i, path in enumerate(files):
        path.write_bytes(noisy_photo(20 + i))  # noise shrinks badly: each photo is several chunks
    shrunk = [shrink(p.read_bytes()) for p in files]
    sizes = [len(s.jpeg) for s in shrunk]
    assert all(size > 2 * CHUNK_BYTES for size in sizes), sizes

    app = App(phone, ARTIFACTS)
    app.open(app_url)
    app.enroll(proxy.url, "canbo", "canbo123", PIN)  # the officer's app knows only the proxy's address

    app.button(FORM).click()
    app.text("Thông tin buổi tuyên truyền")
    app.fill("Địa điểm (thôn, bản, xã)", "Nhà văn hóa thôn Nà Hẩu")
    app.choose("Hội nghị")
    app.find(app.page.get_by_role("checkbox", name="Phòng, chống ma túy", exact=True)).click()
    _choose_files(app, files)
    app.text("2/5 ảnh", timeout=60_000)

    # The second chunk of the first photo is cut halfway through its body; the link then stays down.
    proxy.cut_at = proxy.chunks + 2
    app.button("Hoàn thành").click()  # finalizing starts a quiet sync: the record, then the photos
    app.text("Đã hoàn thành", exact=False)
    deadline = time.monotonic() + 90
    while not proxy.cut_done:
        assert time.monotonic() < deadline, "the photos' upload never reached the second chunk"
        time.sleep(0.5)
    time.sleep(1)  # the server has met the closed connection
    held = [_status(live_server.url, s.sha256) for s in shrunk]
    # One photo has its first chunk on the server, the other nothing yet: the cut chunk was not kept.
    assert sorted(h["received"] for h in held) == [0, CHUNK_BYTES], held
    assert not any(h["complete"] for h in held)
    # The quiet sync gives up (its retries meet a dead link); the officer tries while still offline.
    deadline = time.monotonic() + 60
    while True:
        app.button("Đồng bộ ngay").click()
        try:
            app.text("Chưa đồng bộ được", exact=False, timeout=30_000)
            break
        except Exception:
            assert time.monotonic() < deadline, "no sentence about the failed sync"
    app.text("2 ảnh chờ gửi", exact=False)
    assert proxy.refused_while_down > 0
    app.shot("photo-cut-1-link-down")

    # The link is back; the officer syncs again.
    proxy.down = False
    app.page.wait_for_timeout(1500)
    app.button("Đồng bộ ngay").click()
    app.text("Đã gửi 2 ảnh.", exact=False, timeout=90_000)
    app.shot("photo-cut-2-resumed")
    assert all(_on_server(live_server.url, s.sha256) for s in shrunk)
    app.page.wait_for_timeout(1000)
    assert app.page.get_by_text("ảnh chờ gửi", exact=False).count() == 0

    # Each photo once, with exactly its bytes; no part file left behind.
    auth = {"Authorization": f"Bearer {_token(live_server.url)}"}
    for s, size in zip(shrunk, sizes, strict=True):
        got = requests.get(f"{live_server.url}/api/v1/media/{s.sha256}", headers=auth, timeout=10)
        assert got.status_code == 200 and got.content == s.jpeg and len(got.content) == size
    stored = [p for p in Path(live_server.workdir).rglob("*.jpg") if "thumbs" not in p.parts]
    assert sorted(p.stem for p in stored) == sorted(s.sha256 for s in shrunk)
    assert not list(Path(live_server.workdir).rglob("*.part"))
    # Through the proxy: every whole chunk carried new bytes only. The cut chunk's piece never
    # counted on the server (it still held one chunk), and what the server had was never sent again.
    assert proxy.cut_chunk_bytes > 0
    assert proxy.whole_chunk_bytes == sum(sizes), (proxy.whole_chunk_bytes, sizes)
    print(
        f"photos {sizes} bytes; whole chunks forwarded {proxy.whole_chunk_bytes} bytes in {proxy.chunks - 1}"
        f" requests; the cut chunk's piece {proxy.cut_chunk_bytes} bytes; {proxy.refused_while_down}"
        " requests met the dead link"
    )


def _status(url: str, sha: str) -> dict:
    got = requests.get(
        f"{url}/api/v1/media/{sha}/status", headers={"Authorization": f"Bearer {_token(url)}"}, timeout=10
    )
    got.raise_for_status()
    return got.json()
