"""Sections and a repeat on a phone-sized screen (360×640), against a real sync server: an officer
records a dialogue forum with three questions raised (one removed, one moved up), the error summary
names the section, the record is finalized and synced, and the server's export has one row per
question, joined to the record by its id."""

from __future__ import annotations

import io

import openpyxl
import pytest
import requests

from .conftest import ARTIFACTS
from .driver import App

pytestmark = pytest.mark.browser

PIN = "246810"
ADD = "Thêm: Câu hỏi người dân nêu"
TOPIC = "Nội dung câu hỏi"
PASSED_ON = "Chưa, chuyển cơ quan có thẩm quyền"


def _nth_box(app: App, n: int):
    return app.find(app.page.get_by_role("textbox", name=TOPIC).nth(n))


def _type(app: App, n: int, value: str) -> None:
    box = _nth_box(app, n)
    box.click()
    app.page.wait_for_timeout(100)
    app.page.keyboard.press("Control+A")
    app.page.keyboard.press("Backspace")
    app.page.keyboard.type(value)


def test_repeats__three_questions_raised_sections_sync_and_the_export(live_server, app_url, phone):
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    app.enroll(live_server.url, "canbo", "canbo123", PIN)

    app.button("Buổi tuyên truyền, phổ biến pháp luật").click()
    app.text("Thông tin buổi tuyên truyền")  # the first section's heading
    app.fill("Địa điểm (thôn, bản, xã)", "Nhà văn hóa thôn Nà Hẩu")
    app.choose("Diễn đàn đối thoại")
    app.find(app.page.get_by_role("checkbox", name="Phòng, chống ma túy", exact=True)).click()
    app.text("Đối thoại chính sách, pháp luật")  # the forum's section appears for a dialogue forum

    for _ in range(4):
        app.find(app.page.get_by_role("button", name=ADD, exact=True)).click()
        app.page.wait_for_timeout(300)
    _type(app, 0, "Đất rừng giao khoán")
    _type(app, 1, "Câu hỏi nhập nhầm")
    _type(app, 2, "Kết hôn với người nước ngoài")
    _type(app, 3, "Thủ tục đăng ký tạm trú")
    app.shot("R01-four-entries")
    # remove the mistaken second entry, then move the last one up to second place
    app.find(app.page.get_by_role("button", name="Xóa mục này", exact=True).nth(1)).click()
    app.page.wait_for_timeout(300)
    app.find(app.page.get_by_role("button", name="Chuyển lên", exact=True).nth(2)).click()
    app.page.wait_for_timeout(300)

    # Finalizing without saying whether each question was answered: the summary names the section.
    app.button("Hoàn thành").click()
    app.text("Đối thoại chính sách, pháp luật: 3 lỗi", exact=False)
    app.assert_fits_phone_width()
    app.shot("R02-errors-in-the-forum-section")
    for n in range(3):
        app.find(app.page.get_by_role("radio", name=PASSED_ON, exact=True).nth(n)).click()
        app.page.wait_for_timeout(200)
    app.button("Hoàn thành").click()
    app.text("Đã hoàn thành", exact=False)
    app.button("Đồng bộ ngay").click()
    app.text("Đã gửi", exact=False, timeout=30_000)

    token = requests.post(
        f"{live_server.url}/api/v1/enroll",
        json={"username": "canbo", "password": "canbo123", "device_id": "e2e-check", "device_name": "test"},
        timeout=10,
    ).json()["device_token"]
    resp = requests.get(
        f"{live_server.url}/api/v1/exports/records.xlsx",
        params={"form_id": "outreach_session", "unit": "HN-SS-MT"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    records = list(wb["Phiếu"].iter_rows(values_only=True))
    assert len(records) == 2
    rows = list(wb["Câu hỏi người dân nêu"].iter_rows(values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        (records[1][0], 1, "Đất rừng giao khoán"),
        (records[1][0], 2, "Thủ tục đăng ký tạm trú"),
        (records[1][0], 3, "Kết hôn với người nước ngoài"),
    ]
