"""A supervisor on a phone-sized screen, on the demo data: the plan's indicators for the city,
the chart, drill-down to the district furthest behind, another period from the server,
approval and the flag when a record changes afterwards, an Excel export, then offline."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from uuid import uuid4

import openpyxl
import pytest
import requests

from mobile.reports import period_choices, today_in_programme
from schemas.catalog import latest_forms, shipped_forms, shipped_plans
from schemas.records import Record, RecordStatus
from sync_server.demo.records import _Maker
from tests.support.live_server import start_live_server

from .conftest import ARTIFACTS
from .driver import App

PIN = "135790"
PLAN = shipped_plans()[0]


@pytest.fixture
def demo_server(tmp_path):
    server = start_live_server(tmp_path / "server", demo_records=True)
    yield server
    server.stop()


def _officer_pushes_a_session(url: str, day) -> None:
    """The officer at Xã Minh Trí sends an outreach session dated inside the approved period."""
    enrolled = requests.post(
        f"{url}/api/v1/enroll",
        json={"username": "canbo", "password": "canbo123", "device_id": uuid4().hex, "device_name": "e2e"},
        timeout=10,
    ).json()
    form = latest_forms(shipped_forms())["outreach_session"]
    import random

    answers = _Maker(random.Random(1), form).answers(day, {"attendees_soldiers": 40})
    now = datetime.now(UTC)
    record = Record(
        id=uuid4(),
        form_id=form.id,
        form_version=form.version,
        unit="HN-SS-MT",
        author="canbo",
        device="e2e",
        created_at=now,
        updated_at=now,
        revision=1,
        status=RecordStatus.FINAL,
        answers=answers,
    )
    resp = requests.post(
        f"{url}/api/v1/sync/push",
        json={"batch_id": str(uuid4()), "records": [record.model_dump(mode="json")]},
        headers={"Authorization": f"Bearer {enrolled['device_token']}"},
        timeout=10,
    )
    assert resp.json()["receipts"][0]["status"] == "stored", resp.text


def test_supervisor__progress_drilldown_period_approval_export_offline(demo_server, app_url, phone):
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    app.text("Đăng ký thiết bị")
    app.fill("Địa chỉ máy chủ", demo_server.url)
    app.fill("Tên đăng nhập", "chihuy")
    app.fill("Mật khẩu", "chihuy123")
    app.button("Đăng ký").click()
    app.text("Đặt mã PIN")
    app.fill("Mã PIN", PIN)
    app.fill("Nhập lại mã PIN", PIN)
    app.button("Lưu mã PIN").click()
    app.text("Trần Thị Bình", exact=False)
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)

    # The city's indicators, from the pull cached on the phone.
    app.button("Tiến độ kế hoạch").click()
    app.text("Thành phố Hà Nội", exact=False)
    app.text("Số liệu tính đến", exact=False)
    app.text("Mục tiêu 90%", exact=False)
    app.shot("sup-01-city")
    app.text("Diễn biến theo thời gian", exact=False)
    app.shot("sup-02-chart")
    app.text("Đơn vị trực thuộc", exact=False)
    app.text("Huyện Sóc Sơn", exact=False)
    app.shot("sup-03-children")

    # Drill down to a district: its communes, furthest behind first.
    app.text("Huyện Sóc Sơn", exact=False).click()
    app.text("Xã Minh Trí", exact=False)
    app.text("Xã Bắc Sơn", exact=False)
    app.scroll_top()
    app.text("Thành phố Hà Nội › Huyện Sóc Sơn", exact=False)
    app.shot("sup-04-district")

    # Another period, asked of the server: this quarter.
    quarter = next(c for c in period_choices(PLAN, today_in_programme()) if c.kind == "quarter")
    app.text(quarter.label.vi, exact=True).click()
    app.text(f"{quarter.start:%d/%m/%Y} – {quarter.end:%d/%m/%Y}", exact=False, timeout=30_000)
    app.text("số liệu mới từ máy chủ", exact=False)
    app.shot("sup-05-quarter")

    # Approve the quarter; a record changed afterwards is flagged.
    app.button("Phê duyệt").click()
    app.text("Đã phê duyệt:", exact=False, timeout=30_000)
    _officer_pushes_a_session(demo_server.url, max(quarter.start, min(today_in_programme(), quarter.end)))
    app.scroll_top()
    app.button("Tải số liệu mới").click()
    app.text("1 bản ghi đã thay đổi sau khi phê duyệt", exact=False, timeout=30_000)
    app.shot("sup-06-approved-flag")

    # Export the quarter to Excel: a real workbook with Vietnamese headers and the district's communes.
    with phone.expect_download(timeout=30_000) as download:
        app.button("Xuất Excel").click()
    path = download.value.path()
    sheet = openpyxl.load_workbook(io.BytesIO(open(path, "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã đơn vị"
    assert {"HN-SS", "HN-SS-MT", "HN-SS-BS"} <= {r[0] for r in rows[1:]}

    # Offline: the server is gone; the cached figures still show, and the phone says they are saved ones.
    demo_server.stop()
    app.scroll_top()
    app.button("Quay lại").click()  # up to the city; a second tap while the screen is redrawn can be lost
    trail = "Thành phố Hà Nội › Huyện Sóc Sơn"
    app.page.get_by_text(trail).or_(app.page.get_by_label(trail)).first.wait_for(
        state="hidden", timeout=30_000
    )
    app.page.wait_for_timeout(500)
    app.button("Quay lại").click()
    app.button("Tiến độ kế hoạch").click()
    app.text("số liệu đã lưu trên máy", exact=False)
    app.text("Huyện Sóc Sơn", exact=False)
    app.shot("sup-07-offline")
