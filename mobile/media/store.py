"""``MediaStore``: the photos in the vault folder, one sealed blob each, and which are on the server.

Files: ``<vault>/media/<name>.blob``, one per photo, written atomically
(``vault_format.atomic``)::

    MAGIC "FTM1" | nonce (12) | AES-256-GCM(JPEG), AAD = MAGIC | the photo's SHA-256 (hex)

The key is not the data key: it is derived from it by HKDF with its own
label (``Vault.subkey``), so the photos' key can never open the records, and
a blob moved onto another photo's name or into another vault fails its tag.
The file name is a keyed hash of the photo's SHA-256, so the folder does not
tell anyone holding a copy of a photo whether it is on this phone. No byte of
a photo is ever on disk in clear; the records' answers hold only
``MediaRef`` dicts (``schemas.media``), inside the encrypted TinyDB state.

Beside the blobs, the vault's ``media`` table (encrypted like the records)
says for each photo whether the server has it all (``uploaded``) or refused it
(``refused``: the server's sentence, shown to the officer; the photo stays).
``prune(keep)`` removes the photos no record or form in progress refers to.
Reading and writing need the vault unlocked (the key lives only while it is).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas.common import LocalizedText, text, utcnow
from schemas.media import MediaRef
from vault_format.atomic import atomic_write, fsync_dir, remove_stray_temps

from ..errors import MediaUnreadable, VaultError
from ..keyed_table import KeyedTable, replace_with
from ..vault import Vault
from .shrink import Shrunk, shrink

MEDIA_DIR = "media"
MEDIA_TABLE = "media"
MAGIC = b"FTM1"
NONCE_BYTES = 12
BLOB_KEY_LABEL = b"fieldtally media blobs v1"
NAME_KEY_LABEL = b"fieldtally media names v1"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

_LOCKED = text("Kho dữ liệu đã khóa. Hãy mở khóa lại.", "The data store is locked. Unlock it again.")


@dataclass(frozen=True)
class MediaState:
    sha256: str
    size: int
    uploaded: bool
    refused: LocalizedText | None  # the server refused the photo (not an image, hash mismatch): why


class MediaStore:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self.folder = Path(vault.folder) / MEDIA_DIR
        self._aead = AESGCM(vault.subkey(BLOB_KEY_LABEL))
        self._name_key = vault.subkey(NAME_KEY_LABEL)
        self._table = KeyedTable(vault.db.storage, MEDIA_TABLE, cache_size=0)
        self._lock = threading.RLock()
        if self.folder.is_dir():
            remove_stray_temps(self.folder)

    # ---- adding ------------------------------------------------------------------------------------
    def add(self, data: bytes, name: str) -> MediaRef:
        """Shrink ``data`` (any photo; NotAnImage/ImageTooLarge/ImageDamaged) and store it sealed."""
        return self.put(shrink(data), name)

    def put(self, photo: Shrunk, name: str) -> MediaRef:
        """Store an already shrunk photo (idempotent by hash); returns the reference a record keeps."""
        sha = photo.sha256
        ref = MediaRef(
            sha256=sha,
            size=len(photo.jpeg),
            mime="image/jpeg",  # MEDIA_MIME: a Literal for the model
            name=name,
            width=photo.width,
            height=photo.height,
        )
        with self._lock:
            self._check_open()
            path = self._path(sha)
            if not path.is_file():
                self.folder.mkdir(parents=True, exist_ok=True)
                nonce = os.urandom(NONCE_BYTES)
                sealed = self._aead.encrypt(nonce, photo.jpeg, _aad(sha))
                atomic_write(path, MAGIC + nonce + sealed)
            if not self._table.has_key(sha):
                doc = {
                    "size": len(photo.jpeg),
                    "uploaded": False,
                    "refused": None,
                    "at": utcnow().isoformat(),
                }
                self._table.insert_keyed(doc, sha)
        return ref

    # ---- reading -----------------------------------------------------------------------------------
    def read(self, sha256: str) -> bytes:
        """The JPEG of ``sha256``, decrypted in memory; MediaUnreadable if missing or not ours."""
        with self._lock:
            self._check_open()
            path = self._path(sha256)
            try:
                blob = path.read_bytes()
            except FileNotFoundError as exc:
                raise MediaUnreadable(detail=f"no blob for {sha256[:12]}") from exc
            except OSError as exc:
                raise MediaUnreadable(detail=f"{type(exc).__name__}: {exc}") from exc
        if len(blob) < len(MAGIC) + NONCE_BYTES + 16 or not blob.startswith(MAGIC):
            raise MediaUnreadable(detail=f"blob for {sha256[:12]} is not a sealed photo")
        nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            data = self._aead.decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], _aad(sha256))
        except InvalidTag as exc:
            raise MediaUnreadable(detail=f"blob for {sha256[:12]} fails its tag") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise MediaUnreadable(detail=f"blob for {sha256[:12]} holds another photo")
        return data

    def has(self, sha256: str) -> bool:
        return _SHA256.match(sha256) is not None and self._path(sha256).is_file()

    def state(self, sha256: str) -> MediaState | None:
        with self._lock:
            doc = self._table.get_key(sha256)
        return _state(sha256, doc) if doc is not None else None

    def states(self) -> dict[str, MediaState]:
        with self._lock:
            docs = {str(d.doc_id): dict(d) for d in self._table}
        return {sha: _state(sha, doc) for sha, doc in docs.items()}

    # ---- what the server has -----------------------------------------------------------------------
    def mark_uploaded(self, sha256: str) -> None:
        self._change(sha256, uploaded=True, refused=None)

    def mark_refused(self, sha256: str, why: LocalizedText) -> None:
        """The server refused the photo for good: it stays here, flagged, with the server's reason."""
        self._change(sha256, refused=why.model_dump(mode="json"))

    def clear_refused(self, sha256: str) -> None:
        self._change(sha256, refused=None)

    def _change(self, sha256: str, **change: Any) -> None:
        with self._lock:
            self._check_open()
            doc = self._table.get_key(sha256)
            if doc is None:
                return
            self._table.update_keys(replace_with({**doc, **change}), [sha256])

    # ---- removing ----------------------------------------------------------------------------------
    def remove(self, sha256: str) -> None:
        """Forget one photo: its blob and its row (callers check that no record refers to it)."""
        with self._lock:
            self._check_open()
            self._unlink(self._path(sha256))
            if self._table.has_key(sha256):
                self._table.remove_keys([sha256])

    def prune(self, keep: set[str]) -> int:
        """Remove every photo not in ``keep`` (and any blob file no row names); returns how many went."""
        with self._lock:
            self._check_open()
            known = {str(d.doc_id) for d in self._table}
            gone = sorted(known - keep)
            if gone:
                self._table.remove_keys(gone)
            wanted = {self._path(sha).name for sha in known & keep}
            removed = 0
            if self.folder.is_dir():
                for path in self.folder.iterdir():
                    if path.suffix == ".blob" and path.name not in wanted:
                        self._unlink(path, sync=False)
                        removed += 1
                if removed:
                    fsync_dir(self.folder)
            return max(removed, len(gone))

    # ---- internals ---------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._vault.closed:
            raise VaultError(_LOCKED, detail="media store used after the vault closed")

    def _path(self, sha256: str) -> Path:
        if _SHA256.match(sha256) is None:
            raise MediaUnreadable(detail="not a SHA-256 hex digest")
        name = hmac.new(self._name_key, sha256.encode("ascii"), hashlib.sha256).hexdigest()[:40]
        return self.folder / f"{name}.blob"

    def _unlink(self, path: Path, *, sync: bool = True) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            return
        if sync:
            fsync_dir(path.parent)


def _aad(sha256: str) -> bytes:
    return MAGIC + sha256.encode("ascii")


def _state(sha256: str, doc: dict[str, Any]) -> MediaState:
    refused = doc.get("refused")
    return MediaState(
        sha256=sha256,
        size=int(doc.get("size") or 0),
        uploaded=bool(doc.get("uploaded")),
        refused=LocalizedText.model_validate(refused) if isinstance(refused, dict) else None,
    )
