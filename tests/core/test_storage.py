"""Storage backends: local disk with signed upload URLs, and S3 against a moto server."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mealplanner.core import storage as storage_module
from mealplanner.core.clock import utcnow
from mealplanner.core.storage import (
    UPLOAD_URL_TTL,
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    validate_key,
)

pytest_plugins = ["tests.fixtures.s3"]


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(
        tmp_path / "media",
        secret="s" * 40,
        upload_base_url="http://test/api/v1/uploads",
        public_base_url="https://cdn.example.com",
    )


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs", "a//b", "a/../b", "", "a/./b", "a b", "x\\y"]
)
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)


async def test_local_round_trip(local: LocalStorage) -> None:
    await local.put("recipes/1/original/a.jpg", b"jpeg", "image/jpeg")
    assert await local.get("recipes/1/original/a.jpg") == b"jpeg"
    assert await local.size("recipes/1/original/a.jpg") == 4
    assert [o.key for o in await local.list("recipes/")] == ["recipes/1/original/a.jpg"]
    await local.delete("recipes/1/original/a.jpg")
    assert not await local.exists("recipes/1/original/a.jpg")
    assert not (local.root / "recipes").exists()  # empty folders tidied
    with pytest.raises(ObjectNotFound):
        await local.get("recipes/1/original/a.jpg")
    assert local.public_url("users/1/avatar_200x200.webp") == (
        "https://cdn.example.com/users/1/avatar_200x200.webp"
    )


async def test_local_signed_upload_urls(
    local: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = await local.presign_upload("temp/u1/photo.jpg", "image/jpeg")
    assert upload.expires_at - utcnow() <= UPLOAD_URL_TTL
    query = {k: v[0] for k, v in parse_qs(urlsplit(upload.url).query).items()}
    assert urlsplit(upload.url).path == "/api/v1/uploads/temp/u1/photo.jpg"
    expires, sig = int(query["expires"]), query["sig"]
    assert local.verify_upload("temp/u1/photo.jpg", "image/jpeg", expires, sig)
    assert not local.verify_upload("temp/u1/other.jpg", "image/jpeg", expires, sig)
    assert not local.verify_upload("temp/u1/photo.jpg", "image/png", expires, sig)
    assert not local.verify_upload("temp/u1/photo.jpg", "image/jpeg", expires + 60, sig)
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(storage_module, "utcnow", lambda: later)
    assert not local.verify_upload("temp/u1/photo.jpg", "image/jpeg", expires, sig)


async def test_local_stream_cap(local: LocalStorage) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(5):
            yield b"x" * 1000

    with pytest.raises(storage_module.UploadTooLarge):
        await local.write_stream("temp/u/big.bin", chunks(), max_bytes=3000)
    assert not await local.exists("temp/u/big.bin")
    assert await local.write_stream("temp/u/ok.bin", chunks(), max_bytes=5000) == 5000


async def test_s3_round_trip_and_presigned_put(s3_storage: S3Storage) -> None:
    await s3_storage.check()
    await s3_storage.put("recipes/1/large/a_1200x800.webp", b"webp", "image/webp")
    assert await s3_storage.get("recipes/1/large/a_1200x800.webp") == b"webp"
    assert await s3_storage.size("recipes/1/large/a_1200x800.webp") == 4
    assert await s3_storage.size("nope") is None
    with pytest.raises(ObjectNotFound):
        await s3_storage.get("nope")

    upload = await s3_storage.presign_upload("temp/u1/photo.jpg", "image/jpeg")
    assert "X-Amz-Expires=900" in upload.url
    async with httpx.AsyncClient() as client:
        response = await client.put(
            upload.url, content=b"uploaded", headers={"Content-Type": "image/jpeg"}
        )
    assert response.status_code == 200
    assert await s3_storage.get("temp/u1/photo.jpg") == b"uploaded"
    keys = [o.key for o in await s3_storage.list("temp/")]
    assert keys == ["temp/u1/photo.jpg"]
    await s3_storage.delete("temp/u1/photo.jpg")
    assert await s3_storage.list("temp/") == []
    assert s3_storage.public_url("users/x/avatar_200x200.webp") == (
        "https://cdn.example.com/users/x/avatar_200x200.webp"
    )
