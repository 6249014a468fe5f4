"""Photos in the web build at 360×640, against a real sync server: the officer attaches two photos
through the browser's file input (one of them a camera photo with EXIF), a PDF is refused with a
sentence, one photo is removed and another added, the record is finalized and synced, the
record's view shows the thumbnails, and the server holds the shrunk JPEGs."""

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
from tests.mobile.photo_helpers import camera_jpeg, small_jpeg

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
    _choose_files(app, [first, second])
    app.text("2/5 ảnh", timeout=30_000)
    app.text("Đã thêm 2 ảnh.", exact=False)
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
