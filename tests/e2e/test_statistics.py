"""The programme's other numbers in a real Chromium, on records counted by hand
(``tests/support/statistics_data.py``): the city's supervisor opens them from the progress screen,
reads the settlement rate, drills into the district and a commune, downloads the spreadsheet, and,
with the server gone, is told a period was not downloaded. At a phone's 360×640 and a desk's
1280×800; screenshots ``stats-*.png`` in test-artifacts/e2e/."""

from __future__ import annotations

import io

import openpyxl
import pytest

from mobile.reports import period_choices, today_in_programme
from schemas.catalog import shipped_plans
from tests.support.live_server import start_live_server
from tests.support.statistics_data import push_known_records

from .conftest import ARTIFACTS
from .driver import App

PIN = "135790"
PLAN = shipped_plans()[0]


@pytest.fixture
def server(tmp_path):
    live = start_live_server(tmp_path / "server")  # demo units and users, no demo records
    push_known_records(live.url)
    yield live
    live.stop()


def _to_statistics(app: App, server_url: str, shot_prefix: str) -> None:
    app.enroll(server_url, "chihuy", "chihuy123", PIN)
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)
    app.button("Tiến độ kế hoạch").click()
    app.text("Thành phố Hà Nội", exact=False)
    app.button("Số liệu khác")
    _shot(app, f"stats-{shot_prefix}-00-progress")
    app.button("Số liệu khác").click()


def _download_rows(page, app: App) -> list[tuple]:
    with page.expect_download(timeout=30_000) as download:
        app.button("Xuất số liệu (Excel)").click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    return list(book.active.iter_rows(values_only=True))


def _on_screen(app: App, words: str) -> None:
    """Scroll until ``words`` sit well inside the screen (not just touching its edge)."""
    page = app.page
    app.find(page.get_by_text(words).or_(page.get_by_label(words)))


def _shot(app: App, name: str) -> None:
    """A screenshot with the pointer parked off the controls (no hover tooltip over the figures)."""
    app.page.mouse.move(2, app.page.viewport_size["height"] - 2 if app.page.viewport_size else 600)
    app.shot(name)


def test_statistics__phone(server, app_url, phone):
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    _to_statistics(app, server.url, "phone")

    # The city: 3 of the 5 concluded cases settled.
    app.text("Hòa giải thành 60%", timeout=30_000)
    app.text("số liệu mới từ máy chủ", exact=False)
    app.scroll_top()
    _shot(app, "stats-phone-01-city")
    app.text("Lượt người được tuyên truyền")
    app.text("Trong đó nữ: 95 (42,2%)")
    _shot(app, "stats-phone-02-people")
    app.text("3 / 5 vụ đã kết thúc hòa giải thành", exact=False)
    _on_screen(app, "Chuyển cơ quan có thẩm quyền")  # the last outcome: the mediation tables in view
    _shot(app, "stats-phone-03-mediation")
    app.text("Khảo sát nhận thức")
    app.text("2 / 4 phiếu đạt")
    _shot(app, "stats-phone-04-surveys")
    app.text("Đơn vị trực thuộc")
    _shot(app, "stats-phone-05-children")
    app.assert_fits_phone_width()

    # Drill down: the district, then its commune Minh Trí (3 of 4 settled; 2 of 3 surveys passed).
    app.tap_text("Huyện Sóc Sơn")
    app.text("Xã Minh Trí", exact=False, timeout=30_000)
    app.scroll_top()
    app.text("Thành phố Hà Nội › Huyện Sóc Sơn")
    app.tap_text("Xã Minh Trí")
    app.text("Hòa giải thành 75%", timeout=30_000)
    app.text("Đạt 66,7%")
    app.scroll_top()
    _shot(app, "stats-phone-06-commune")

    # Back up to the district (fetched already), and download its figures.
    app.button("Quay lại").click()
    app.text("Thành phố Hà Nội › Huyện Sóc Sơn")
    rows = _download_rows(phone, app)
    assert rows[0][:2] == ("Mã đơn vị", "Tên đơn vị")
    value = {(r[0], r[4], r[5]): r[6] for r in rows[1:]}
    assert value[("HN-SS", "Hòa giải", "Tỷ lệ hòa giải thành (%)")] == 60
    assert value[("HN-SS-MT", "Hòa giải", "Tỷ lệ hòa giải thành (%)")] == 75

    # Offline: a period never fetched says so, in words.
    server.stop()
    app.scroll_top()
    last_year = next(c for c in period_choices(PLAN, today_in_programme()) if c.kind == "last_year")
    app.text(last_year.label.vi, exact=True).click()
    app.text("chưa được tải về máy; hãy kết nối mạng để xem", exact=False, timeout=30_000)
    _shot(app, "stats-phone-07-offline")


def test_statistics__desk(server, app_url, desk):
    app = App(desk, ARTIFACTS)
    app.open(app_url)
    _to_statistics(app, server.url, "desk")
    app.text("Hòa giải thành 60%", timeout=30_000)
    app.scroll_top()
    _shot(app, "stats-desk-01-city")
    app.text("Đơn vị trực thuộc")
    app.text("Quận Ba Đình")
    _shot(app, "stats-desk-02-units")

    # The units below are a table: the district's row opens the district.
    app.button("Huyện Sóc Sơn").click()
    app.text("Thành phố Hà Nội › Huyện Sóc Sơn", timeout=30_000)
    app.button("Xã Minh Trí")
    app.text("75%", exact=True)  # Minh Trí's settlement rate, in the table
    _shot(app, "stats-desk-03-district-units")
    rows = _download_rows(desk, app)
    assert {"HN-SS", "HN-SS-MT", "HN-SS-BS"} <= {r[0] for r in rows[1:]}

    # Back: up to the city, then out to the city's indicators (the progress screen, same period).
    app.scroll_top()
    app.button("Quay lại").click()
    app.text("Thành phố Hà Nội", exact=True)  # the trail is the city alone again
    app.page.wait_for_timeout(500)  # a tap while the screen is redrawn can be lost
    app.button("Quay lại").click()
    app.text("Mục tiêu", exact=False, timeout=30_000)
    app.text("Thành phố Hà Nội", exact=False)
    _shot(app, "stats-desk-04-back-to-progress")
