"""The app's web build served by the sync server at /app/ (sync_server/web_app.py).

One origin: the API and the app on one port; the client's CDN address for the Rive runtime rewritten
to our origin in both builds of the client; the server still starts, and says so, without flet-web;
and only web_app.py imports anything of the app, and only its entry point.
"""

from __future__ import annotations

import ast
import logging
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sync_server.app import create_app
from sync_server.config import make_settings
from sync_server.web_app import mount_web_app, web_data_dir
from sync_server.web_client_files import RIVE_CDN, RIVE_LOCAL, ClientFiles
from tests.support.live_server import start_live_server

SERVER = Path(__file__).resolve().parents[2] / "sync_server"


def _settings(tmp_path: Path, **extra):
    return make_settings(
        {
            "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "environment": "test",
            "recovery_key_file": str(tmp_path / "recovery-key.json"),
            "web_assets_dir": str(tmp_path / "assets"),
            **extra,
        }
    )


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _is_app(module: str) -> bool:
    """The app's UI: Flet, and the app's entry point and screens (not the vault format recovery shares)."""
    return module.split(".")[0] in ("flet", "flet_web") or module.startswith(("mobile.main", "mobile.app"))


def test_web_app__only_web_app_imports_the_app_and_only_its_entry_point():
    for path in sorted(SERVER.rglob("*.py")):
        imported = _imports(path)
        if path.name == "web_app.py" and path.parent == SERVER:
            assert {m for m in imported if m.startswith("mobile")} == {"mobile.main"}
        else:
            app = sorted(m for m in imported if _is_app(m))
            assert not app, f"{path.relative_to(SERVER.parent)} imports {app}"


def test_web_app__api_and_app_on_one_origin_with_no_cdn_address(tmp_path: Path):
    rive = tmp_path / "assets" / "flutter-native-wasm" / "wasm"
    rive.mkdir(parents=True)
    (rive / "rive_native.js").write_text("var RiveNative = function () {};")
    settings = _settings(tmp_path)
    app = create_app(settings)
    assert mount_web_app(app, settings)
    with TestClient(app) as client:
        assert client.get("/health").json()["status"] == "ok"
        index = client.get("/app/")
        assert index.status_code == 200 and '<base href="/app/">' in index.text
        assert client.get("/app", follow_redirects=False).headers["location"] == "/app/"

        import flet_web

        web = Path(flet_web.__file__).parent / "web"
        for name in ("main.dart.js", "main.dart.wasm"):
            original = (web / name).read_bytes()
            assert RIVE_CDN in original  # what the patch is for; if flet-web drops it, this test says so
            served = client.get(f"/app/{name}")
            assert served.status_code == 200 and served.headers["content-encoding"] == "gzip"
            assert b"cdn.jsdelivr.net" not in served.content and RIVE_LOCAL in served.content
            assert len(served.content) == len(original)  # the wasm binary's strings keep their lengths
            again = client.get(f"/app/{name}", headers={"If-None-Match": served.headers["etag"]})
            assert again.status_code == 304
        assert served.headers["content-type"] == "application/wasm"
        engine = client.get("/app/canvaskit/skwasm.wasm")  # compressed once, isolated like the page
        assert engine.headers["content-encoding"] == "gzip"
        assert engine.content == (web / "canvaskit" / "skwasm.wasm").read_bytes()
        assert engine.headers["cross-origin-embedder-policy"] == "require-corp"
        assert client.get("/app/manifest.json").json()["name"] == "fieldtally"  # Flet's own, patched

        # The browser resolves the padded address against <base href="/app/">: our folder.
        resolved = httpx.URL("http://h/app/").join(RIVE_LOCAL.decode() + "wasm/rive_native.js")
        assert resolved.path == "/app/rive-native/wasm/rive_native.js"
        assert client.get(resolved.path).text == "var RiveNative = function () {};"
        (tmp_path / "assets" / "secret.txt").write_text("not for browsers")
        for way_out in ("/app/rive-native/..%2fsecret.txt", "/app/rive-native/%2e%2e/secret.txt"):
            assert client.get(way_out).status_code == 404, way_out
    assert (tmp_path / "web-devices").is_dir()  # beside the SQLite file


def test_web_app__client_files_never_outside_the_client_folder(tmp_path: Path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "ok.js").write_text("ok")
    (tmp_path / "secret.js").write_text("secret")

    async def fallback(scope, receive, send):
        raise AssertionError("not for the fallback")

    files = ClientFiles(fallback, web)

    def scope(path: str, method: str = "GET") -> dict:
        return {"type": "http", "method": method, "path": "/app" + path, "root_path": "/app"}

    assert files._file(scope("/ok.js")) == (web / "ok.js").resolve()
    for bad in ("/../secret.js", "/%2e%2e/secret.js", "/ok.py", "/missing.js"):
        assert files._file(scope(bad)) is None, bad
    assert files._file(scope("/ok.js", "POST")) is None


def test_web_app__rive_files_not_installed_is_a_404_on_our_origin(tmp_path: Path):
    settings = _settings(tmp_path)
    app = create_app(settings)
    assert mount_web_app(app, settings)
    with TestClient(app) as client:
        assert client.get("/app/rive-native/wasm/rive_native.js").status_code == 404


def test_web_app__off_by_setting_or_without_flet_web_the_api_still_serves(tmp_path, monkeypatch, caplog):
    settings = _settings(tmp_path, serve_app=False)
    app = create_app(settings)
    assert not mount_web_app(app, settings)

    caplog.set_level(logging.INFO, logger="fieldtally.web")
    monkeypatch.setitem(sys.modules, "flet_web", None)  # as if the "web" extra were not installed
    monkeypatch.setitem(sys.modules, "flet_web.fastapi", None)
    settings = _settings(tmp_path)
    app = create_app(settings)
    assert not mount_web_app(app, settings)
    assert "not served" in caplog.text and "fieldtally[web]" in caplog.text
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/app/").status_code == 404


def test_web_app__device_folders_beside_sqlite_or_where_told(tmp_path: Path):
    assert web_data_dir(_settings(tmp_path)) == (tmp_path / "web-devices").resolve()
    assert web_data_dir(_settings(tmp_path, web_data_dir=str(tmp_path / "x"))) == tmp_path / "x"
    pg = make_settings({"database_url": "postgresql+psycopg://u@h/db"})
    assert web_data_dir(pg) == Path("var") / "web-devices"


@pytest.mark.parametrize("bad", [-1, 24 * 60 + 1])
def test_web_app__idle_lock_setting_is_checked(tmp_path: Path, bad):
    from sync_server.errors import ConfigError

    with pytest.raises(ConfigError, match="web_idle_lock_minutes"):
        _settings(tmp_path, web_idle_lock_minutes=bad)


def test_web_app__serve_command_serves_the_app_on_the_api_port(tmp_path: Path):
    server = start_live_server(tmp_path, serve_app=True)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.get("/health").json()["status"] == "ok"
            index = client.get("/app/")
            assert index.status_code == 200 and "flutter_bootstrap.js" in index.text
            assert b"cdn.jsdelivr.net" not in client.get("/app/main.dart.js").content
    finally:
        server.stop()
    assert "the app is served at /app/" in server.log_text()
