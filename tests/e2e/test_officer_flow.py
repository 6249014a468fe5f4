"""An officer's first day, end to end in Chromium at 360×640:
enroll → set PIN → fill an awareness survey in Vietnamese → finalize → sync → progress shows it."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from .conftest import ARTIFACTS
from .driver import App

PLAN = "hanoi_pbgdpl_2021_2027"

pytestmark = pytest.mark.browser

PIN = "246810"


def test_officer_flow__survey_reaches_the_progress_screen(live_server, app_url, phone):
    app = App(phone, ARTIFACTS)
    app.open(app_url)

    # First run: server address and account.
    app.text("Đăng ký thiết bị")
    app.fill("Địa chỉ máy chủ", live_server.url)
    app.fill("Tên đăng nhập", "canbo")
    app.fill("Mật khẩu", "sai-mat-khau")
    app.shot("01-enroll")
    app.button("Đăng ký").click()
    app.text("Sai tên đăng nhập hoặc mật khẩu", exact=False)  # a clear message, in Vietnamese
    app.fill("Mật khẩu", "canbo123")
    app.button("Đăng ký").click()

    # PIN: a mismatch is refused with a message, then a good PIN opens the app.
    app.text("Đặt mã PIN")
    app.fill("Mã PIN", PIN)
    app.fill("Nhập lại mã PIN", "135799")
    app.button("Lưu mã PIN").click()
    app.text("Hai mã PIN không khớp.")
    app.fill("Nhập lại mã PIN", PIN)
    app.shot("02-set-pin")
    app.button("Lưu mã PIN").click()

    app.text("Nguyễn Văn An", exact=False)
    app.shot("03-home")

    # A survey: finalize too early is refused with per-question messages.
    app.button("Phiếu khảo sát nhận thức pháp luật").click()
    app.text("Ngày khảo sát", exact=False)
    app.shot("04-survey-empty")
    app.button("Hoàn thành").click()
    # Under the form the summary names the questions, and the screen is taken to the first of them
    # (the button was tapped at the bottom of a long form). Read without scrolling: the driver's
    # find() scrolls to what it looks for.
    summary = app.page.get_by_text("lỗi cần sửa: ", exact=False).or_(app.page.get_by_label("lỗi cần sửa: "))
    summary.first.wait_for(state="attached", timeout=15_000)
    words = summary.first.text_content() or summary.first.get_attribute("aria-label") or ""
    first = words.split(": ", 1)[1].split(", ")[0].split("\n")[0].rstrip(".…")
    label = app.page.get_by_text(f"{first} *", exact=True).or_(app.page.get_by_text(first, exact=True)).first
    deadline = time.monotonic() + 10
    while True:
        box = label.bounding_box(timeout=5_000) if label.count() else None
        if box is not None and 0 <= box["y"] < 640:
            break
        assert time.monotonic() < deadline, (first, box)
        app.page.wait_for_timeout(250)
    app.text("là bắt buộc", exact=False)
    app.shot("05-survey-errors")
    app.scroll_top()

    app.choose("Nhân dân")
    app.choose("30–44")
    app.choose("Nữ")
    app.fill("Dân tộc", "Tày")
    app.choose("Không")
    for answer in [
        "Qua lại biên giới không qua cửa khẩu, không có giấy tờ hợp lệ",
        "Bị xử phạt và có thể bị đưa vào cai nghiện bắt buộc",
        "Đội mũ bảo hiểm và cài quai đúng quy cách",
        "Đăng ký tạm trú",
        "Cảnh giác, báo cho công an hoặc Bộ đội Biên phòng",
        "Nhờ tổ hòa giải ở cơ sở",
    ]:
        app.choose(answer)
    app.shot("06-survey-filled")
    # Every problem fixed: the count of errors under the form has gone with them.
    assert app.page.get_by_text("lỗi cần sửa", exact=False).count() == 0
    app.button("Hoàn thành").click()

    # Finalizing triggers a sync; the home screen shows the record sent.
    app.text("Nguyễn Văn An", exact=False)
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)
    app.shot("07-home-after-sync")

    # The server counted it exactly once.
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year  # the survey is dated today, in Vietnam
    tallies = requests.get(
        f"{live_server.url}/api/v1/tallies",
        params={"plan_id": PLAN, "unit": "HN-SS-MT", "start": f"{year}-01-01", "end": f"{year}-12-31"},
        headers={"Authorization": f"Bearer {_token(live_server.url)}"},
        timeout=10,
    ).json()
    i1 = next(i for i in tallies["totals"] if i["indicator_id"] == "i1_understanding")
    assert (i1["numerator"], i1["denominator"]) == (1, 1)

    # The progress screen shows the new count, from the cache.
    app.button("Tiến độ kế hoạch").click()
    app.text("Số liệu tính đến", exact=False)
    app.text("1 / 1", exact=False)
    app.shot("08-progress")


def _token(url: str) -> str:
    resp = requests.post(
        f"{url}/api/v1/enroll",
        json={"username": "canbo", "password": "canbo123", "device_id": "e2e-check", "device_name": "test"},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["device_token"]
