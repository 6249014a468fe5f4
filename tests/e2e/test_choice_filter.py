"""Cascading choices in Chromium at 360×640, on an XLSForm workbook published to a running server and
pulled by the phone: the district question offers only the chosen province's districts, and picking
another province clears the district it no longer offers. The server stores what the phone finalized."""

from __future__ import annotations

import pytest

from sync_server.cli.import_xlsform import main as import_xlsform
from tests.xlsform import workbooks

from .conftest import ARTIFACTS
from .driver import App
from .test_question_types import _enroll, _stored_records

pytestmark = pytest.mark.browser


def test_choice_filter__districts_follow_the_province(live_server, app_url, phone, tmp_path):
    wb = workbooks.province_district(tmp_path)
    assert import_xlsform([str(wb), "--publish", "--database-url", live_server.database_url]) == 0
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    _enroll(app, live_server.url)
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)
    app.button("Phiếu thăm hộ theo địa bàn").click()
    app.text("Tỉnh *")

    def offered(name: str) -> bool:
        return phone.get_by_role("radio", name=name, exact=True).count() > 0

    # Nothing chosen above: the district question offers nothing yet, and says so.
    app.text("Chưa có lựa chọn nào phù hợp với các câu trả lời ở trên.")
    assert not offered("Ba Đình") and not offered("Lê Chân")

    app.choose("Hà Nội")
    app.radio("Ba Đình")
    assert offered("Hoàn Kiếm") and not offered("Lê Chân")
    app.choose("Ba Đình")
    app.shot("cf-01-hanoi-districts")
    app.assert_fits_phone_width()

    app.scroll_top()
    app.choose("Hải Phòng")
    app.radio("Lê Chân")
    assert not offered("Ba Đình") and not offered("Hoàn Kiếm")
    checked = phone.locator("[role=radio][aria-checked=true]")
    assert checked.count() == 1  # only the province: the district was cleared with it
    app.shot("cf-02-haiphong-district-cleared")

    # Finalizing now names the district as missing, not a choice that is no longer offered.
    app.button("Hoàn thành").click()
    app.text("«Huyện» là bắt buộc.")
    app.choose("Lê Chân")
    app.button("Hoàn thành").click()
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)

    stored = [r for r in _stored_records(live_server) if r[0] == "visits"]
    assert len(stored) == 1
    _, version, status, answers = stored[0]
    assert (version, status) == (1, "final")
    assert (answers["province"], answers["district"]) == ("hp", "lc")
