"""Photos made with Pillow for the phone's tests: camera-like JPEGs with EXIF, bombs, broken files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825
MAKE = 0x010F


def camera_jpeg(width: int = 4000, height: int = 3000, *, orientation: int = 1, seed: int = 0) -> bytes:
    """A JPEG as a phone camera writes it: large, with EXIF (orientation, maker, a GPS block).

    The left half is red and the right half blue, so a test can tell which way it was turned.
    """
    img = Image.new("RGB", (width, height), (200, 30, 30))
    img.paste((30, 30, 200), (width // 2, 0, width, height))
    img.putpixel((seed % width, 0), (seed % 255, 0, 0))  # different photos, different hashes
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (21.0, 1.0, 42.0), 3: "E", 4: (105.0, 51.0, 15.0)}
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90, exif=exif, comment=b"shot at the commune hall")
    return buf.getvalue()


def small_jpeg(seed: int = 0, size: tuple[int, int] = (640, 480)) -> bytes:
    img = Image.new("RGB", size, ((seed * 37) % 255, (seed * 91) % 255, 120))
    for x in range(0, size[0], 7):
        img.putpixel((x, (x * seed) % size[1]), (255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny PNG whose header claims ``width``×``height`` pixels (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * 3 * 16
    idat = zlib.compress(row * 16)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    data = camera_jpeg(1200, 900)
    return data[: len(data) // 2]
