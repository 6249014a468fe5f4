"""Words that say what state something is in, chosen from the state itself (no Flet).

A sync that has not yet counted its batches is "syncing…", not "syncing… 0/0"; a count appears
once there is one to give.
"""

from __future__ import annotations

from ..i18n import tr


def sync_progress_text(lang: str, progress: tuple[int, int]) -> str:
    done, total = progress
    return tr(lang, "syncing", done=done, total=total) if total else tr(lang, "syncing_started")
