"""Shrinking a photo on the phone before it is stored: what every photo goes through first.

A camera's photo (3-12 MB, 4000 px) becomes a JPEG of at most ``MAX_PHOTO_SIDE``
px on its longest side at quality ~80 (150-500 KB): the vault, the sync over 2G
and the server's disk all carry the small one. The EXIF orientation is applied
to the pixels, then every piece of metadata is dropped (EXIF with the place and
the phone's model, XMP, comments, ICC): nothing leaves the phone unasked.

Refused, each with a sentence for the officer (``mobile.errors``): a file that
is no image (``NotAnImage``), one too large to decode safely (``ImageTooLarge``:
too many bytes, or a header announcing more pixels than a phone should ever
decode, e.g. a 20000×20000 decompression bomb; the pixel count is read from
the header, before any decoding), and a truncated or corrupt one (``ImageDamaged``).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from schemas.common import text
from schemas.media import MAX_MEDIA_BYTES, MAX_PHOTO_SIDE

from ..errors import ImageDamaged, ImageTooLarge, NotAnImage

QUALITY = 80
MIN_QUALITY = 50  # a noisy photo over MAX_MEDIA_BYTES is saved again at lower quality, down to this
MAX_INPUT_BYTES = 40 * 1024 * 1024  # the largest file taken in (a 50 MP phone photo is ~25 MB)
MAX_INPUT_PIXELS = 64_000_000  # ~8000×8000: more than any phone camera; a bomb claims far more
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}  # MPO: some phones' JPEG with a depth map


@dataclass(frozen=True)
class Shrunk:
    """The photo as stored: a JPEG of at most MAX_PHOTO_SIDE px, no metadata."""

    jpeg: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


def shrink(data: bytes, *, max_side: int = MAX_PHOTO_SIDE, quality: int = QUALITY) -> Shrunk:
    """``data`` (any photo the app takes) as a small JPEG; raises NotAnImage/ImageTooLarge/ImageDamaged."""
    if not data:
        raise NotAnImage(detail="empty file")
    if len(data) > MAX_INPUT_BYTES:
        mb = len(data) // (1024 * 1024)
        raise ImageTooLarge(
            text(
                f"Tệp ảnh quá lớn ({mb} MB). Hãy chọn ảnh dưới {MAX_INPUT_BYTES // (1024 * 1024)} MB.",
                f"The photo file is too large ({mb} MB). Choose one under "
                f"{MAX_INPUT_BYTES // (1024 * 1024)} MB.",
            )
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(None) from exc
        except UnidentifiedImageError as exc:
            raise NotAnImage(detail=str(exc)) from exc
        except (OSError, SyntaxError, ValueError) as exc:  # a header Pillow cannot parse
            raise ImageDamaged(detail=f"{type(exc).__name__}: {exc}") from exc
        with img:
            if img.format not in FORMATS:
                raise NotAnImage(detail=f"format {img.format}")
            w, h = img.size
            if w <= 0 or h <= 0 or w * h > MAX_INPUT_PIXELS:
                raise _too_many_pixels((w, h))
            try:
                if img.format in ("JPEG", "MPO"):
                    img.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4... when that still fits
                img.load()
                out = _normalised(img, max_side)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise _too_many_pixels((w, h)) from exc
            except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated, corrupt data
                raise ImageDamaged(detail=f"{type(exc).__name__}: {exc}") from exc
    return _encode(out, quality)


def _too_many_pixels(size: tuple[int, int] | None) -> ImageTooLarge:
    dims = f"{size[0]}×{size[1]}" if size else "?"
    return ImageTooLarge(
        text(
            f"Ảnh có kích thước quá lớn ({dims} điểm ảnh) để xử lý trên máy. Hãy chọn một ảnh khác.",
            f"The photo's dimensions are too large ({dims} pixels) to process on the phone. "
            "Choose another photo.",
        ),
        detail=f"size {dims}",
    )


def _normalised(img: Image.Image, max_side: int) -> Image.Image:
    """Upright (EXIF orientation applied), RGB on white, at most ``max_side`` px, no metadata."""
    if getattr(img, "n_frames", 1) > 1:
        img.seek(0)  # an animated GIF or an MPO: the first frame is the photo
    upright = ImageOps.exif_transpose(img) or img
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    else:
        upright = upright.copy()
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    upright.info = {}  # EXIF, XMP, comments, ICC: none is written back
    return upright


def _encode(img: Image.Image, quality: int) -> Shrunk:
    q = quality
    while True:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=q, optimize=True, progressive=False)
        data = buf.getvalue()
        if len(data) <= MAX_MEDIA_BYTES or q <= MIN_QUALITY:
            break
        q -= 10
    if len(data) > MAX_MEDIA_BYTES:
        raise ImageTooLarge(detail=f"{len(data)} bytes after shrinking")
    return Shrunk(jpeg=data, width=img.width, height=img.height)


THUMB_SIDE = 240


def thumbnail(jpeg: bytes, side: int = THUMB_SIDE) -> bytes:
    """A small JPEG of a stored photo, made in memory for the screen (never written to disk)."""
    with Image.open(io.BytesIO(jpeg)) as img:
        img.draft("RGB", (side, side))
        small = img.convert("RGB")
        small.thumbnail((side, side), Image.Resampling.BILINEAR)
        buf = io.BytesIO()
        small.save(buf, format="JPEG", quality=75)
        return buf.getvalue()
