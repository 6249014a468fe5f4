"""The app served at /app/, in Chromium: an untouched page locks itself; a reload asks for the PIN.

The idle lock is set to 15 seconds for the test (FIELDTALLY_WEB_IDLE_LOCK_MINUTES; 15 minutes by
default). Taps count as someone at the desk; waiting does not. A reloaded page, whose vault was
released when its connection dropped, comes back at the PIN prompt, and the PIN opens it.
"""

from __future__ import annotations

import pytest

from tests.support.live_server import start_live_server

from .conftest import ARTIFACTS
from .driver import App

pytestmark = pytest.mark.browser

PIN = "864209"


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDTALLY_WEB_IDLE_LOCK_MINUTES", "0.25")
    srv = start_live_server(tmp_path / "server", serve_app=True)
    yield srv
    srv.stop()


def test_web__idle_page_locks_itself_and_a_reload_asks_for_the_pin(server, phone):
    app = App(phone, ARTIFACTS)
    app.open(f"{server.url}/app/")
    app.enroll(server.url, "canbo", "canbo123", PIN)  # the address box is filled in: typed again, same
    app.text("Nguyễn Văn An", exact=False)

    # Someone at the desk: taps every few seconds for longer than the idle time keep it open.
    for _ in range(5):
        app.page.wait_for_timeout(4_000)
        app.button("Tìm và xem phiếu").click()
        app.text("Tìm thấy 0 phiếu")
        app.button("Quay lại").click()
        app.button("Đồng bộ ngay")
    app.text("Nguyễn Văn An", exact=False)

    # Nobody: it locks itself, and says why until the message is dismissed.
    app.find(app.page.get_by_text("tự khóa vì lâu không dùng", exact=False), timeout=45_000, scroll=False)
    app.shot("I01-idle-locked")
    app.button("Đóng").click()
    app.unlock(PIN)
    app.button("Đồng bộ ngay")

    # A reload drops the connection: the vault is released, and the page asks for the PIN again.
    app.page.reload()
    app.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    app.run_js("() => { document.querySelector('flt-semantics-placeholder')?.click(); }")
    app.text("Nhập mã PIN", exact=False, timeout=30_000)
    app.shot("I02-reloaded-asks-pin")
    app.unlock(PIN)
    app.text("Nguyễn Văn An", exact=False)
    app.button("Đồng bộ ngay")
