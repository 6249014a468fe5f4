"""How the commands report problems: each in Vietnamese and English, one line each, on stderr."""

from __future__ import annotations

import sys

from schemas.common import Issue

from ..errors import InvalidInput


def issues_error(issues: list[Issue]) -> InvalidInput:
    """Print ``issues`` and return the error that ends the command (exit 2, nothing written)."""
    for i in issues:
        print(f"  vi: {i.message.vi}\n  en: {i.message.en}", file=sys.stderr)
    return InvalidInput(f"{len(issues)} problem(s); nothing was written")
