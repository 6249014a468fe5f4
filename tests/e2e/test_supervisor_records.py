"""A supervisor sees the records behind the figures, in a real Chromium (issue 16).

An officer's outreach session with two photos and three questions from the dialogue forum (a
repeat) is pushed and its photos uploaded through the API (``tests/support/record_view_data.py``).
The district's supervisor opens Tiến độ → Phiếu → the record and sees both thumbnails (drawn from
the server's JPEGs: their colours are counted on the screenshot) and the three repeat rows, then
a photo full size; a supervisor of another district lists nothing. At a phone's 360×640 and a
desk's 1280×800; screenshots ``suprec-*.png`` in test-artifacts/e2e/.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support.live_server import start_live_server
from tests.support.record_view_data import PLACE, QUESTIONS, add_other_district_supervisor, push_photo_record

from .conftest import ARTIFACTS, PHONE
from .driver import App

PIN = "135790"
TITLE = "Buổi tuyên truyền, phổ biến pháp luật"


@pytest.fixture
def server(tmp_path):
    live = start_live_server(tmp_path / "server")  # demo units and users, no demo records
    pushed = push_photo_record(live.url)
    other = add_other_district_supervisor(live)
    yield live, pushed, other
    live.stop()


def _shot(app: App, name: str) -> bytes:
    """A screenshot with the pointer parked off the controls; returns the PNG."""
    size = app.page.viewport_size or PHONE
    app.page.mouse.move(2, size["height"] - 2)
    return app.shot(name).read_bytes()


def _pixels_like(png: bytes, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels of the screenshot are close to ``colour`` (a thumbnail's stripes)."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(
        1 for px in img.getdata() if all(abs(a - b) <= tolerance for a, b in zip(px, colour, strict=True))
    )


def _to_records(app: App, server_url: str, username: str, password: str) -> None:
    app.enroll(server_url, username, password, PIN)
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)
    app.button("Tiến độ kế hoạch").click()
    app.button("Phiếu", timeout=30_000).click()
    app.text("Phiếu đã gửi", timeout=30_000)


def _check_record(app: App, prefix: str) -> None:
    """On the record: both thumbnails drawn, the three repeat rows, then a photo full size."""
    app.text(PLACE, timeout=30_000)
    app.scroll_top()
    app.text("Ảnh (2)")
    for name in ("buoi-doi-thoai.jpg", "nguoi-dan-hoi.jpg"):
        # named so once its thumbnail is in (the name also holds the caption below it)
        app.find(app.page.get_by_role("button", name=f"Xem ảnh {name}"), timeout=30_000, tap=False)
    png = _shot(app, f"suprec-{prefix}-02-record")
    # the thumbnails are on the canvas, not just in the semantics tree: red and blue stripes
    assert _pixels_like(png, (200, 40, 40)) > 500 and _pixels_like(png, (40, 90, 200)) > 500
    app.text("Câu hỏi người dân nêu (3 mục)")
    for topic, *_ in QUESTIONS:
        app.text(topic)  # a table row at a desk, "1. …" block on a phone
    app.text("Hướng dẫn làm tại công an xã")
    last = "Được hoãn khi học chính quy"  # the last row's answer: the rows in view for the screenshot
    app.find(app.page.get_by_text(last, exact=False).or_(app.page.get_by_label(last, exact=False)))
    _shot(app, f"suprec-{prefix}-03-repeat-rows")
    app.scroll_top()
    app.find(app.page.get_by_role("button", name="Xem ảnh buoi-doi-thoai.jpg")).click()
    app.button("Đóng", timeout=30_000)
    png = _shot(app, f"suprec-{prefix}-04-photo")
    assert _pixels_like(png, (200, 40, 40)) > 5_000  # the photo itself, much larger than a thumbnail
    app.button("Đóng").click()
    app.page.wait_for_timeout(500)


def test_supervisor_records__phone(server, app_url, phone):
    live, _pushed, _other = server
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    _to_records(app, live.url, "giamsat", "giamsat123")
    app.text(TITLE, timeout=30_000)
    app.text("Nguyễn Văn An", exact=False)
    app.text("2 ảnh")  # the photo count on the line
    _shot(app, "suprec-phone-01-list")
    app.assert_fits_phone_width()
    app.tap_text(TITLE)
    _check_record(app, "phone")
    app.assert_fits_phone_width()
    app.button("Quay lại").click()
    app.text("Phiếu đã gửi")
    app.button("Quay lại").click()
    app.button("Phiếu", timeout=30_000)  # back on the progress screen


def test_supervisor_records__another_district_sees_nothing(server, app_url, phone):
    live, _pushed, (other_user, other_password) = server
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    _to_records(app, live.url, other_user, other_password)
    app.text("Không có phiếu nào trong kỳ này.", timeout=30_000)
    assert not phone.get_by_text(TITLE).count() and not phone.get_by_label(TITLE).count()
    _shot(app, "suprec-phone-05-other-district")


def test_supervisor_records__desk(server, app_url, desk):
    live, _pushed, _other = server
    app = App(desk, ARTIFACTS)
    app.open(app_url)
    _to_records(app, live.url, "giamsat", "giamsat123")
    app.text("Tóm tắt", timeout=30_000)  # the list is a table at a desk
    app.text("Nguyễn Văn An", exact=True)
    _shot(app, "suprec-desk-01-list")
    app.button(TITLE).click()
    _check_record(app, "desk")

    # Offline: the list says the records need a connection.
    app.button("Quay lại").click()
    app.text("Phiếu đã gửi")
    live.stop()
    app.button("Tải số liệu mới").click()
    app.text("Xem phiếu cần kết nối mạng", exact=False, timeout=30_000)
    _shot(app, "suprec-desk-05-offline")
