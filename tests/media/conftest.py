"""Sample images, made with Pillow: real JPEG (with EXIF), PNG, WebP, a fake and a bomb."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures"


def _gradient(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, size)
    pixels = image.load()
    assert pixels is not None
    for x in range(size[0]):
        for y in range(size[1]):
            value = (x * 255 // size[0], y * 255 // size[1], 128)
            pixels[x, y] = value + ((200,) if mode == "RGBA" else ())
    return image


def jpeg_with_exif() -> bytes:
    """300x200 landscape pixels, EXIF orientation 6 (shown rotated: 200x300), camera + GPS."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    _gradient((300, 200)).save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_with_alpha() -> bytes:
    out = io.BytesIO()
    _gradient((1600, 1000), "RGBA").save(out, "PNG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    _gradient((400, 400)).save(out, "WEBP")
    return out.getvalue()


def fake_jpeg() -> bytes:
    return b"This is not a picture, just text renamed to holiday.jpg\n" * 20


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims 10 gigapixels (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = data[8 + 8 : 8 + 8 + 13]  # after signature and the IHDR length+type
    ihdr[0:8] = struct.pack(">II", width, height)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return bytes(data)


@pytest.fixture(scope="session")
def samples() -> dict[str, bytes]:
    made = {
        "photo.jpg": jpeg_with_exif(),
        "transparent.png": png_with_alpha(),
        "square.webp": webp(),
        "holiday.jpg": fake_jpeg(),
        "bomb.png": png_bomb(),
    }
    # Kept on disk too, for looking at by hand (the folder is git-ignored content).
    FIXTURES.mkdir(exist_ok=True)
    for name, data in made.items():
        path = FIXTURES / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return made
