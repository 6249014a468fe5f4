"""Reading a vault's whole state from its sealed files: snapshot + journal, replayed.

The phone's TinyDB storage (``mobile/vault/storage.py``) and the server's
vault recovery both need the same replay, so it lives here once: the
journal's operations (``p`` put a document, ``d`` delete one, ``t`` create a
table, ``D`` drop one) applied in order on the snapshot's tables.
``read_tables`` is the read-only path for a copy of the files: it never
writes, cuts or replaces anything (the phone's storage does that when it
opens the live vault).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from . import journal as jn
from . import snapfile
from .errors import Corrupt

Tables = dict[str, dict[str, Any]]

# The tables the phone keeps (``mobile/records.py``): named here because the server's recovery reads them too.
RECORDS_TABLE = "records"  # doc id -> StoredRecord JSON: {"record": ..., "state": ..., "issues": ...}
META_TABLE = "meta"
# Meta documents the server reads when it recovers a vault (sync_server/services/vault_recovery.py):
# the device token the server gave this phone, and the unlock key it issued at enrollment
# ({"device": n, "key": base64}). Inside the vault they are encrypted under the data key, so only the
# PIN (with the device secret) or the server's recovery key reads them; the unlock key proves the
# vault's owner even after the phone enrolled again with a new token.
TOKEN_META_KEY = "device_token"
UNLOCK_META_KEY = "unlock_key"


def _apply(tables: Tables, ops: list[list[Any]], doc: Callable[[Any], Any]) -> None:
    for op in ops:
        kind, name = op[0], op[1]
        if kind == "p":
            tables.setdefault(name, {})[op[2]] = doc(op[3])
        elif kind == "d":
            tables.get(name, {}).pop(op[2], None)
        elif kind == "t":
            tables.setdefault(name, {})
        elif kind == "D":
            tables.pop(name, None)
        else:
            raise ValueError(f"unknown journal operation {kind!r}")


def replay(
    snapshot: Tables,
    payloads: list[Any],
    *,
    doc: Callable[[Any], Any] = dict,
    keep: Collection[str] = (),
) -> Tables:
    """The state after applying the journal ``payloads`` to ``snapshot``; each document made by ``doc``.

    The snapshot's tables named in ``keep`` are taken as they are (their packed documents stay
    packed, ``snapfile.py``; the journal's documents still go through ``doc``); a packed document
    elsewhere is parsed first. Raises Corrupt for content that authenticated but does not have the
    expected shape.
    """

    def make(d: Any) -> Any:
        return doc(snapfile.unpack(d) if type(d) is bytes else d)

    try:
        tables = {
            name: table if name in keep else {doc_id: make(d) for doc_id, d in table.items()}
            for name, table in snapshot.items()
        }
        for payload in payloads:
            _apply(tables, payload, doc)
    except (AttributeError, TypeError, ValueError, IndexError) as exc:
        raise Corrupt(f"unexpected content: {exc}") from exc
    return tables


def read_tables(folder: Path, key: bytes, vault_id: str) -> Tables:
    """Every table of the vault in ``folder`` (read only); Corrupt if a file is damaged or missing.

    A journal still named by the snapshot as the one it replaced is already
    folded into the snapshot (a compaction was cut short): it adds nothing.
    """
    folder = Path(folder)
    snap = jn.read_snapshot(folder / jn.SNAP_NAME, key, vault_id=vault_id)
    journal = folder / jn.JOURNAL_NAME
    if not journal.exists():
        raise Corrupt(f"{jn.JOURNAL_NAME} is missing")
    jid = jn.read_journal_id(journal)
    if jid == snap.journal_id:
        payloads = jn.scan_journal(journal, key).payloads
    elif jid == snap.prev_journal_id:
        payloads = []
    else:
        raise Corrupt(f"{jn.JOURNAL_NAME} does not belong to {jn.SNAP_NAME}")
    return replay(snap.tables, payloads)
