"""The body of a format-2 snapshot: one line per document, each kept as its own JSON.

A format-1 snapshot sealed the whole state as one JSON object, so opening the vault parsed every
record (1.6 s and ~600 MB of peak RSS at 50,000 records, docs/benchmarks.md). Format 2 keeps the
same sealed envelope (``journal.py``) around a body the phone can open without parsing the
records: UTF-8 lines separated by ``\\n``::

    #<JSON table name>                          starts a table (also an empty one)
    <JSON doc id>\\t<index>\\t<JSON document>     a document of the table above

JSON never holds a raw tab or newline (control characters in strings are escaped) and UTF-8 never
makes those bytes out of other characters, so splitting on them is exact. ``index`` is a short
text the phone derives from the document (``mobile/record_index.py``: state, dates, the folded
words a search reads) so that unlocking, counting and searching need no parse; it holds no tab or
newline, may be empty, and is never trusted to be current (the phone recomputes it if it does not
recognise it). Documents of the tables named in ``packed`` stay ``Packed`` (their JSON bytes, parsed
on access); the others are parsed at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from .errors import Corrupt

TABLE = b"#"


class Packed:
    """A stored document kept as its JSON bytes, with the index it was sealed with (UTF-8 bytes).

    ``dirty`` is always False (nothing edits the bytes in place; a change stores a new document);
    ``entry`` is a place for the phone to keep the parsed index (it then drops ``index``).
    """

    __slots__ = ("entry", "index", "raw")
    dirty = False

    def __init__(self, raw: bytes, index: bytes = b"") -> None:
        self.raw = raw
        self.index = index
        self.entry: Any = None

    def doc(self) -> dict[str, Any]:
        """The document, parsed now (a fresh dict each time: nothing is cached)."""
        value = json.loads(self.raw)
        if not isinstance(value, dict):
            raise Corrupt("a snapshot document is not an object")
        return value


def plain(value: Any) -> dict[str, Any]:
    """A stored document as a dict, whether packed or already parsed (a copy when parsed)."""
    return value.doc() if type(value) is Packed else dict(value)


def dumps(value: Any) -> bytes:
    if type(value) is Packed:
        return value.raw
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode(tables: dict[str, dict[str, Any]], index_of: Callable[[str, Any], str] | None = None) -> bytes:
    """The format-2 body of ``tables``; ``index_of(table, document)`` gives each line's index."""
    out: list[bytes] = []
    for name, table in tables.items():
        out.append(TABLE + _key(name))
        for doc_id, value in table.items():
            index = index_of(name, value).encode("utf-8") if index_of is not None else b""
            if b"\t" in index or b"\n" in index:
                raise ValueError("an index may not hold a tab or a newline")
            out.append(b"\t".join((_key(str(doc_id)), index, dumps(value))))
    return b"\n".join(out)


def decode(body: bytes, packed: Collection[str] = ()) -> dict[str, dict[str, Any]]:
    """The tables of a format-2 body: documents of ``packed`` tables as ``Packed``, the rest parsed.

    Raises Corrupt for a body that authenticated but does not have this shape.
    """
    tables: dict[str, dict[str, Any]] = {}
    table: dict[str, Any] | None = None
    keep = False
    find, size, pos = body.find, len(body), 0
    try:
        # One pass of find() over the body, one copy of each part: no list of lines (tens of MB).
        while pos < size:
            end = find(b"\n", pos)
            if end < 0:
                end = size
            if body[pos : pos + 1] == TABLE:
                name = _unkey(body[pos + 1 : end])
                table = tables.setdefault(name, {})
                keep = name in packed
                pos = end + 1
                continue
            tab1 = find(b"\t", pos, end)
            tab2 = find(b"\t", tab1 + 1, end)
            if tab1 < 0 or tab2 < 0 or table is None:
                raise ValueError(f"a malformed line at byte {pos}")
            key = _unkey(body[pos:tab1])
            if keep:
                table[key] = Packed(body[tab2 + 1 : end], body[tab1 + 1 : tab2])
            else:
                doc = json.loads(body[tab2 + 1 : end])
                if not isinstance(doc, dict):
                    raise ValueError("a document is not an object")
                table[key] = doc
            pos = end + 1
    except (ValueError, TypeError) as exc:
        raise Corrupt(f"snapshot body: {exc}") from exc
    return tables


def _key(s: str) -> bytes:
    return json.dumps(s, ensure_ascii=False).encode("utf-8")


def _unkey(b: bytes) -> str:
    # Ids are mostly plain (uuids, meta keys): skip the JSON parser when nothing is escaped.
    if len(b) >= 2 and b[:1] == b'"' and b[-1:] == b'"' and b"\\" not in b:
        return b[1:-1].decode("utf-8")
    value = json.loads(b)
    if not isinstance(value, str):
        raise ValueError("a key is not a string")
    return value
