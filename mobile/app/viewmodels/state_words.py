"""Words that say what state something is in, chosen from the state itself (no Flet).

A sync that has not yet counted its batches is "syncing…", not "syncing… 0/0"; a count appears
once there is one to give. The lock screen greets by name only when it knows one: the name is
kept in the vault, not beside it (docs/security.md C21), so before the first unlock of this app
version it has none, and "Hello ." is not a greeting.
"""

from __future__ import annotations

from ..i18n import tr


def sync_progress_text(lang: str, progress: tuple[int, int]) -> str:
    done, total = progress
    return tr(lang, "syncing", done=done, total=total) if total else tr(lang, "syncing_started")


def unlock_intro(lang: str, name: str) -> str:
    name = name.strip()
    return tr(lang, "unlock_intro", name=name) if name else tr(lang, "unlock_intro_no_name")
