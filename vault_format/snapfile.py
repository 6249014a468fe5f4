"""The body of a format-2 snapshot: one line per document, each kept as its own JSON.

A format-1 snapshot sealed the whole state as one JSON object, so opening the vault parsed every
record (1.5 s and ~290 MB of traced heap at 50,000 records, docs/benchmarks.md). Format 2 keeps the
same sealed envelope (``journal.py``) around a body the phone can open without parsing the
records: UTF-8 lines separated by ``\\n``, for each table::

    #<JSON table name>
    <JSON array of the table's document ids>
    <index>\\t<JSON document>        one line per id, in the same order

JSON never holds a raw tab or newline (control characters in strings are escaped) and UTF-8 never
makes those bytes out of other characters, so splitting on them is exact. ``index`` is a short
text the phone derives from the document (``mobile/record_index.py``: state, dates, the folded
words a search reads) so that unlocking, counting and searching need no parse; it holds no tab or
newline, may be empty, and is never trusted to be current (the phone remakes it if it does not
recognise it).

Documents of the tables named ``packed`` in ``decode`` stay *packed*: the ``bytes`` of their line
as it is (``index\\tdocument``), so opening costs a split and a dict, with no step per document in
Python; ``unpack`` parses one when it is read. Other tables are parsed at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from .errors import Corrupt

TABLE = b"#"


def is_packed(value: Any) -> bool:
    return type(value) is bytes


def unpack(line: bytes) -> dict[str, Any]:
    """A packed document, parsed now (a fresh dict each time: nothing is cached)."""
    value = json.loads(document(line))
    if not isinstance(value, dict):
        raise Corrupt("a snapshot document is not an object")
    return value


def document(line: bytes) -> bytes:
    """The JSON of a packed document."""
    return line[line.index(b"\t") + 1 :]


def index(line: bytes) -> bytes:
    """The index sealed beside a packed document (b"" if none)."""
    return line[: line.index(b"\t")]


def plain(value: Any) -> dict[str, Any]:
    """A stored document as a dict, whether packed or already parsed (a copy when parsed)."""
    return unpack(value) if type(value) is bytes else dict(value)


def encode(
    tables: dict[str, dict[str, Any]], index_of: Callable[[str, str, Any], str] | None = None
) -> bytes:
    """The format-2 body of ``tables``; ``index_of(table, doc id, document)`` gives each line's index.

    A packed document keeps its line unless ``index_of`` gives it another index.
    """
    out: list[bytes] = []
    for name, table in tables.items():
        out.append(TABLE + _dumps(name))
        out.append(_dumps([str(doc_id) for doc_id in table]))
        for doc_id, value in table.items():
            new = index_of(name, str(doc_id), value).encode("utf-8") if index_of is not None else b""
            if b"\t" in new or b"\n" in new:
                raise ValueError("an index may not hold a tab or a newline")
            if type(value) is bytes:
                out.append(value if new == index(value) else new + value[value.index(b"\t") :])
            else:
                out.append(new + b"\t" + _dumps(value))
    return b"\n".join(out)


def decode(
    body: bytes, packed: Collection[str] = (), *, only: Collection[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The tables of a format-2 body: documents of ``packed`` tables packed, the rest parsed.

    ``only``: just these tables (the others are skipped, unparsed). Raises Corrupt for a body that
    authenticated but does not have this shape.
    """
    return decode_lines(body.split(b"\n") if body else [], packed, only=only)


def decode_lines(
    lines: list[bytes], packed: Collection[str] = (), *, only: Collection[str] | None = None
) -> dict[str, dict[str, Any]]:
    """``decode`` of a body already cut at its newlines (``journal.read_snapshot`` cuts as it opens)."""
    tables: dict[str, dict[str, Any]] = {}
    pos = 0
    try:
        while pos < len(lines):
            head = lines[pos]
            if head[:1] != TABLE or pos + 1 >= len(lines):
                raise ValueError(f"line {pos} does not start a table")
            name = json.loads(head[1:])
            keys = json.loads(lines[pos + 1])
            if not isinstance(name, str) or not isinstance(keys, list):
                raise ValueError(f"line {pos} does not start a table")
            docs = lines[pos + 2 : pos + 2 + len(keys)]
            if len(docs) != len(keys) or not all(type(k) is str for k in keys):
                raise ValueError(f"table {name!r} is cut short")
            if only is not None and name not in only:
                pass
            elif name in packed:
                tables[name] = dict(zip(keys, docs, strict=True))
            else:
                tables[name] = {k: unpack(line) for k, line in zip(keys, docs, strict=True)}
            pos += 2 + len(keys)
    except (ValueError, TypeError) as exc:  # json's errors are ValueErrors
        raise Corrupt(f"snapshot body: {exc}") from exc
    return tables


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
