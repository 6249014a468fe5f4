"""Translation coverage: every key the app uses exists in Vietnamese and English, none is left unused,
placeholders agree, and no visible text is written into a screen without going through ``tr``."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from mobile.app import i18n
from mobile.app.screens import progress, record_form

APP = Path(i18n.__file__).parent
# Keyword arguments whose string value a person sees or a screen reader reads.
VISIBLE_KWARGS = {
    "label",
    "tooltip",
    "hint_text",
    "helper_text",
    "semantics_label",
    "text",
    "content",
    "title",
}


def _sources() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(APP)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(APP.rglob("*.py"))
        if path.name != "i18n.py"
    }


def _call_name(node: ast.Call) -> str:
    fn = node.func
    return fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")


def _keys_used_in_calls() -> set[tuple[str, str]]:
    """(key, where) for every t("key"), tr(lang, "key") and N_("key") in the app."""
    used = set()
    for where, tree in _sources().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name, args = _call_name(node), node.args
            pos = {"t": 0, "N_": 0, "tr": 1}.get(name)
            if pos is None or len(args) <= pos:
                continue
            arg = args[pos]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                used.add((arg.value, f"{where}:{node.lineno}"))
    return used


def _string_constants() -> set[str]:
    return {
        node.value
        for tree in _sources().values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _keys_in_tables() -> set[str]:
    # Tables in modules other engineers own that hold keys without N_().
    keys = {key for key, _ in progress._STATUS.values()}
    keys |= set(record_form._SECTIONS.values())
    return keys


def test_i18n__every_used_key_is_translated():
    missing = sorted(f"{key} ({where})" for key, where in _keys_used_in_calls() if key not in i18n.STRINGS)
    missing += sorted(k for k in _keys_in_tables() if k not in i18n.STRINGS)
    assert not missing, f"keys without a translation: {missing}"


def test_i18n__the_scan_finds_the_screens_keys():
    # Guards the tests around it against scanning nothing.
    found = {k for k, _ in _keys_used_in_calls()}
    assert {"enroll", "pin_save", "finalize", "sync_now", "progress_as_of", "drafts", "send_again"} <= found


def test_i18n__no_key_is_unused():
    # A key counts as used if any app module other than i18n.py names it as a string.
    unused = sorted(set(i18n.STRINGS) - _string_constants())
    assert not unused, f"translated but never used (remove them, or use them): {unused}"


def test_i18n__both_languages_present_with_the_same_placeholders():
    fmt = string.Formatter()

    def names(s: str) -> set[str]:
        return {f for _, f, _, _ in fmt.parse(s) if f}

    for key, pair in i18n.STRINGS.items():
        assert len(pair) == len(i18n.LANGUAGES), key
        vi, en = pair
        assert vi.strip() and en.strip(), key
        assert names(vi) == names(en), key


def test_i18n__vietnamese_is_really_vietnamese():
    # A copy-pasted English string in the Vietnamese slot would pass every test above.
    letters = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
    same = {"hello", "value_of", "date_hint", "app_title"}  # placeholders only, formats, names
    suspicious = [k for k, (vi, en) in i18n.STRINGS.items() if k not in same and vi == en]
    assert not suspicious, f"Vietnamese text identical to English: {suspicious}"
    untranslated = [
        k for k, (vi, _) in i18n.STRINGS.items() if k not in same and len(vi) > 12 and not letters.search(vi)
    ]
    assert not untranslated, f"Vietnamese text without a single Vietnamese letter: {untranslated}"


def test_i18n__no_visible_text_bypasses_the_dictionary():
    """ft.Text("...") or label="..." with words in it would be shown untranslated."""
    offenders = []
    for where, tree in _sources().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            candidates = []
            if _call_name(node) == "Text" and node.args:
                candidates.append(node.args[0])
            candidates += [kw.value for kw in node.keywords if kw.arg in VISIBLE_KWARGS]
            for c in candidates:
                if (
                    isinstance(c, ast.Constant)
                    and isinstance(c.value, str)
                    and re.search(r"[^\W\d_]{2}", c.value)
                ):
                    offenders.append(f"{where}:{node.lineno}: {c.value!r}")
    assert not offenders, f"visible text not from i18n: {offenders}"


def test_i18n__missing_key_shows_the_key_not_a_crash():
    assert i18n.tr("vi", "no_such_key") == "no_such_key"
    assert i18n.tr("en", "sync_done", stored=3) == "Synced: 3 records sent."
    assert i18n.tr("vi", "results", n=2) == "Tìm thấy 2 phiếu"
    assert i18n.N_("drafts") == "drafts"
