"""Photos on disk: where each file lives, appending an upload's chunks, checking a finished file, thumbnails.

One file per content hash, so two records (or two phones) that attach the same photo store it once.
Layout under the media folder (``media_root``)::

    partial/<sha256>.part      an upload in progress (bytes 0..received)
    ab/<sha256>.jpg            a checked photo (``ab``: the hash's first two digits)
    thumbs/ab/<sha256>.jpg     its thumbnail, made on first request and kept

The database (``services/media.py``) says how much of an upload counts; a chunk is always written
at that offset after cutting the partial file there, so bytes a failed commit left behind are
overwritten, never appended to. A finished file is checked before it is moved into place: its
SHA-256 must be the name it was uploaded under and Pillow must decode it as a JPEG whose sides are
within ``MAX_IMAGE_SIDE`` and whose pixels within ``MAX_PIXELS`` (decoded at a reduced scale, so a
small file that claims a huge image costs little memory). Folders are the server user's only.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

from schemas.media import MAX_IMAGE_SIDE, THUMB_SIDE

from ..config import Settings, beside_database

MAX_PIXELS = 4096 * 4096  # what the server decodes at most; a phone's photo is 1600 px on its longest side
THUMB_QUALITY = 70


def media_root(settings: Settings) -> Path:
    """The media folder: ``media_dir``, else ``media`` beside the SQLite file, else ./var/media."""
    if settings.media_dir:
        return Path(settings.media_dir).expanduser()
    return beside_database(settings.database_url, "media")


class MediaFiles:
    """The files of one media folder. Nothing is created until something is written."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def partial(self, sha256: str) -> Path:
        return self.root / "partial" / f"{sha256}.part"

    def final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.jpg"

    def thumb(self, sha256: str) -> Path:
        return self.root / "thumbs" / sha256[:2] / f"{sha256}.jpg"

    def _folder(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    def partial_size(self, sha256: str) -> int:
        try:
            return self.partial(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def read_partial(self, sha256: str, offset: int, length: int) -> bytes:
        """Bytes ``offset``..``offset+length`` of an upload in progress (fewer if the file is shorter)."""
        try:
            with self.partial(sha256).open("rb") as f:
                f.seek(offset)
                return f.read(length)
        except FileNotFoundError:
            return b""

    def write_at(self, sha256: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` of the upload, cutting anything after ``offset`` first; synced."""
        path = self.partial(sha256)
        self._folder(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)

    def discard(self, sha256: str) -> None:
        self.partial(sha256).unlink(missing_ok=True)

    def finish(self, sha256: str, size: int) -> str | None:
        """Check the uploaded file and move it into place; the problem's code if it fails (file removed).

        ``hash_mismatch``, ``wrong_size`` or ``not_jpeg``. Called again after a crash between the
        move and the database's commit, it checks the file already in place.
        """
        source = self.partial(sha256)
        if not source.exists():
            source = self.final(sha256)
        if not source.exists():
            return "wrong_size"
        problem = check_photo(source, sha256=sha256, size=size)
        if problem is not None:
            source.unlink(missing_ok=True)
            return problem
        if source != self.final(sha256):
            target = self.final(sha256)
            self._folder(target)
            os.replace(source, target)
            _sync_dir(target.parent)
        return None

    def remove(self, sha256: str) -> None:
        """Forget a photo's files (an operator's clean-up; nothing in the API calls it)."""
        for path in (self.partial(sha256), self.final(sha256), self.thumb(sha256)):
            path.unlink(missing_ok=True)

    def thumbnail(self, sha256: str) -> Path:
        """The thumbnail of a checked photo (made once, atomically, then kept): a JPEG ≤ THUMB_SIDE px."""
        target = self.thumb(sha256)
        if target.exists():
            return target
        from PIL import Image, ImageOps

        self._folder(target)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with Image.open(self.final(sha256), formats=["JPEG"]) as img:
            img.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
            small = ImageOps.exif_transpose(img).convert("RGB")
            small.thumbnail((THUMB_SIDE, THUMB_SIDE))
            small.save(tmp, "JPEG", quality=THUMB_QUALITY, optimize=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        return target


def check_photo(path: Path, *, sha256: str, size: int) -> str | None:
    """Why the file at ``path`` is not the photo ``sha256`` of ``size`` bytes; None when it is."""
    from PIL import Image, UnidentifiedImageError

    digest = hashlib.sha256()
    length = 0
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            length += len(chunk)
    if length != size:
        return "wrong_size"
    if digest.hexdigest() != sha256:
        return "hash_mismatch"
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit refuses) on opening a header that claims a huge
            # image: either way the answer is the same refusal, never a warning in the log
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=["JPEG"]) as img:
                width, height = img.size
                if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_PIXELS:
                    return "too_many_pixels"
                # decoding at 1/8 scale still reads every byte: a cut-off or corrupt file fails here
                img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "too_many_pixels"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "not_jpeg"
    return None


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
