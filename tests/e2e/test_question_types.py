"""Every question type, in Chromium at 360×640, on a form that reached the phone by a pull.

The "field check" form is an XLSForm workbook (tests/xlsform/workbooks.py)
that the admin command converts and publishes into the running server's
database; the phone gets it on its next sync. That is the path a real new
form takes, and it keeps a trial form out of every officer's shipped app.
Then a second version is published: the draft made on version 1 still opens
and is finished on version 1, and a new record uses version 2.
"""

from __future__ import annotations

import time

import pytest

from sync_server.cli.import_xlsform import main as import_xlsform
from tests.xlsform import workbooks

from .conftest import ARTIFACTS
from .driver import App

pytestmark = pytest.mark.browser

PIN = "246810"


def _publish(live_server, tmp_path, version: int) -> None:
    wb = workbooks.field_check(tmp_path, version=version)
    assert import_xlsform([str(wb), "--publish", "--database-url", live_server.database_url]) == 0


def _stored_records(live_server) -> list:
    from sqlalchemy import select

    from sync_server.config import get_settings
    from sync_server.db import Database
    from sync_server.models import RecordRow

    db = Database.from_settings(get_settings().with_changes(database_url=live_server.database_url))
    try:
        with db.session() as s:
            return [
                (r.form_id, r.form_version, r.status, dict(r.answers)) for r in s.scalars(select(RecordRow))
            ]
    finally:
        db.dispose()


def _type_exact(app: App, name: str, value: str) -> None:
    box = app.find(app.page.get_by_role("textbox", name=name, exact=True))
    box.click()
    app.page.wait_for_timeout(300)  # let the focus land before the keys do
    app.page.keyboard.press("Control+A")
    app.page.keyboard.type(value)


def _enroll(app: App, server_url: str) -> None:
    app.text("Đăng ký thiết bị")
    app.fill("Địa chỉ máy chủ", server_url)
    app.fill("Tên đăng nhập", "canbo")
    app.fill("Mật khẩu", "canbo123")
    app.button("Đăng ký").click()
    app.text("Đặt mã PIN")
    app.page.wait_for_timeout(500)  # the PIN screen is still settling; a key typed now can be lost
    home = app.page.get_by_role("button", name="Đồng bộ ngay", exact=True)
    refused = app.page.get_by_text("Mã PIN gồm 6 đến 12 chữ số", exact=False)
    for _ in range(
        3
    ):  # a key typed while the screen settles can be lost; the app then says so, and we retype
        _type_exact(app, "Nhập lại mã PIN", PIN)
        # A tap on the first PIN box does not always focus it: back past its "show the PIN" button.
        app.page.keyboard.press("Shift+Tab")
        app.page.keyboard.press("Shift+Tab")
        app.page.wait_for_timeout(300)
        app.page.keyboard.press("Control+A")
        app.page.keyboard.type(PIN)
        app.button("Lưu mã PIN").click()
        # making the vault's key is slow on a busy machine
        home.or_(refused).first.wait_for(state="visible", timeout=60_000)
        if home.count():
            return
        app.page.wait_for_timeout(1_000)
    raise AssertionError("the PIN could not be set")


def _open_field_check(live_server, app_url, phone, tmp_path) -> App:
    """Version 1 published, the phone enrolled and synced, the pulled form open."""
    _publish(live_server, tmp_path, version=1)
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    _enroll(app, live_server.url)
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)
    app.button("Phiếu kiểm tra").click()  # the pulled form has its own button on the home screen
    app.text("Phiếu thử: điền thử mọi loại câu hỏi.")
    return app


def test_question_types__every_type_on_a_pulled_form(live_server, app_url, phone, tmp_path):
    app = _open_field_check(live_server, app_url, phone, tmp_path)
    app.shot("qt-01-top")
    app.assert_fits_phone_width()

    # Finalizing an empty form names what is missing, in Vietnamese.
    app.button("Hoàn thành").click()
    app.text("«Địa điểm» là bắt buộc.")
    app.scroll_top()

    # Time (typed the way people write it), text, long text.
    app.fill("Giờ bắt đầu", "7h30")
    app.fill("Địa điểm *", "Đồn Biên phòng A Pa Chải")
    app.fill("Ghi chép", "Buổi sáng nói chuyện ở nhà văn hóa bản.")

    # Integer with − / + steppers; a constraint with its own message.
    app.fill("Số nhóm", "25")
    app.fill("Số giờ", "1,5")
    app.shot("qt-02-text-and-numbers")

    # Relevance: "Số tờ rơi" appears only once leaflets were handed out.
    assert phone.get_by_role("textbox", name="Số tờ rơi").count() == 0
    app.choose("Có")
    app.fill("Số tờ rơi *", "120")
    app.button("Tăng Số tờ rơi").click()
    app.shot("qt-03-relevance")

    # Multiple choice.
    app.find(phone.get_by_role("checkbox", name="Biên giới quốc gia")).click()
    app.find(phone.get_by_role("checkbox", name="Phòng, chống ma túy")).click()

    # Location, typed where the phone has no location service.
    app.text("Nhập vĩ độ, kinh độ", exact=False)
    app.fill("Vĩ độ", "22,84")  # a comma is fine
    app.fill("Kinh độ", "104.98")
    app.shot("qt-04-choices-location")

    # Or the device's own location (the browser's here), once the officer allows it.
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 22.8412, "longitude": 104.9836, "accuracy": 12})
    app.tap("Lấy vị trí của máy")
    app.text("Đã lấy vị trí (sai số khoảng 12 m).")
    app.shot("qt-04b-device-location")

    # Count grid: audience groups by sex, with totals; the calculated total follows.
    app.text("Số lượt người tham dự")
    app.fill("Cán bộ — Nữ", "3")
    app.fill("Cán bộ — Nam", "4")
    app.fill("Nhân dân — Nữ", "20")
    app.fill("Học sinh — Nam", "1.200")
    app.text("Tổng số lượt:", exact=False)
    app.text("1.227")
    app.shot("qt-05-count-grid")
    app.assert_fits_phone_width()

    # The number of groups is out of range: the form's own message shows under it.
    app.button("Hoàn thành").click()
    app.scroll_top()
    app.text("Từ 0 đến 20 nhóm")
    app.shot("qt-06-constraint-message")
    app.fill("Số nhóm", "")
    for _ in range(3):
        app.button("Tăng Số nhóm").click()
    app.button("Giảm Số nhóm").click()
    app.button("Hoàn thành").click()
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)

    stored = [r for r in _stored_records(live_server) if r[0] == workbooks.FIELD_CHECK_ID]
    assert len(stored) == 1
    form_id, version, status, answers = stored[0]
    assert (version, status) == (1, "final")
    assert answers["check_time"] == "07:30"
    assert answers["groups"] == 2
    assert answers["hours"] == 1.5
    assert answers["leaflets"] == 121
    assert sorted(answers["topics"]) == ["border", "drugs"]
    assert answers["location"] == {"lat": 22.8412, "lon": 104.9836, "accuracy": 12.0}
    assert answers["attendance"] == {
        "cadres": {"female": 3, "male": 4},
        "citizens": {"female": 20},
        "students": {"male": 1200},
    }
    assert answers["total"] == 1227  # computed by the server as well as shown on the phone
    assert "intro" not in answers


def test_question_types__a_draft_on_version_1_is_finished_after_version_2_arrives(
    live_server, app_url, phone, tmp_path
):
    # A record started on version 1 and left as a draft.
    app = _open_field_check(live_server, app_url, phone, tmp_path)
    app.fill("Địa điểm *", "Bản Khe")
    app.scroll_top()
    app.button("Quay lại").click()
    app.tap("Nháp 1")

    # Version 2 is published and reaches the phone: new records ask who filled them in.
    _publish(live_server, tmp_path, version=2)
    app.button("Quay lại").click()
    # The first sync said "nothing to send" too: on a loaded machine its bar can still be up, and
    # reading it as this sync's end opened the form before version 2 had arrived. Wait it out first.
    nothing_waiting = "Không có phiếu nào chờ gửi"
    said = app.page.get_by_text(nothing_waiting, exact=False).or_(app.page.get_by_label(nothing_waiting))
    said.first.wait_for(state="hidden", timeout=30_000)
    app.button("Đồng bộ ngay").click()
    app.text(nothing_waiting, exact=False, timeout=30_000)  # the pull is done too

    # A new record is made on version 2, and its new required question is asked for.
    app.button("Phiếu kiểm tra").click()
    app.fill("Địa điểm *", "Đồn Biên phòng Mù Cả")
    app.choose("Không")
    app.button("Hoàn thành").click()
    app.text("«Người ghi phiếu» là bắt buộc.")
    app.fill("Người ghi phiếu *", "Lò Văn Sinh")
    app.shot("qt-07-version-2-new-record")
    app.button("Hoàn thành").click()
    app.button("Đồng bộ ngay")

    # The old draft still opens on version 1 (no such question) and is finished there.
    app.tap("Nháp 1")
    app.tap_text("Phiếu kiểm tra")
    app.button("Sửa phiếu").click()
    app.text("Phiếu thử: điền thử mọi loại câu hỏi.")
    assert phone.get_by_role("textbox", name="Người ghi phiếu *").count() == 0
    app.choose("Không")
    app.shot("qt-08-version-1-draft")
    app.button("Hoàn thành").click()
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)

    def stored() -> list:
        return sorted(
            (v, a.get("place"), a.get("recorder"))
            for f, v, st, a in _stored_records(live_server)
            if f == workbooks.FIELD_CHECK_ID and st == "final"
        )

    deadline = time.monotonic() + 30
    while len(stored()) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stored() == [(1, "Bản Khe", None), (2, "Đồn Biên phòng Mù Cả", "Lò Văn Sinh")]
