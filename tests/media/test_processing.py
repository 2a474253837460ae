"""Pillow processing on real sample images: types sniffed, bombs refused, EXIF stripped."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from mealplanner.media import processing


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_recipe_variants_follow_the_spec_layout(samples: dict[str, bytes]) -> None:
    renditions = {
        r.name: r for r in processing.recipe_renditions(samples["transparent.png"], "pie")
    }
    assert set(renditions) == {
        "original/pie.png",
        "large/pie_1200x800.webp",
        "medium/pie_600x400.webp",
        "thumbnail/pie_200x200.webp",
    }
    large = _open(renditions["large/pie_1200x800.webp"].data)
    assert large.format == "WEBP"
    assert large.size == (1200, 750)  # fitted inside 1200x800, aspect kept
    assert _open(renditions["medium/pie_600x400.webp"].data).size == (600, 375)
    assert _open(renditions["thumbnail/pie_200x200.webp"].data).size == (200, 200)  # cropped
    assert _open(renditions["original/pie.png"].data).mode == "RGBA"


def test_exif_orientation_applied_then_stripped(samples: dict[str, bytes]) -> None:
    source = _open(samples["photo.jpg"])
    assert source.getexif().get(0x010F) == "SecretCam"
    for rendition in processing.recipe_renditions(samples["photo.jpg"], "photo"):
        image = _open(rendition.data)
        assert not image.getexif(), rendition.name
        assert "exif" not in image.info
        assert b"SecretCam" not in rendition.data
    original = _open(processing.recipe_renditions(samples["photo.jpg"], "photo")[0].data)
    assert original.format == "JPEG"
    assert original.size == (200, 300)  # rotated upright


def test_webp_input_and_avatar(samples: dict[str, bytes]) -> None:
    avatar, original = processing.avatar_renditions(samples["square.webp"])
    assert avatar.name == "avatar_200x200.webp"
    assert _open(avatar.data).size == (200, 200)
    assert original.name == "avatar_original.webp"


@pytest.mark.parametrize(
    ("name", "code"),
    [("holiday.jpg", "unsupported_type"), ("bomb.png", "too_many_pixels")],
)
def test_fakes_and_bombs_are_refused(samples: dict[str, bytes], name: str, code: str) -> None:
    with pytest.raises(processing.ImageRejected) as info:
        processing.recipe_renditions(samples[name], "x")
    assert info.value.code == code


def test_oversized_and_truncated_files_are_refused(samples: dict[str, bytes]) -> None:
    with pytest.raises(processing.ImageRejected, match="too_large"):
        processing.load(samples["photo.jpg"], max_bytes=100)
    with pytest.raises(processing.ImageRejected, match="corrupt_image"):
        processing.load(samples["transparent.png"][:500])
    # A GIF (real image, wrong type) is refused by its bytes.
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(processing.ImageRejected, match="unsupported_type"):
        processing.load(out.getvalue())
