"""Every string key the screens use exists in Vietnamese and English, with the same placeholders."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from mobile.app import i18n
from mobile.app.screens import home, progress, record_form, records_list

APP = Path(i18n.__file__).parent


def _keys_used_in_calls() -> set[tuple[str, str]]:
    used = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            args = node.args
            if name == "t" and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                used.add((args[0].value, f"{path.name}:{node.lineno}"))
            if name == "tr" and len(args) > 1 and isinstance(args[1], ast.Constant):
                used.add((args[1].value, f"{path.name}:{node.lineno}"))
    return used


def _keys_in_tables() -> set[str]:
    keys = {key for _, key, _ in home._STATE_KEYS}
    keys |= set(records_list._TITLES.values())
    keys |= {key for key, _ in progress._STATUS.values()}
    keys |= set(record_form._SECTIONS.values())
    return keys


def test_i18n__every_used_key_is_translated():
    missing = sorted(f"{key} ({where})" for key, where in _keys_used_in_calls() if key not in i18n.STRINGS)
    missing += sorted(k for k in _keys_in_tables() if k not in i18n.STRINGS)
    assert not missing, f"keys without a translation: {missing}"


def test_i18n__the_scan_finds_the_screens_keys():
    # Guards the test above against scanning nothing.
    found = {k for k, _ in _keys_used_in_calls()}
    assert {"enroll", "pin_save", "finalize", "sync_now", "progress_as_of"} <= found


def test_i18n__both_languages_present_with_the_same_placeholders():
    fmt = string.Formatter()
    for key, (vi, en) in i18n.STRINGS.items():
        assert vi.strip() and en.strip(), key
        names = lambda s: {f for _, f, _, _ in fmt.parse(s) if f}  # noqa: E731
        assert names(vi) == names(en), key


def test_i18n__missing_key_shows_the_key_not_a_crash():
    assert i18n.tr("vi", "no_such_key") == "no_such_key"
    assert i18n.tr("en", "sync_done", stored=3) == "Synced: 3 records sent."
