"""The append-only encrypted journal ``vault.journal`` and the sealed snapshot ``vault.snap``.

Journal layout::

    header  b"FTVJ" | u16 format | 16-byte journal id                      (22 bytes)
    frame*  u32 n | u32 crc32(n) | 12-byte nonce | AES-256-GCM(payload) + tag (n bytes)

Each frame is one ``write()`` of the storage: every change it carries is
applied or none is. The frame's associated data is
``b"fieldtally/vault.journal" | format | journal id | frame number``, so a
frame cannot be moved to another place, another journal, or reordered, and
dropping a middle frame breaks every later one.

Why append + fsync is atomic enough. Only the last frame of the file can be
the victim of a crash (earlier frames were fsynced before it was started),
and only before its fsync returned, i.e. before the write was reported done.
After such a crash, ext4 (data=ordered) and f2fs leave the appended region
either cut short or, at worst, with pages not yet written reading as zeros;
they do not invent other bytes. So the reader treats as a *torn tail*
(ignored, then cut off before the next append):

- fewer bytes left than a frame header, or nothing but zeros to the end;
- a frame whose declared length runs past the end of the file;
- a last frame whose tag fails and which holds a run of >= 64 zero bytes
  (ciphertext has such a run with probability ~2**-500).

Everything else that fails (a bad header checksum, a bad tag on a frame that
is followed by more data or that has no zero run) is damage or tampering:
``Corrupt``. What no append-only file can detect on its own is a cut at
a frame boundary (or rollback to an older copy of the files); that needs a
counter kept elsewhere, e.g. on the server, and is out of scope here.

The snapshot holds the whole state (format 1: one JSON object; format 2, written
since issue 15: one line per document, ``snapfile.py``; both are read), is replaced atomically (``atomic.py``)
and names the journal that continues it (``journal_id``) and the one it
replaced (``prev_journal_id``). Compaction writes the snapshot first, then
a fresh journal: after a crash in between, the journal on disk still has
the previous id, all of which the new snapshot already contains, so it is
recognised and replaced; a journal with any other id is corrupt.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import snapfile
from .atomic import Write, atomic_write, write_all
from .errors import Corrupt

SNAP_NAME = "vault.snap"
JOURNAL_NAME = "vault.journal"
FORMAT = 1
J_MAGIC = b"FTVJ"
J_HEADER = struct.Struct(">4sH16s")
F_HEADER = struct.Struct(">II")
NONCE = 12
TAG = 16
ZERO_RUN = b"\0" * 64
MAX_FRAME = 1 << 31

S_MAGIC = b"FTVS"
SNAP_FORMATS = (1, 2)  # 1: the state as one JSON object (still read); 2: a line per document (written)
SNAP_FORMAT = 2
S_PREFIX = struct.Struct(">4sHI")  # magic, format, length of the JSON header that follows
_CHUNK = 1 << 20  # a format-2 snapshot is opened this many bytes at a time


def _frame_aad(journal_id: bytes, seq: int) -> bytes:
    return b"fieldtally/vault.journal|" + struct.pack(">H", FORMAT) + journal_id + struct.pack(">Q", seq)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---- journal -----------------------------------------------------------------------------------------


@dataclass
class JournalScan:
    journal_id: bytes
    payloads: list[Any]  # the decoded payload of each good frame, in order
    good_end: int  # offset just past the last good frame
    size: int  # file size as found
    torn: bool  # bytes after good_end were a torn tail


def new_journal(path: Path, journal_id: bytes, *, write: Write | None = None) -> None:
    atomic_write(path, J_HEADER.pack(J_MAGIC, FORMAT, journal_id), write=write)


def read_journal_id(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(J_HEADER.size)
    if len(head) != J_HEADER.size:
        raise Corrupt(f"{path.name}: header is short")
    magic, fmt, jid = J_HEADER.unpack(head)
    if magic != J_MAGIC or fmt != FORMAT:
        raise Corrupt(f"{path.name}: not a format-{FORMAT} journal")
    return jid


def scan_journal(path: Path, key: bytes) -> JournalScan:
    """Decrypt every frame of ``path``; a torn tail is reported, any other damage raises Corrupt."""
    data = Path(path).read_bytes()
    jid = read_journal_id(path)
    aead = AESGCM(key)
    out: list[Any] = []
    pos, seq, size = J_HEADER.size, 0, len(data)
    while pos < size:
        rest = size - pos
        if rest < F_HEADER.size or data.count(0, pos) == rest:
            return JournalScan(jid, out, pos, size, torn=True)
        n, crc = F_HEADER.unpack_from(data, pos)
        if zlib.crc32(data[pos : pos + 4]) != crc or not NONCE + TAG <= n <= MAX_FRAME:
            raise Corrupt(f"{path.name}: frame {seq} header at byte {pos} is damaged")
        end = pos + F_HEADER.size + n
        if end > size:
            return JournalScan(jid, out, pos, size, torn=True)
        body = data[pos + F_HEADER.size : end]
        try:
            plain = aead.decrypt(body[:NONCE], body[NONCE:], _frame_aad(jid, seq))
        except InvalidTag as exc:
            if end == size and ZERO_RUN in body:
                return JournalScan(jid, out, pos, size, torn=True)
            raise Corrupt(f"{path.name}: frame {seq} at byte {pos} fails authentication") from exc
        try:
            out.append(json.loads(plain))
        except ValueError as exc:  # authentic but unreadable: a bug of ours, still not a crash
            raise Corrupt(f"{path.name}: frame {seq} is not JSON") from exc
        pos, seq = end, seq + 1
    return JournalScan(jid, out, pos, size, torn=False)


class JournalWriter:
    """Appends frames to an open journal at a known-good offset, fsyncing each one."""

    def __init__(
        self,
        path: Path,
        key: bytes,
        journal_id: bytes,
        *,
        end: int,
        seq: int,
        size: int,
        write: Write | None = None,
    ) -> None:
        self.path = Path(path)
        self._write = write or write_all
        self._aead = AESGCM(key)
        self.journal_id = journal_id
        self.end = end
        self.seq = seq
        self._fd = os.open(self.path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        self._junk_after_end = size > end
        if self._junk_after_end:
            self._cut()

    def _cut(self) -> None:
        os.ftruncate(self._fd, self.end)
        _datasync(self._fd)
        self._junk_after_end = False

    def append(self, payload: Any) -> int:
        """Write one frame durably; returns its size. On failure the journal is left as it was."""
        plain = dumps(payload)
        nonce = os.urandom(NONCE)
        body = nonce + self._aead.encrypt(nonce, plain, _frame_aad(self.journal_id, self.seq))
        n = len(body)
        frame = F_HEADER.pack(n, zlib.crc32(struct.pack(">I", n))) + body
        try:
            if self._junk_after_end:
                self._cut()
            os.lseek(self._fd, self.end, os.SEEK_SET)
            self._write(self._fd, frame)
            _datasync(self._fd)
        except BaseException:
            # Whatever part of the frame reached the file must not precede the next frame.
            self._junk_after_end = True
            try:
                self._cut()
            except OSError:
                pass
            raise
        self.end += len(frame)
        self.seq += 1
        return len(frame)

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:  # already gone (e.g. the storage under it vanished); nothing left to release
                pass


def _datasync(fd: int) -> None:
    # fdatasync also flushes the file size, which is all the metadata an append needs.
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


# ---- snapshot ----------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    journal_id: bytes
    prev_journal_id: bytes | None
    generation: int
    tables: dict[str, Any]  # format 2: documents of the ``packed`` tables stay packed (``snapfile``)
    size: int
    format: int = SNAP_FORMAT


def _snap_aad(header: bytes, fmt: int) -> bytes:
    return b"fieldtally/vault.snap|" + struct.pack(">H", fmt) + header


def write_snapshot(
    path: Path,
    key: bytes,
    *,
    vault_id: str,
    journal_id: bytes,
    prev_journal_id: bytes | None,
    generation: int,
    body: bytes | None = None,
    tables_json: bytes | None = None,
    write: Write | None = None,
) -> int:
    """Seal the state into ``path`` atomically; returns the file size.

    ``body`` is a format-2 body (``snapfile.encode``); ``tables_json`` (one JSON object) writes the
    format-1 snapshot older apps wrote, kept for the tests that prove such vaults still open.
    """
    if (body is None) == (tables_json is None):
        raise TypeError("give exactly one of body and tables_json")
    fmt = SNAP_FORMAT if body is not None else 1
    plain = body if body is not None else tables_json
    assert plain is not None
    header = dumps(
        {
            "vault_id": vault_id,
            "journal_id": journal_id.hex(),
            "prev_journal_id": prev_journal_id.hex() if prev_journal_id else None,
            "generation": generation,
        }
    )
    nonce = os.urandom(NONCE)
    sealed = AESGCM(key).encrypt(nonce, plain, _snap_aad(header, fmt))
    blob = S_PREFIX.pack(S_MAGIC, fmt, len(header)) + header + nonce + sealed
    atomic_write(path, blob, write=write)
    return len(blob)


def read_snapshot(path: Path, key: bytes, *, vault_id: str, packed: Collection[str] = ()) -> Snapshot:
    """The sealed state in ``path``, either format; ``packed`` tables' documents stay unparsed (format 2).

    A format-2 body is read, decrypted and cut into lines a chunk at a time, so the file and its
    plaintext are never in memory whole beside the lines (half the peak of opening a full phone);
    nothing of it is used before the tag over all of it has verified.
    """
    path = Path(path)
    name = path.name
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below, after a read that depends on the format
    except FileNotFoundError as exc:
        raise Corrupt(f"{name} is missing") from exc
    with f:
        size = os.fstat(f.fileno()).st_size
        prefix = f.read(S_PREFIX.size)
        if len(prefix) < S_PREFIX.size:
            raise Corrupt(f"{name}: too short")
        magic, fmt, hlen = S_PREFIX.unpack(prefix)
        if magic != S_MAGIC or fmt not in SNAP_FORMATS or S_PREFIX.size + hlen + NONCE + TAG > size:
            raise Corrupt(f"{name}: not a snapshot of format {' or '.join(map(str, SNAP_FORMATS))}")
        header = f.read(hlen)
        aad = _snap_aad(header, fmt)
        if fmt == 1:
            sealed = f.read()
            try:
                plain = AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], aad)
            except InvalidTag as exc:
                raise Corrupt(f"{name}: fails authentication") from exc
            del sealed
        else:
            lines = _open_lines(f, key, aad, size - S_PREFIX.size - hlen, name)
    try:
        h = json.loads(header)
        if fmt == 1:
            tables = json.loads(plain)
            del plain
        else:
            tables = snapfile.decode_lines(lines, packed)
            del lines
        if h["vault_id"] != vault_id or not isinstance(tables, dict):
            raise ValueError("belongs to another vault")
        prev = bytes.fromhex(h["prev_journal_id"]) if h["prev_journal_id"] else None
        return Snapshot(bytes.fromhex(h["journal_id"]), prev, int(h["generation"]), tables, size, fmt)
    except (ValueError, KeyError, TypeError) as exc:
        raise Corrupt(f"{name}: {exc}") from exc


def _open_lines(f: BinaryIO, key: bytes, aad: bytes, sealed_size: int, name: str) -> list[bytes]:
    """AES-256-GCM (the same as ``AESGCM``: nonce, ciphertext, 16-byte tag) opened in chunks, cut at
    newlines; Corrupt, and nothing returned, unless the tag verifies."""
    nonce = f.read(NONCE)
    left = sealed_size - NONCE - TAG
    body_at = f.tell()
    f.seek(body_at + left)
    tag = f.read(TAG)
    f.seek(body_at)
    opener = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
    opener.authenticate_additional_data(aad)
    lines: list[bytes] = []
    carry = b""
    while left > 0:
        chunk = f.read(min(left, _CHUNK))
        if not chunk:
            raise Corrupt(f"{name}: cut short")
        left -= len(chunk)
        parts = (carry + opener.update(chunk)).split(b"\n")
        carry = parts.pop()
        lines += parts
    try:
        opener.finalize()
    except InvalidTag as exc:
        raise Corrupt(f"{name}: fails authentication") from exc
    if carry or lines:
        lines.append(carry)
    return lines
