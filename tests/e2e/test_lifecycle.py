"""A record's whole life on the phone, in Chromium at 360×640, against a real sync server.

1. draft → edit → finalize (offline) → edit before it is sent → sync → void with a reason → sync:
   the server's tally counts it, then stops counting it.
2. a record the server refuses lands in "needs fixing", says why, is fixed and goes through.
3. search and filters; the dark theme; English; a half-typed form survives the app being killed.

Every screen is checked for horizontal overflow and photographed into test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.live_server import free_port, start_live_server

from .conftest import ARTIFACTS, PHONE
from .driver import App, AppProcess

pytestmark = pytest.mark.browser

PIN = "246810"
PLAN, UNIT = "hanoi_pbgdpl_2021_2027", "HN-SS-MT"
CORRECT_ANSWERS = [
    "Qua lại biên giới không qua cửa khẩu, không có giấy tờ hợp lệ",
    "Bị xử phạt và có thể bị đưa vào cai nghiện bắt buộc",
    "Đội mũ bảo hiểm và cài quai đúng quy cách",
    "Đăng ký tạm trú",
    "Cảnh giác, báo cho công an hoặc Bộ đội Biên phòng",
    "Nhờ tổ hòa giải ở cơ sở",
]


# ---- helpers -------------------------------------------------------------------------------------------


def count_on_home(app: App, label: str) -> int:
    """The number on a home tile ("Nháp 2")."""
    tile = app.find(app.page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\s+\d+$")))
    return int(tile.inner_text().split()[-1])


def wait_count(app: App, label: str, expected: int, timeout: float = 30) -> None:
    app.find(
        app.page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\s+{expected}$")),
        timeout=timeout * 1000,
        scroll=False,
    )


def fill_survey_person(app: App, ethnicity: str) -> None:
    app.choose("Nhân dân")
    app.choose("30–44")
    app.choose("Nữ")
    app.fill("Dân tộc", ethnicity)
    app.choose("Không")


def answer_quiz(app: App) -> None:
    for answer in CORRECT_ANSWERS:
        app.choose(answer)


def understanding(server_url: str, year: int | None = None) -> tuple[float, float]:
    """Indicator 1 (legal understanding) of the officer's commune in ``year``: (numerator, denominator)."""
    token = requests.post(
        f"{server_url}/api/v1/enroll",
        json={"username": "canbo", "password": "canbo123", "device_id": "e2e-check", "device_name": "test"},
        timeout=10,
    ).json()["device_token"]
    year = year or datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    tallies = requests.get(
        f"{server_url}/api/v1/tallies",
        params={"plan_id": PLAN, "unit": UNIT, "start": f"{year}-01-01", "end": f"{year}-12-31"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    i1 = next(i for i in tallies["totals"] if i["indicator_id"] == "i1_understanding")
    return i1["numerator"], i1["denominator"]


def shot(app: App, name: str) -> None:
    app.assert_fits_phone_width()
    app.shot(name)


# ---- 1. the lifecycle ------------------------------------------------------------------------------------


def test_lifecycle__draft_edit_finalize_edit_sync_void_and_the_tally_drops(live_server, app_url, phone):
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    app.enroll(live_server.url, "canbo", "canbo123", PIN)
    assert understanding(live_server.url) == (0, 0)

    # No signal from here on: everything must still work, and wait in the outbox.
    live_server.stop()

    # A new survey, left half-done with the back arrow: it becomes a draft.
    app.button("Phiếu khảo sát nhận thức pháp luật").click()
    app.text("Ngày khảo sát", exact=False)
    app.page.wait_for_timeout(500)
    app.choose("Nhân dân")
    app.fill("Dân tộc", "Tày")
    app.scroll_top()
    app.button("Quay lại").click()
    wait_count(app, "Nháp", 1)
    app.text("Không có mạng", exact=False, timeout=30_000)
    shot(app, "L01-home-offline-one-draft")

    # The drafts list shows it; open it and edit it to the end; finalize.
    app.tap("Nháp 1")
    app.text("Tìm thấy 1 phiếu")
    app.text("Tày · Nhân dân")
    shot(app, "L02-drafts-list")
    app.tap_text("Phiếu khảo sát nhận thức pháp luật")
    app.text("Trạng thái: Nháp")
    shot(app, "L03-draft-detail")
    app.button("Sửa phiếu").click()
    app.choose("30–44")
    app.choose("Nữ")
    app.choose("Không")
    answer_quiz(app)
    app.button("Hoàn thành").click()
    wait_count(app, "Chờ gửi", 1)
    assert count_on_home(app, "Nháp") == 0

    # Still offline: the record can be corrected before it goes.
    app.tap("Chờ gửi 1")
    app.tap_text("Phiếu khảo sát nhận thức pháp luật")
    app.text("chưa được gửi", exact=False)
    shot(app, "L04-pending-detail")
    app.button("Sửa phiếu").click()
    app.fill("Dân tộc", "Nùng")
    app.button("Hoàn thành").click()
    wait_count(app, "Chờ gửi", 1)

    # Back online: one sync sends the corrected record, once.
    live_server.start()
    app.button("Đồng bộ ngay").click()
    wait_count(app, "Đã gửi", 1)
    assert count_on_home(app, "Chờ gửi") == 0
    app.text("Có mạng", exact=True)
    shot(app, "L05-home-after-sync")
    assert understanding(live_server.url) == (1, 1)

    # The sent record shows the correction; it can be corrected again or voided: void it with a reason.
    app.tap("Đã gửi 1")
    app.text("Nùng · Nhân dân · 30–44")  # the list's summary of the record
    app.tap_text("Phiếu khảo sát nhận thức pháp luật")
    app.text("Trạng thái: Đã gửi")
    # sent: corrected as a new revision (the button says so), or voided
    app.button("Sửa phiếu đã gửi (gửi bản sửa)")
    assert app.page.get_by_role("button", name="Sửa phiếu", exact=True).count() == 0
    app.button("Hủy phiếu").click()
    app.text("Hủy phiếu này?")
    app.button("Đồng ý").click()
    app.page.wait_for_timeout(500)
    app.text("Hủy phiếu này?")  # no reason, no void: the dialog stays, its box says why (see the shot)
    shot(app, "L06-void-needs-a-reason")
    app.fill("Lý do hủy", "Phỏng vấn nhầm người ngoài địa bàn")
    app.button("Đồng ý").click()
    app.text("Trạng thái: Đã hủy")
    app.text("Lý do hủy: Phỏng vấn nhầm người ngoài địa bàn")
    shot(app, "L07-voided-detail")

    # The void goes as a new revision (synced at once), and the tally no longer counts the record.
    deadline = datetime.now() + timedelta(seconds=30)
    while understanding(live_server.url) != (0, 0):
        assert datetime.now() < deadline, "the void did not reach the server's tallies"
        app.page.wait_for_timeout(500)
    app.button("Quay lại").click()
    app.text("Tìm thấy 1 phiếu")
    app.button("Quay lại").click()
    wait_count(app, "Chờ gửi", 0)
    assert count_on_home(app, "Đã gửi") == 1


# ---- 2. a record the server refuses ----------------------------------------------------------------------

PHONE_TZ, SERVER_TZ = "Pacific/Kiritimati", "Etc/GMT+12"  # UTC+14 and UTC-12: 26 hours apart


@pytest.fixture
def skewed(tmp_path, monkeypatch):
    """A sync server keeping UTC-12 dates and a phone living in UTC+14, as with a wrongly set phone.

    The phone's own checks accept a date up to its tomorrow; for the server that day is at least two
    days ahead, beyond the one day of slack it allows, so it refuses the record: a realistic way for
    a record to pass every check on the phone and still be rejected.
    """
    monkeypatch.setenv("FIELDTALLY_TIMEZONE", SERVER_TZ)
    server = start_live_server(tmp_path / "server")
    app = AppProcess(tmp_path / "appdata", free_port(), tmp_path / "app.log", env={"TZ": PHONE_TZ})
    app.start()
    try:
        yield server, app
    finally:
        app.stop()
        server.stop()


def test_lifecycle__a_refused_record_waits_in_needs_fixing_is_fixed_and_resent(skewed, phone):
    server, proc = skewed
    phone_tomorrow = datetime.now(ZoneInfo(PHONE_TZ)).date() + timedelta(days=1)
    good_day = datetime.now(ZoneInfo(SERVER_TZ)).date() - timedelta(days=1)
    app = App(phone, ARTIFACTS)
    app.open(proc.url)
    app.enroll(server.url, "canbo", "canbo123", PIN)

    app.button("Phiếu khảo sát nhận thức pháp luật").click()
    app.text("Ngày khảo sát", exact=False)
    app.page.wait_for_timeout(500)
    app.fill("Ngày khảo sát", phone_tomorrow.strftime("%d/%m/%Y"))
    fill_survey_person(app, "Dao")
    answer_quiz(app)
    app.button("Hoàn thành").click()

    # The phone took it; the server did not: it waits under "needs fixing", with the reason.
    wait_count(app, "Cần sửa", 1)
    assert count_on_home(app, "Đã gửi") == 0 and count_on_home(app, "Chờ gửi") == 0
    shot(app, "N01-home-needs-fixing")
    app.tap("Cần sửa 1")
    app.text("không được ở tương lai", exact=False)  # the server's reason, on the list already
    shot(app, "N02-needs-fixing-list")
    app.tap_text("Phiếu khảo sát nhận thức pháp luật")
    app.text("Máy chủ từ chối phiếu này vì:")
    app.text("Trạng thái: Cần sửa")
    shot(app, "N03-rejected-detail")

    # Fix the date and finalize: it goes again, as a new revision, and is counted.
    app.button("Sửa phiếu").click()
    app.fill("Ngày khảo sát", good_day.strftime("%d/%m/%Y"))
    app.button("Hoàn thành").click()
    wait_count(app, "Đã gửi", 1)
    wait_count(app, "Cần sửa", 0)
    assert understanding(server.url, good_day.year) == (1, 1)


# ---- 3. finding records, dark theme, English, and a form that outlives the app ---------------------------


@pytest.fixture
def restartable(tmp_path):
    app = AppProcess(tmp_path / "appdata", free_port(), tmp_path / "app.log")
    app.start()
    try:
        yield app
    finally:
        app.stop()


def test_lifecycle__search_filter_theme_language_and_autosave_survives_a_kill(
    live_server, restartable, phone
):
    app = App(phone, ARTIFACTS)
    app.open(restartable.url)
    app.enroll(live_server.url, "canbo", "canbo123", PIN)
    today = datetime.now().date()
    week_ago = today - timedelta(days=7)

    # Two drafts: a survey today (Tày) and a session a week ago (Bản Lác).
    app.button("Phiếu khảo sát nhận thức pháp luật").click()
    app.text("Ngày khảo sát", exact=False)
    app.page.wait_for_timeout(500)
    app.fill("Dân tộc", "Tày")
    app.button("Quay lại").click()
    wait_count(app, "Nháp", 1)
    app.button("Buổi tuyên truyền, phổ biến pháp luật").click()
    app.text("Ngày tổ chức", exact=False)
    app.page.wait_for_timeout(500)
    app.fill("Ngày tổ chức", week_ago.strftime("%d/%m/%Y"))
    app.fill("Địa điểm (thôn, bản, xã)", "Bản Lác")
    app.button("Quay lại").click()
    wait_count(app, "Nháp", 2)
    # A form opened and left untouched makes no draft.
    app.button("Phiếu khảo sát nhận thức pháp luật").click()
    app.text("Ngày khảo sát", exact=False)
    app.button("Quay lại").click()
    app.button("Tìm và xem phiếu")
    assert count_on_home(app, "Nháp") == 2

    # Search without tone marks, then by form, then by date.
    app.tap("Tìm và xem phiếu")
    app.text("Tìm thấy 2 phiếu")
    app.fill("Tìm phiếu", "ban lac")
    app.text("Tìm thấy 1 phiếu")
    app.text("Bản Lác", exact=False)
    shot(app, "S01-search")
    app.fill("Tìm phiếu", "")
    app.page.keyboard.press("Enter")
    app.text("Tìm thấy 2 phiếu")
    app.tap("Lọc theo biểu mẫu, ngày")
    app.find(app.page.get_by_role("button", name=re.compile("Biểu mẫu|Tất cả"))).click()
    app.tap_text("Phiếu khảo sát nhận thức pháp luật", exact=True)
    app.text("Tìm thấy 1 phiếu")
    app.text("Tày", exact=False)
    shot(app, "S02-filter-form")
    app.tap("Bỏ lọc")
    app.text("Tìm thấy 2 phiếu")
    app.tap("Lọc theo biểu mẫu, ngày")
    app.fill("Đến ngày", "31/02/2026")  # not a date: refused, and the list stays as it was
    app.page.keyboard.press("Enter")
    app.text("Tìm thấy 2 phiếu")
    app.fill("Đến ngày", (today - timedelta(days=1)).strftime("%d/%m/%Y"))
    app.page.keyboard.press("Enter")
    app.text("Tìm thấy 1 phiếu")
    app.text("Bản Lác", exact=False)
    shot(app, "S03-filter-date")
    app.find(app.page.get_by_role("checkbox", name="Đã gửi", exact=True)).click()  # the status chip
    app.text("Tìm thấy 0 phiếu")
    app.button("Quay lại").click()

    # Dark theme, kept across a restart; English and back.
    app.button("Giao diện tối").click()
    app.button("Giao diện sáng")
    shot(app, "S04-home-dark")
    app.button("English").click()
    app.button("Sync now")
    app.text("Drafts", exact=False)
    shot(app, "S05-home-english-dark")
    app.button("Tiếng Việt").click()
    app.button("Đồng bộ ngay")

    # A new survey, half typed; the app is killed (no warning, as Android does) and started again.
    app.button("Phiếu khảo sát nhận thức pháp luật").click()
    app.text("Ngày khảo sát", exact=False)
    app.page.wait_for_timeout(500)
    app.choose("Nam")
    app.fill("Dân tộc", "Khơ Mú")
    app.text("Đã tự lưu lúc", exact=False, timeout=10_000)
    app.page.wait_for_timeout(2000)  # the last keystrokes too
    shot(app, "S06-form-autosaved")
    app.page.goto("about:blank")  # the closed page's client must not keep reconnecting meanwhile
    restartable.kill()
    restartable.start()
    # A fresh browser context (its own renderer), as a phone starts the app anew after a kill.
    fresh = phone.context.browser.new_context(viewport=PHONE, device_scale_factor=1, locale="vi-VN")
    app = App(fresh.new_page(), ARTIFACTS)
    app.open(restartable.url)
    app.unlock(PIN)
    app.text("Đã khôi phục phiếu đang nhập dở.")
    app.text("Ngày khảo sát", exact=False)
    shot(app, "S07-form-restored")
    app.button("Lưu nháp").click()
    wait_count(app, "Nháp", 3)
    app.button("Giao diện sáng")  # still dark after the restart
    app.tap("Nháp 3")
    app.text("Khơ Mú · Nam", exact=False)
    shot(app, "S08-drafts-dark")
