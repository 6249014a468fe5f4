"""The vault format's errors, said to the officer: ``vault_format`` errors become the phone's ``VaultError``s.

``vault_format`` is shared with the server, so it cannot raise the phone's
exceptions; every call into it that can fail goes through ``phone_errors()``
here, the one place that decides which sentence the officer reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vault_format.errors import Corrupt, FormatError, NewerFormat, NotThisDevice

from ..errors import VaultCorrupt, VaultError


@contextmanager
def phone_errors() -> Iterator[None]:
    """Re-raise a ``vault_format`` error as VaultCorrupt (damage) or VaultError (anything else)."""
    try:
        yield
    except Corrupt as exc:
        raise VaultCorrupt(exc.detail) from exc
    except (NewerFormat, NotThisDevice) as exc:
        raise VaultError(exc.message, detail=exc.detail) from exc
    except FormatError as exc:
        raise VaultError(detail=exc.detail) from exc
