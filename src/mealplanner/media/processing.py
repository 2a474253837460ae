"""Image processing with Pillow: pure functions, run in a worker thread.

Defences, in order: a byte-size cap; the real type sniffed from magic bytes (the claimed
content type and file extension are ignored); Pillow opened with only that format allowed;
a pixel cap checked from the header before any pixel is decoded (decompression bombs), with
Pillow's own bomb check raised to an error too. Every output is re-encoded from pixels, so
EXIF (GPS position, camera serials) and any trailing payload are dropped; EXIF orientation is
applied first so the picture still stands the right way up.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 MP: any phone photo, far below a bomb
# Pillow warns above this and raises above twice it; we refuse above MAX_PIXELS ourselves.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
WEBP_QUALITY = 82

RECIPE_VARIANTS = (
    ("large", 1200, 800, False),
    ("medium", 600, 400, False),
    ("thumbnail", 200, 200, True),
)
AVATAR_SIZE = (200, 200)


class ImageRejected(Exception):
    """The upload is not an image we accept; `code` says why (stored on the upload)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Rendition:
    name: str
    data: bytes
    content_type: str
    width: int
    height: int


def sniff_format(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise ImageRejected("unsupported_type")


def load(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Validated, decoded and upright pixels (no metadata carried over)."""
    if len(data) > max_bytes:
        raise ImageRejected("too_large")
    fmt = sniff_format(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = image.size
            if width < 1 or height < 1 or width * height > max_pixels:
                raise ImageRejected("too_many_pixels")
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels") from exc
    except Exception as exc:  # truncated or corrupt files
        raise ImageRejected("corrupt_image") from exc
    if image.format != fmt:
        raise ImageRejected("unsupported_type")
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if upright.mode in {"RGBA", "LA", "P"} and _has_alpha(upright) else "RGB"
    clean = upright.convert(mode)
    clean.info.clear()
    return clean


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA"} or "transparency" in image.info


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def _resize(image: Image.Image, width: int, height: int, crop: bool) -> Image.Image:
    if crop:
        return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
    copy = image.copy()
    copy.thumbnail((width, height), Image.Resampling.LANCZOS)  # never upscales
    return copy


def original(image: Image.Image, fmt: str, stem: str) -> Rendition:
    ext, content_type = FORMATS[fmt]
    return Rendition(
        f"original/{stem}.{ext}", _encode(image, fmt), content_type, image.width, image.height
    )


def recipe_renditions(data: bytes, stem: str) -> list[Rendition]:
    """The spec's layout under `recipes/{id}/`: original, large, medium, thumbnail."""
    image = load(data)
    fmt = sniff_format(data)
    renditions = [original(image, fmt, stem)]
    for folder, width, height, crop in RECIPE_VARIANTS:
        resized = _resize(image, width, height, crop)
        renditions.append(
            Rendition(
                f"{folder}/{stem}_{width}x{height}.webp",
                _encode(resized, "WEBP"),
                "image/webp",
                resized.width,
                resized.height,
            )
        )
    return renditions


def avatar_renditions(data: bytes) -> list[Rendition]:
    """`users/{id}/avatar_200x200.webp` (cover-cropped) and the cleaned original."""
    image = load(data)
    fmt = sniff_format(data)
    ext, content_type = FORMATS[fmt]
    avatar = _resize(image, *AVATAR_SIZE, crop=True)
    return [
        Rendition("avatar_200x200.webp", _encode(avatar, "WEBP"), "image/webp", *AVATAR_SIZE),
        Rendition(
            f"avatar_original.{ext}", _encode(image, fmt), content_type, image.width, image.height
        ),
    ]
