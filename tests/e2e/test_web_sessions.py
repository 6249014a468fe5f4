"""Many people at once on the app the sync server serves at /app/ (issue 12's "Done when").

One server (``fieldtally-server serve``, the app on the API's port), one Chromium, and 21 browser
contexts kept open together, each a separate browser (its own storage): officers of five communes
(more than one in some), supervisors of communes, of both districts and of the city. They are driven
in turn (two cores): each enrolls with the server address the page filled in, officers record a
draft and supervisors read their progress, and each sees only its own name, records and units. With
all of them open: every page still shows its own person; closing a tab and opening a new one asks
for the PIN and unlocks; signing out (with a draft left, which the dialog names) and signing in as
someone else works. No page requests anything off the server's origin.

Users and the fifth commune are made with the server's own CLI. Screenshots (phone 360×640 and desk
1280×800) and the timings go to test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import BrowserContext
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sync_server.cli import main as server_cli
from tests.support.live_server import start_live_server

from .conftest import ARTIFACTS, PHONE
from .driver import App

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}
PIN = "258013"
NEW_COMMUNE = ("HN-SS-PL", "Xã Phù Linh")
UNIT_NAMES = {
    "HN": "Thành phố Hà Nội",
    "HN-BD": "Quận Ba Đình",
    "HN-SS": "Huyện Sóc Sơn",
    "HN-BD-PX": "Phường Phúc Xá",
    "HN-BD-DC": "Phường Điện Biên",
    "HN-SS-MT": "Xã Minh Trí",
    "HN-SS-BS": "Xã Bắc Sơn",
    NEW_COMMUNE[0]: NEW_COMMUNE[1],
}
CITY, DISTRICT = UNIT_NAMES["HN"], {"HN-BD": "Quận Ba Đình", "HN-SS": "Huyện Sóc Sơn"}


@dataclass
class Person:
    username: str
    role: str
    unit: str
    full_name: str
    marker: str = ""  # officers: the ethnicity typed into their draft, unique to them
    context: BrowserContext | None = None
    app: App | None = None
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    @property
    def officer(self) -> bool:
        return self.role == "officer"

    @property
    def password(self) -> str:
        return f"{self.username}-pw"


def _people() -> list[Person]:
    officers = [
        ("cb_px1", "HN-BD-PX", "Lê Văn Phúc", "Tày"),
        ("cb_dc1", "HN-BD-DC", "Ngô Thị Điện", "Nùng"),
        ("cb_mt1", "HN-SS-MT", "Vũ Văn Minh", "Dao"),
        ("cb_bs1", "HN-SS-BS", "Đỗ Thị Bắc", "Mường"),
        ("cb_pl1", "HN-SS-PL", "Bùi Văn Linh", "Sán Dìu"),
        ("cb_px2", "HN-BD-PX", "Lý Thị Xá", "Hmông"),
        ("cb_mt2", "HN-SS-MT", "Phan Văn Trí", "Thái"),
        ("cb_pl2", "HN-SS-PL", "Đinh Thị Phù", "Sán Chay"),
        ("cb_dc2", "HN-BD-DC", "Hà Văn Biên", "Khơ Mú"),
    ]
    supervisors = [
        ("gs_px", "HN-BD-PX", "Trịnh Thị Phường"),
        ("gs_mt", "HN-SS-MT", "Cao Văn Xã"),
        ("gs_bs", "HN-SS-BS", "Mai Thị Sơn"),
        ("gs_pl", "HN-SS-PL", "Lâm Văn Phù"),
        ("gs_bd1", "HN-BD", "Tạ Thị Quận"),
        ("gs_bd2", "HN-BD", "Kiều Văn Đình"),
        ("gs_ss1", "HN-SS", "Lương Thị Huyện"),
        ("gs_ss2", "HN-SS", "Quách Văn Sóc"),
        ("gs_hn1", "HN", "Hồ Thị Thành"),
        ("gs_hn2", "HN", "Tôn Văn Phố"),
        ("gs_hn3", "HN", "Văn Thị Đô"),
        ("gs_hn4", "HN", "Khúc Văn Hà"),
    ]
    return [Person(u, "officer", unit, name, marker) for u, unit, name, marker in officers] + [
        Person(u, "supervisor", unit, name) for u, unit, name in supervisors
    ]


@pytest.fixture
def server(tmp_path, monkeypatch):
    # Idle locking is tested in tests/app/test_web_device.py; here the turns take longer than 15 minutes.
    monkeypatch.setenv("FIELDTALLY_WEB_IDLE_LOCK_MINUTES", "120")
    monkeypatch.setenv("FIELDTALLY_RECOVERY_KEY_FILE", str(tmp_path / "recovery-key.json"))
    srv = start_live_server(tmp_path / "server", serve_app=True)
    yield srv
    srv.stop()


def _create(server_url_db: str, tmp_path: Path, people: list[Person]) -> None:
    """The fifth commune and every user, through the server's CLI (in this process: one import)."""
    csv = tmp_path / "units.csv"
    csv.write_text(f"code,name,type,parent,tags\n{NEW_COMMUNE[0]},{NEW_COMMUNE[1]},commune,HN-SS,\n")
    assert server_cli(["import-units", str(csv), "--database-url", server_url_db]) == 0
    for p in people + [Person("cb_switch", "officer", "HN-SS-BS", "Châu Thị Đổi")]:
        args = ["create-user", "--database-url", server_url_db, "--username", p.username]
        args += ["--password", p.password, "--role", p.role, "--unit", p.unit, "--full-name", p.full_name]
        assert server_cli(args) == 0


def _open(p: Person, browser, url: str) -> App:
    viewport = PHONE if p.officer else DESK
    p.context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="vi-VN")
    return _new_tab(p, url)


def _new_tab(p: Person, url: str) -> App:
    assert p.context is not None
    page = p.context.new_page()
    page.on("request", lambda r: p.requests.append(r.url))
    page.on("console", lambda m: p.console.append(f"{m.type}: {m.text}") if m.type != "log" else None)
    p.app = App(page, ARTIFACTS)
    p.app.open(url)
    return p.app


def _server_box(app: App) -> str:
    """What the server-address box holds (Flutter's input exists while the box has focus).

    A tap during a busy moment can land before the box takes focus: tapped again, as driver.fill does.
    """
    value = ""
    for _ in range(5):
        app.textbox("Địa chỉ máy chủ").click()
        app.page.wait_for_timeout(300)
        value = app.focused_value() or ""
        if value:
            return value
    app.shot("W99-server-box-empty")
    return value


def _enroll(app: App, p: Person) -> None:
    app.fill("Tên đăng nhập", p.username)
    app.fill("Mật khẩu", p.password)
    for _ in range(3):  # a tap during a re-layout can land nowhere: tap again only if nothing started
        app.button("Đăng ký").click()
        started = app.page.get_by_text("Đặt mã PIN").or_(app.page.get_by_label("Đang đăng ký…"))
        try:
            started.first.wait_for(state="attached", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    app.text("Đặt mã PIN", timeout=60_000)  # the server checks the password (Argon2id) on loaded cores
    app.page.wait_for_timeout(500)  # typing during the screen change can be lost
    # Each PIN box counts its digits ("6/12"). A mismatch is refused on this screen, so trying again is safe.
    for _ in range(4):
        app.fill("Mã PIN", PIN)
        app.fill("Nhập lại mã PIN", PIN)
        if app.page.get_by_text("0/12").or_(app.page.get_by_label("0/12")).count():
            continue  # a box stayed empty: the typing went astray on the loaded machine, type both again
        app.button("Lưu mã PIN").click()
        try:
            app.button("Đồng bộ ngay", timeout=60_000)
            return
        except PlaywrightTimeout:
            if not app.page.get_by_text("Đặt mã PIN").count():
                raise
    raise AssertionError(f"{p.username}: the PIN could not be set")


def _keep_consoles(people: list[Person]) -> None:
    """Every page's warnings and errors, for reading after a failure."""
    lines = [f"[{p.username}] {line}" for p in people for line in p.console]
    (ARTIFACTS / "web-sessions-console.txt").write_text("\n".join(lines) + "\n")


def _header(p: Person) -> str:
    return f"{p.full_name} · {UNIT_NAMES[p.unit]}"


def _record_a_draft(app: App, p: Person, others: list[Person]) -> None:
    app.button("Phiếu khảo sát nhận thức pháp luật").click()
    app.text("Ngày khảo sát", exact=False)
    app.page.wait_for_timeout(500)
    app.fill("Dân tộc", p.marker)
    app.text("Đã tự lưu lúc", exact=False, timeout=10_000)
    app.scroll_top()
    app.button("Quay lại").click()
    app.tap_until("Nháp 1", "Tìm thấy 1 phiếu")  # one draft: their own, not their neighbours'
    app.text(p.marker, exact=False)
    for other in others:
        if other.marker and other.marker != p.marker:
            assert not app.page.get_by_text(other.marker, exact=True).count(), other.marker
    app.button("Quay lại").click()
    app.button("Đồng bộ ngay")


def _read_progress(app: App, p: Person, shot: str = "") -> None:
    app.button("Đồng bộ ngay").click()
    app.text("Đồng bộ lần cuối", exact=False, timeout=30_000)
    app.button("Tiến độ kế hoạch").click()
    app.text(UNIT_NAMES[p.unit], exact=False, timeout=30_000)
    app.text("Số liệu tính đến", exact=False, timeout=30_000)
    if p.unit != "HN":  # a district or commune supervisor never sees the city's figures
        assert not app.page.get_by_text(CITY, exact=False).count()
    for code, name in DISTRICT.items():  # nor another district
        if p.unit != "HN" and not p.unit.startswith(code):
            assert not app.page.get_by_text(name, exact=False).count(), name
    if shot:
        app.shot(shot)
    app.scroll_top()
    app.button("Quay lại").click()
    app.button("Đồng bộ ngay")


def _turn(i: int, p: Person, browser, url: str, server_url: str, people: list[Person]) -> dict:
    """One person's first visit: open, enroll with the address the page filled in, record or read."""
    start = time.monotonic()
    app = _open(p, browser, url)
    app.text("Đăng ký thiết bị", timeout=60_000)
    first_screen = time.monotonic() - start
    assert _server_box(app) == server_url  # the page's own origin, filled in
    _enroll(app, p)
    app.text(_header(p))
    home = time.monotonic() - start
    if p.officer:
        _record_a_draft(app, p, people)
    else:
        _read_progress(app, p, f"W{i:02d}-{p.username}-progress-desk" if i in (11, 13, 17) else "")
    return {"who": p.username, "open": i, "first_screen_s": first_screen, "home_s": home}


def _close_quietly(page) -> None:
    try:
        if page is not None:
            page.close()
    except Exception:  # a crashed page may refuse even this
        pass


def _drop_context(p: Person) -> None:
    """Leave a browser whose renderer crashed: its context closed, as a person would close the window."""
    try:
        if p.context is not None:
            p.context.close()
    except Exception:
        pass
    p.context, p.app = None, None


def _failed(p: Person, shot: str, people: list[Person]) -> None:
    """Keep what a failure leaves: the page's last screen (when it can still draw) and the consoles."""
    try:
        if p.app is not None:
            p.app.shot(shot)
    except Exception:
        pass
    _keep_consoles(people)


@pytest.mark.timeout(2400)
def test_web_sessions__twenty_one_browsers_on_one_server(server, browser, renderer_watchdog, tmp_path):
    people = _people()
    _create(server.database_url, tmp_path, people)
    url = f"{server.url}/app/"
    timings: list[dict] = []

    # ---- each in turn: a browser of their own, enrolled, recording or reading ----------------------
    # A turn whose renderer the watchdog had to end (it spun; see watchdog.py) is made again in a
    # fresh browser context: a new device for the same person, as a person whose browser crashed would.
    for i, p in enumerate(people):
        for attempt in range(1, 4):
            began = time.monotonic()
            try:
                timings.append(_turn(i, p, browser, url, server.url, people))
                break
            except Exception:
                if attempt < 3 and renderer_watchdog.kills_since(began):
                    _drop_context(p)
                    continue
                _failed(p, f"W99-failure-{p.username}", people)
                raise
        if i in (0, 4, 9, 15):
            assert p.app is not None
            p.app.shot(f"W{i:02d}-{p.username}-home-{'phone' if p.officer else 'desk'}")

    # ---- all open at once: each page still shows its own person -------------------------------------
    assert sum(1 for p in people if p.context is not None) == len(people) >= 20
    for p in people:
        assert p.app is not None
        p.app.text(_header(p))
        if p.officer:
            p.app.page.get_by_role("button", name="Nháp 1", exact=True).wait_for(timeout=15_000)

    # ---- closing a tab and opening a new one asks for the PIN, and unlocks -------------------------
    reopened: list[dict] = []
    for p in (people[2], people[13], people[18]):  # an officer, a district and a city supervisor
        assert p.app is not None
        p.app.page.close()
        for attempt in range(1, 4):
            start = time.monotonic()
            try:
                app = _new_tab(p, url)
                # The first screen of a fresh page takes as long as an enrolment's (60 s on a loaded machine).
                app.text("Nhập mã PIN để mở dữ liệu.", exact=True, timeout=60_000)  # no name before unlock
                first_screen = time.monotonic() - start
                app.unlock(PIN)
                app.text(_header(p))
                break
            except Exception:
                if attempt < 3 and renderer_watchdog.kills_since(start):
                    _close_quietly(p.app.page if p.app else None)
                    continue
                _failed(p, f"W99-failure-reopen-{p.username}", people)
                raise
        reopened.append(
            {"who": p.username, "first_screen_s": first_screen, "unlocked_home_s": time.monotonic() - start}
        )
        if p.officer:
            app.button("Nháp 1")
    people[13].app.shot("W30-reopened-unlocked-desk")

    # ---- signing out, and in as someone else ---------------------------------------------------------
    leaving = people[3]  # an officer with a draft
    app = leaving.app
    assert app is not None
    app.button("Đăng xuất").click()
    app.text("1 phiếu nháp chưa hoàn thành.", exact=False)  # said, not silently dropped
    assert not app.page.get_by_role("button", name="Gửi rồi đăng xuất").count()  # nothing finished to send
    app.shot("W40-sign-out-draft-warning")
    app.button("Vẫn đăng xuất").click()
    app.text("Đăng ký thiết bị")
    assert _server_box(app) == server.url
    newcomer = Person("cb_switch", "officer", "HN-SS-BS", "Châu Thị Đổi")
    _enroll(app, newcomer)
    app.text(_header(newcomer))
    app.button("Nháp 0")  # the previous person's draft is not theirs
    assert not app.page.get_by_text(leaving.full_name, exact=False).count()
    app.shot("W41-signed-in-as-someone-else")

    # ---- nothing off the server's origin, in any page --------------------------------------------------
    origin = server.url
    off = sorted(
        {
            u
            for p in people
            for u in p.requests
            if not u.startswith((origin + "/", f"blob:{origin}/", "data:"))
        }
    )
    assert off == [], off

    # ---- each browser enrolled as a device named after it, as a supervisor's Devices list shows --------
    token = requests.post(
        f"{server.url}/api/v1/enroll",
        json={"username": "chihuy", "password": "chihuy123", "device_id": "e2e-check", "device_name": "test"},
        timeout=10,
    ).json()["device_token"]
    devices = requests.get(
        f"{server.url}/api/v1/devices", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()["devices"]
    names = {d["username"]: d["name"] for d in devices}
    for p in people:
        assert re.fullmatch(r"Chrome \d+ · Linux · web", names[p.username]), names[p.username]

    summary = {
        "sessions": len(people),
        "enrolled": timings,
        "reopened_with_all_open": reopened,
        "spinning_renderers_ended": len(renderer_watchdog.killed),
    }
    (ARTIFACTS / "web-sessions-timings.json").write_text(json.dumps(summary, indent=1))
    _keep_consoles(people)
    for p in people:
        if p.context is not None:
            p.context.close()
