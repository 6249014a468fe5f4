"""Documents and tables that notice what is changed in them, so the vault writes only that.

``EncryptedStorage`` (``storage.py``) journals only what changed since its last write: a cached
document is a ``TrackedDoc``, which marks itself dirty on any top-level change, and a table that
knows what it changes hands TinyDB's updater a ``ChangeSet`` instead of a copy of the whole table
(``mobile/keyed_table.py``). Kept apart from the storage because this is the bookkeeping of what
changed, not how it reaches the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from tinydb.table import Table

from vault_format import snapfile


class TrackedDoc(dict):
    """A stored document that notices top-level changes."""

    __slots__ = ("dirty",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dirty = False

    def _touch(self) -> None:
        self.dirty = True

    def __setitem__(self, key: Any, value: Any) -> None:
        self._touch()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._touch()
        super().__delitem__(key)

    def __ior__(self, other: Any) -> TrackedDoc:  # type: ignore[misc]
        self._touch()
        return super().__ior__(other)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._touch()
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self._touch()
        return super().pop(*args)

    def popitem(self) -> tuple[Any, Any]:
        self._touch()
        return super().popitem()

    def clear(self) -> None:
        self._touch()
        super().clear()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._touch()
        return super().setdefault(key, default)


class ChangeSet(MutableMapping):
    """A table as a TinyDB updater sees it, recording what the updater changes.

    The live table is not touched: a document read is handed out as a
    ``TrackedDoc`` copy (TinyDB's ``update`` mutates what it reads), so after
    the updater ``changed()`` holds only the documents it assigned or mutated
    and ``removed`` the ids it deleted; ``EncryptedStorage.write_docs`` then
    writes just those. Cost: what the updater touches, not the table's size.
    """

    def __init__(self, live: dict[str, Any]):
        self.live = live
        self.assigned: dict[str, Any] = {}
        self.read: dict[str, TrackedDoc] = {}
        self.removed: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        if key in self.assigned:
            return self.assigned[key]
        if key in self.read:
            return self.read[key]
        if key in self.removed:
            raise KeyError(key)
        live = self.live[key]
        doc = self.read[key] = TrackedDoc(snapfile.unpack(live) if type(live) is bytes else live)
        return doc

    def __setitem__(self, key: str, value: Any) -> None:
        self.removed.discard(key)
        self.read.pop(key, None)
        self.assigned[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.assigned.pop(key, None)
        self.read.pop(key, None)
        self.removed.add(key)

    def __contains__(self, key: object) -> bool:
        if key in self.assigned or key in self.read:
            return True
        return key not in self.removed and key in self.live

    def __iter__(self) -> Iterator[str]:
        for key in list(self.live):
            if key not in self.removed:
                yield key
        for key in list(self.assigned):
            if key not in self.live:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def changed(self) -> dict[str, dict[str, Any]]:
        out = {k: dict(v) for k, v in self.assigned.items()}
        out.update((k, dict(v)) for k, v in self.read.items() if v.dirty)
        return out


def unpack_in_place(table: dict[str, Any], written: dict[str, Any]) -> None:
    """Parse a table's packed documents (``snapfile``) where they are; they stay "written"."""
    for doc_id, value in table.items():
        if type(value) is bytes:
            doc = table[doc_id] = TrackedDoc(snapfile.unpack(value))
            if written.get(doc_id) is value:
                written[doc_id] = doc


def pack_in_place(
    table: dict[str, Any], written: dict[str, Any], lines: dict[str, bytes]
) -> dict[str, tuple[Any, bytes]]:
    """Swap a table's clean, written documents for the lines just sealed for them; what was swapped.

    Only a document exactly as last written is swapped (the line is the same revision).
    """
    swapped: dict[str, tuple[Any, bytes]] = {}
    for doc_id, line in lines.items():
        old: Any = table.get(doc_id)
        if isinstance(old, TrackedDoc) and not old.dirty and written.get(doc_id) is old:
            table[doc_id] = written[doc_id] = line
            swapped[doc_id] = (old, line)
    return swapped


class VaultTable(Table):
    """TinyDB's table, for a vault whose snapshot keeps some tables packed (``vault_format/snapfile.py``).

    Generic TinyDB code reads and edits plain dicts, so before its first read of a table the storage
    parses that table's packed documents (``EncryptedStorage.materialize``). The phone's own record
    table (``mobile/keyed_table.py``) never does: it reads packed documents one at a time.
    """

    def _materialize(self) -> None:
        materialize = getattr(self._storage, "materialize", None)
        if materialize is not None:
            materialize(self.name)

    def _read_table(self) -> dict[str, Mapping]:
        self._materialize()
        return super()._read_table()

    def _update_table(self, updater: Callable[[dict[int, Mapping]], None]) -> None:
        self._materialize()
        super()._update_table(updater)
