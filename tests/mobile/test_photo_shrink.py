"""Shrinking a photo on the phone: size, orientation, no metadata; bad files refused with a sentence."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from mobile.errors import ImageDamaged, ImageTooLarge, MediaError, NotAnImage
from mobile.media.shrink import shrink
from schemas.media import MAX_PHOTO_SIDE

from .photo_helpers import bomb_png, camera_jpeg, truncated_jpeg


def test_a_camera_photo_becomes_a_small_jpeg_without_metadata() -> None:
    raw = camera_jpeg(4000, 3000)
    out = shrink(raw)
    img = Image.open(io.BytesIO(out.jpeg))
    assert img.format == "JPEG"
    assert max(img.size) <= MAX_PHOTO_SIDE
    assert img.size == (1600, 1200) == (out.width, out.height)
    assert len(out.jpeg) < len(raw)
    assert not img.getexif()  # no orientation, no maker, no GPS
    assert "exif" not in img.info and "comment" not in img.info and "xmp" not in img.info
    assert b"PhoneMaker" not in out.jpeg and b"commune hall" not in out.jpeg


def test_the_exif_orientation_is_applied_to_the_pixels() -> None:
    # Orientation 6: the camera was held upright; the pixels must be turned 90° clockwise.
    out = shrink(camera_jpeg(4000, 3000, orientation=6))
    img = Image.open(io.BytesIO(out.jpeg)).convert("RGB")
    assert img.size == (1200, 1600)  # portrait now
    top, bottom = img.getpixel((600, 100)), img.getpixel((600, 1500))
    assert top[0] > 150 and top[2] < 100  # the red (left) half is now on top
    assert bottom[2] > 150 and bottom[0] < 100


def test_a_small_photo_is_not_enlarged_and_png_is_flattened_to_jpeg() -> None:
    img = Image.new("RGBA", (300, 200), (0, 128, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    out = shrink(buf.getvalue())
    again = Image.open(io.BytesIO(out.jpeg))
    assert again.format == "JPEG" and again.size == (300, 200) and again.mode == "RGB"
    assert again.getpixel((10, 10))[0] > 240  # the transparent area is white, not black


def test_same_input_same_hash() -> None:
    raw = camera_jpeg(2000, 1500)
    assert shrink(raw).sha256 == shrink(raw).sha256


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", NotAnImage),
        (b"%PDF-1.7 this is a document, not a photo" * 10, NotAnImage),
        ("Xin chào".encode() * 100, NotAnImage),
        (bomb_png(20000, 20000), ImageTooLarge),
        (bomb_png(9000, 9000), ImageTooLarge),
        (truncated_jpeg(), ImageDamaged),
    ],
    ids=["empty", "pdf", "text", "bomb-20000", "bomb-9000", "truncated"],
)
def test_bad_files_are_refused_with_a_sentence(data: bytes, kind: type[MediaError]) -> None:
    with pytest.raises(kind) as info:
        shrink(data)
    err = info.value
    assert err.message.vi and err.message.en and err.message.vi != err.message.en
    assert "Traceback" not in err.message.vi


def test_the_bomb_is_refused_before_decoding() -> None:
    # The header claims 400 million pixels; refusing must be instant and say the dimensions.
    with pytest.raises(ImageTooLarge) as info:
        shrink(bomb_png(20000, 20000))
    assert "20000×20000" in info.value.message.vi or "quá lớn" in info.value.message.vi


def test_too_many_bytes_are_refused_without_opening() -> None:
    with pytest.raises(ImageTooLarge) as info:
        shrink(b"\xff\xd8\xff" + b"\x00" * (41 * 1024 * 1024))
    assert "MB" in info.value.message.en
