"""Plain app settings: defaults, atomic save, a damaged file, where the data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.settings_store import SETTINGS_NAME, AppSettings, data_dir, load_settings, save_settings


def test_settings__defaults_when_missing(tmp_path: Path):
    s = load_settings(tmp_path / "nowhere")
    assert s == AppSettings() and s.language == "vi" and not s.enrolled


def test_settings__round_trip_and_no_temp_left(tmp_path: Path):
    s = AppSettings(
        server_url="https://ft.example.vn",
        username="canbo",
        unit="HN-SS-MT",
        device_id="d1",
        full_name="Nguyễn Văn Cán",
        enrolled=True,
        theme="dark",
    )
    save_settings(tmp_path / "app", s)
    assert load_settings(tmp_path / "app") == s
    assert [p.name for p in (tmp_path / "app").iterdir()] == [SETTINGS_NAME]


def test_settings__damaged_or_foreign_file_gives_defaults_or_keeps_what_it_can(tmp_path: Path):
    (tmp_path / SETTINGS_NAME).write_text("{not json")
    assert load_settings(tmp_path) == AppSettings()
    (tmp_path / SETTINGS_NAME).write_text('{"username": "canbo", "from_a_newer_app": 1}')
    assert load_settings(tmp_path).username == "canbo"


def test_settings__never_hold_the_device_token():
    assert not any("token" in name or "pin" in name for name in AppSettings.model_fields)


def test_settings__data_dir_prefers_flet_then_our_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "flet"))
    monkeypatch.setenv("FIELDTALLY_DATA_DIR", str(tmp_path / "ours"))
    assert data_dir() == tmp_path / "flet"
    monkeypatch.delenv("FLET_APP_STORAGE_DATA")
    assert data_dir() == tmp_path / "ours"
    monkeypatch.delenv("FIELDTALLY_DATA_DIR")
    assert data_dir() == Path.home() / ".local" / "share" / "fieldtally"
