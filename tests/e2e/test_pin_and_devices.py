"""The PIN's whole story in Chromium at 360×640, against a real sync server.

1. An officer changes the PIN; after too many wrong PINs the app locks and shows its device and
   lockout numbers; the supervisor's one-time code lifts the lock and the new PIN opens the data;
   a forgotten PIN: the sealed data is exported, then the phone enrolls again and the old vault is
   kept aside.
2. A supervisor, on the app, gives a locked phone its code and revokes a lost one.
"""

from __future__ import annotations

import re
import time
import zipfile

import pytest
import requests
from playwright.sync_api import expect

from mobile.vault.throttle import LOCK_AFTER, Throttle
from mobile.vault.vault import ATTEMPTS_NAME

from .conftest import ARTIFACTS
from .driver import App

pytestmark = pytest.mark.browser

PIN, NEW_PIN = "246810", "13572468"


def shot(app: App, name: str) -> None:
    app.assert_fits_phone_width()
    app.shot(name)


def token(server_url: str, username: str, password: str, device_id: str) -> str:
    resp = requests.post(
        f"{server_url}/api/v1/enroll",
        json={"username": username, "password": password, "device_id": device_id, "device_name": "test"},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["device_token"]


def api(server_url: str, tok: str, method: str, path: str, **kw) -> requests.Response:
    return requests.request(
        method, f"{server_url}/api/v1{path}", headers={"Authorization": f"Bearer {tok}"}, timeout=10, **kw
    )


def test_pin__change_lockout_unlock_code_and_forgotten_pin(live_server, app_url, phone, tmp_path):
    app = App(phone, ARTIFACTS)
    app.open(app_url)
    app.enroll(live_server.url, "canbo", "canbo123", PIN)

    # Change the PIN: a wrong current PIN is refused with a message, the right one re-wraps the key.
    app.button("Đổi mã PIN").click()
    app.text("Đổi mã PIN", exact=True)
    app.page.wait_for_timeout(500)
    app.fill("Mã PIN hiện tại", "999999")
    app.fill("Mã PIN mới", NEW_PIN)
    app.fill("Nhập lại mã PIN", NEW_PIN)
    app.button("Lưu mã PIN").click()
    app.text("Mã PIN không đúng", exact=False)
    shot(app, "P01-change-pin-wrong-current")
    app.fill("Mã PIN hiện tại", PIN)
    app.fill("Mã PIN mới", NEW_PIN)
    app.fill("Nhập lại mã PIN", NEW_PIN)
    app.button("Lưu mã PIN").click()
    app.text("Đã đổi mã PIN.")
    app.button("Đồng bộ ngay")

    # Lock; the old PIN no longer opens the data, the new one does.
    app.button("Khóa").click()
    app.unlock(PIN)
    app.text("Mã PIN không đúng", exact=False)
    app.unlock(NEW_PIN)
    app.button("Đồng bộ ngay")
    app.button("Khóa").click()

    # Many wrong PINs, long ago (their waits are over): the next wrong one locks the app.
    throttle = Throttle(tmp_path / "appdata" / "vault" / ATTEMPTS_NAME, clock=lambda: 1_000_000.0)
    for _ in range(LOCK_AFTER - 1):
        throttle.record_failure()
    app.unlock("000000")
    app.text("Ứng dụng đang khóa")
    device = int(re.search(r"Thiết bị số (\d+)", app.text("Thiết bị số", exact=False).inner_text()).group(1))
    app.text("Lần khóa 0")
    shot(app, "P02-locked")

    # The supervisor asks the server for the code of (device, lockout 0) and reads it out.
    sup = token(live_server.url, "giamsat", "giamsat123", "sup-phone")
    resp = api(live_server.url, sup, "POST", f"/devices/{device}/unlock-code", json={"lockout": 0})
    assert resp.status_code == 200, resp.text
    code = resp.json()["code"]
    app.fill("Mã mở khóa", code)
    app.button("Dùng mã mở khóa").click()
    app.text("Đã mở khóa. Hãy nhập mã PIN.")
    app.unlock(NEW_PIN)
    app.button("Đồng bộ ngay")
    shot(app, "P03-home-after-unlock-code")
    app.button("Khóa").click()

    # Forgotten PIN: export the sealed data (a download in the web build), then enroll again.
    app.text("Nhập mã PIN", exact=False)
    app.tap_text("Quên mã PIN?")
    app.text("Quên mã PIN", exact=True)
    start_over = app.button("Đăng ký lại thiết bị")
    assert start_over.is_disabled(), "starting over before the data is exported would strand the records"
    shot(app, "P04-forgot-pin")
    with app.page.expect_download() as download:
        app.button("Xuất dữ liệu đã mã hóa").click()
    saved = tmp_path / "export.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as z:
        names = set(z.namelist())
        assert "vault.key" in names and names <= {"vault.key", "vault.snap", "vault.journal"}, names
        assert b"canbo" not in b"".join(z.read(n) for n in names if n != "vault.key")
    expect(app.page.get_by_role("button", name="Đăng ký lại thiết bị", exact=True)).to_be_enabled()
    app.button("Đăng ký lại thiết bị").click()
    app.button("Đồng ý").click()
    app.text("Đăng ký thiết bị")
    shot(app, "P05-enroll-again")
    kept = [p for p in (tmp_path / "appdata").iterdir() if p.name.startswith("vault-replaced-")]
    assert len(kept) == 1 and (kept[0] / "vault.key").exists(), "the old vault must be kept aside"


def test_devices__supervisor_gives_an_unlock_code_and_revokes_a_lost_phone(live_server, app_url, phone):
    lost = token(live_server.url, "canbo", "canbo123", "lost-phone")
    assert api(live_server.url, lost, "GET", "/sync/pull").status_code == 200

    app = App(phone, ARTIFACTS)
    app.open(app_url)
    app.enroll(live_server.url, "giamsat", "giamsat123", PIN)
    app.button("Thiết bị").click()
    app.text("Thiết bị của đơn vị")
    app.text("canbo · HN-SS-MT", exact=False)
    shot(app, "P06-devices")
    admin = token(live_server.url, "admin", "admin123", "admin-check")
    devices = api(live_server.url, admin, "GET", "/devices").json()["devices"]
    lost_id = next(d["id"] for d in devices if d["username"] == "canbo")
    expected = api(
        live_server.url, admin, "POST", f"/devices/{lost_id}/unlock-code", json={"lockout": 2}
    ).json()

    # The cards are in the app's order (unit, then user); find the lost phone's.
    mine = sorted((d["unit"], d["username"], d["id"]) for d in devices if d["unit"].startswith("HN-SS"))
    index = [d[2] for d in mine].index(lost_id)

    # The code for lockout 2 of that phone: the same the server gives an admin.
    app.text(f"Thiết bị số {lost_id} ·")
    app.page.get_by_role("button", name="Lấy mã mở khóa", exact=True).nth(index).click()
    app.text(f"Mã mở khóa cho thiết bị số {lost_id}")
    app.fill("Lần khóa", "hai")
    app.page.get_by_role("button", name="Lấy mã mở khóa", exact=True).last.click()
    app.text("Hãy nhập số lần khóa", exact=False)
    app.fill("Lần khóa", "2")
    app.page.get_by_role("button", name="Lấy mã mở khóa", exact=True).last.click()
    app.text(expected["code"])
    shot(app, "P07-unlock-code")
    app.button("Đóng").click()

    # Revoke it: the card says so, and its token stops working at once.
    app.page.get_by_role("button", name="Thu hồi", exact=True).nth(index).click()
    app.text(f"Thu hồi thiết bị số {lost_id}?")
    app.page.get_by_role("button", name="Thu hồi", exact=True).last.click()
    app.text(f"Đã thu hồi thiết bị số {lost_id}.")
    app.text("Đã thu hồi:", exact=False)
    shot(app, "P08-revoked")
    deadline = time.monotonic() + 10
    while api(live_server.url, lost, "GET", "/sync/pull").status_code != 401:
        assert time.monotonic() < deadline, "a revoked device's token still works"
        time.sleep(0.3)

    # No signal: the screen says so (no endless spinner), and comes back when the server does.
    live_server.stop()
    app.button("Tải lại").click()
    app.text("Cần kết nối với máy chủ để xem danh sách thiết bị.")
    shot(app, "P09-devices-offline")
    live_server.start()
    app.page.get_by_role("button", name="Tải lại", exact=True).last.click()
    app.text(f"Thiết bị số {lost_id} ·")
