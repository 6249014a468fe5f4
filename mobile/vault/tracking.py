"""Documents and tables that notice what is changed in them, so the vault writes only that.

``EncryptedStorage`` (``storage.py``) journals only what changed since its last write: a cached
document is a ``TrackedDoc``, which marks itself dirty on any top-level change, and a table that
knows what it changes hands TinyDB's updater a ``ChangeSet`` instead of a copy of the whole table
(``mobile/keyed_table.py``). Kept apart from the storage because this is the bookkeeping of what
changed, not how it reaches the disk.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any


class TrackedDoc(dict):
    """A stored document that notices top-level changes."""

    __slots__ = ("dirty",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dirty = False

    def __setitem__(self, key: Any, value: Any) -> None:
        self.dirty = True
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.dirty = True
        super().__delitem__(key)

    def __ior__(self, other: Any) -> TrackedDoc:  # type: ignore[misc]
        self.dirty = True
        return super().__ior__(other)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.dirty = True
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self.dirty = True
        return super().pop(*args)

    def popitem(self) -> tuple[Any, Any]:
        self.dirty = True
        return super().popitem()

    def clear(self) -> None:
        self.dirty = True
        super().clear()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.dirty = True
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
        doc = self.read[key] = TrackedDoc(self.live[key])
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
