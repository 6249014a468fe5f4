"""A TinyDB table keyed by strings we choose, whose writes cost what they touch.

The vault's ``records`` and ``meta`` tables use record ids and meta keys as document ids. TinyDB's
own table rewrites the whole table on every change; this one hands the vault's storage only the
documents that changed (a ``ChangeSet`` from ``mobile/vault/tracking.py``, then the storage's
``write_docs``), so saving one record stays cheap however many the phone holds.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, cast

from tinydb.table import Document, Table

from vault_format import snapfile

from .vault.tracking import ChangeSet


class KeyedTable(Table):
    """A TinyDB table whose document ids are strings we choose (record ids, meta keys).

    On the vault's storage a change costs what it touches, not the table's size:
    TinyDB's own ``_update_table`` copies the whole table twice and the storage
    then compares every document; here the updater works on a ``ChangeSet`` and
    only the documents it changed are written.
    """

    document_id_class = str  # type: ignore[assignment]

    def _update_table(self, updater) -> None:
        write_docs = getattr(self._storage, "write_docs", None)
        if write_docs is None:  # another storage (tests' MemoryStorage): TinyDB's way
            super()._update_table(updater)
            return
        live = (self._storage.read() or {}).get(self.name, {})
        changes = ChangeSet(live)
        updater(changes)
        write_docs(self.name, changes.changed(), changes.removed)
        self.clear_cache()

    def live(self) -> dict[str, Any]:
        """The table as the storage holds it (read only!): documents may be packed (``bytes``, unparsed)."""
        return (self._storage.read() or {}).get(self.name, {})

    # TinyDB's stubs type document ids as int, but this table's ids are str (document_id_class
    # above); the str-keyed calls go through these, which read the live table directly (a packed
    # document is parsed here, and only here).
    def get_key(self, key: str) -> Document | None:
        value = self.live().get(key)
        if value is None:
            return None
        return Document(snapfile.unpack(value) if type(value) is bytes else value, doc_id=cast(int, key))

    def has_key(self, key: str) -> bool:
        return key in self.live()

    def update_keys(self, fields: Callable[[MutableMapping[Any, Any]], None], keys: list[str]) -> None:
        self.update(fields, doc_ids=cast("list[int]", keys))

    def remove_keys(self, keys: list[str]) -> None:
        self.remove(doc_ids=cast("list[int]", keys))

    def insert_keyed(self, doc: dict[str, Any], key: str) -> None:
        self.insert(Document(doc, doc_id=cast(int, key)))


def replace_with(doc: dict[str, Any]) -> Callable[[MutableMapping[Any, Any]], None]:
    def replace(stored: MutableMapping[Any, Any]) -> None:
        stored.clear()
        stored.update(doc)

    return replace
