"""Upload URL -> PUT -> confirm -> processed variants, on local disk and on S3 (moto)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from mealplanner.core.state import AppState
from mealplanner.core.storage import LocalStorage, S3Storage
from mealplanner.media.tasks import clean_temp_uploads
from tests.fixtures.jobs import run_jobs
from tests.fixtures.users import Account
from tests.recipes.conftest import create_recipe, recipe_payload

pytest_plugins = ["tests.fixtures.s3"]


async def _put(client: httpx.AsyncClient, ticket: dict[str, Any], data: bytes) -> httpx.Response:
    url = ticket["uploadUrl"]
    if "/api/v1/uploads/" in url:  # the app's own signed URL: send it through the test client
        parts = urlsplit(url)
        return await client.put(
            f"http://test{parts.path}?{parts.query}", content=data, headers=ticket["headers"]
        )
    async with httpx.AsyncClient() as s3:  # a presigned URL of the S3 server
        return await s3.put(url, content=data, headers=ticket["headers"])


async def _upload_avatar(
    client: httpx.AsyncClient, state: AppState, account: Account, data: bytes, name: str
) -> dict[str, Any]:
    content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[
        name.rsplit(".", 1)[1]
    ]
    ticket = await client.post(
        f"/users/{account.id}/avatar-upload-url",
        json={"filename": name, "contentType": content_type},
        headers=account.headers,
    )
    assert ticket.status_code == 200, ticket.text
    body = ticket.json()
    assert body["key"].startswith(f"temp/{body['uploadId']}/")
    put = await _put(client, body, data)
    assert put.status_code in {200, 204}, put.text
    confirm = await client.post(
        f"/users/{account.id}/avatar-confirm", json={"key": body["key"]}, headers=account.headers
    )
    assert confirm.status_code == 202, confirm.text
    assert confirm.json()["status"] == "processing"
    await run_jobs(state)
    status = await client.get(f"/media/uploads/{body['uploadId']}", headers=account.headers)
    return {**body, **status.json()}


async def private_recipe(state: AppState, owner: Account, name: str) -> dict[str, Any]:
    """A user's private recipe (the API only lets admins add recipes for now)."""
    from mealplanner.recipes import service as recipe_service
    from mealplanner.recipes.schemas import RecipeCreate
    from mealplanner.users.models import User

    async with state.db.session() as session:
        user = await session.get(User, owner.id)
        recipe = await recipe_service.create_recipe(
            session,
            state.cache,
            RecipeCreate.model_validate(recipe_payload(name=name)),
            owner=user,
            visibility="private",
        )
        return {"id": str(recipe.id), "visibility": recipe.visibility}


@pytest.fixture
def s3_backend(state: AppState, s3_storage: S3Storage) -> Iterator[S3Storage]:
    previous = state.storage
    state.storage = s3_storage
    yield s3_storage
    state.storage = previous


async def test_avatar_on_local_storage(
    client: httpx.AsyncClient, state: AppState, user: Account, samples: dict[str, bytes]
) -> None:
    result = await _upload_avatar(client, state, user, samples["photo.jpg"], "Me At Home.jpg")
    assert result["status"] == "done"
    me = (await client.get("/auth/me", headers=user.headers)).json()
    assert me["avatarKey"] == f"users/{user.id}/avatar_200x200.webp"
    assert me["avatarUrl"].endswith(f"/media/users/{user.id}/avatar_200x200.webp")
    assert me["avatarUrl"].startswith(state.settings.public_base_url.rstrip("/"))

    served = await client.get(f"http://test/media/users/{user.id}/avatar_200x200.webp")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert "immutable" in served.headers["cache-control"]
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (200, 200)
    assert not image.getexif()
    assert isinstance(state.storage, LocalStorage)
    assert not await state.storage.exists(result["key"])  # temp upload deleted
    # Temp keys are never served.
    assert (await client.get(f"http://test/media/{result['key']}")).status_code == 404


async def test_fake_image_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, state: AppState, user: Account, samples: dict[str, bytes]
) -> None:
    result = await _upload_avatar(client, state, user, samples["holiday.jpg"], "holiday.jpg")
    assert result["status"] == "failed"
    assert result["error"] == "unsupported_type"
    me = (await client.get("/auth/me", headers=user.headers)).json()
    assert me["avatarKey"] is None


async def test_decompression_bomb_is_refused(
    client: httpx.AsyncClient, state: AppState, user: Account, samples: dict[str, bytes]
) -> None:
    result = await _upload_avatar(client, state, user, samples["bomb.png"], "bomb.png")
    assert result["status"] == "failed"
    assert result["error"] == "too_many_pixels"


async def test_recipe_image_on_s3(
    client: httpx.AsyncClient,
    state: AppState,
    user: Account,
    samples: dict[str, bytes],
    s3_backend: S3Storage,
) -> None:
    recipe = await private_recipe(state, user, "My Private Pie")
    assert recipe["visibility"] == "private"
    ticket = await client.post(
        f"/recipes/{recipe['id']}/image-upload-url",
        json={"filename": "pie.png", "contentType": "image/png"},
        headers=user.headers,
    )
    assert ticket.status_code == 200, ticket.text
    body = ticket.json()
    assert "X-Amz-Signature=" in body["uploadUrl"]
    assert (await _put(client, body, samples["transparent.png"])).status_code == 200
    confirm = await client.post(
        f"/recipes/{recipe['id']}/image-confirm", json={"key": body["key"]}, headers=user.headers
    )
    assert confirm.status_code == 202, confirm.text
    await run_jobs(state)

    keys = sorted(o.key for o in await s3_backend.list(f"recipes/{recipe['id']}/"))
    prefix = f"recipes/{recipe['id']}"
    assert keys == [
        f"{prefix}/large/pie_1200x800.webp",
        f"{prefix}/medium/pie_600x400.webp",
        f"{prefix}/original/pie.png",
        f"{prefix}/thumbnail/pie_200x200.webp",
    ]
    assert await s3_backend.list("temp/") == []
    thumb = Image.open(io.BytesIO(await s3_backend.get(f"{prefix}/thumbnail/pie_200x200.webp")))
    assert thumb.size == (200, 200)
    fetched = await client.get(f"/recipes/{recipe['id']}", headers=user.headers)
    assert fetched.json()["imageKeys"]["thumbnail"] == f"{prefix}/thumbnail/pie_200x200.webp"
    thumbnail_url = fetched.json()["imageUrls"]["thumbnail"]
    assert thumbnail_url.endswith(f"{prefix}/thumbnail/pie_200x200.webp")


async def test_avatar_on_s3_webp(
    client: httpx.AsyncClient,
    state: AppState,
    user: Account,
    samples: dict[str, bytes],
    s3_backend: S3Storage,
) -> None:
    result = await _upload_avatar(client, state, user, samples["square.webp"], "me.webp")
    assert result["status"] == "done"
    assert await s3_backend.exists(f"users/{user.id}/avatar_200x200.webp")
    assert await s3_backend.exists(f"users/{user.id}/avatar_original.webp")


async def test_permissions(
    client: httpx.AsyncClient,
    state: AppState,
    user: Account,
    other_user: Account,
    admin: Account,
    samples: dict[str, bytes],
) -> None:
    request = {"filename": "a.jpg", "contentType": "image/jpeg"}
    # Someone else's avatar: 403; an admin may.
    assert (
        await client.post(
            f"/users/{user.id}/avatar-upload-url", json=request, headers=other_user.headers
        )
    ).status_code == 403
    assert (
        await client.post(
            f"/users/{user.id}/avatar-upload-url", json=request, headers=admin.headers
        )
    ).status_code == 200
    # Catalog recipes: admins only. Private recipes: the owner only (others: 404).
    public = await create_recipe(client, admin, name="Catalog Stew")
    assert (
        await client.post(
            f"/recipes/{public['id']}/image-upload-url", json=request, headers=user.headers
        )
    ).status_code == 403
    assert (
        await client.post(
            f"/recipes/{public['id']}/image-upload-url", json=request, headers=admin.headers
        )
    ).status_code == 200
    private = await private_recipe(state, user, "Secret Soup")
    assert (
        await client.post(
            f"/recipes/{private['id']}/image-upload-url", json=request, headers=other_user.headers
        )
    ).status_code == 404
    # Only images may be requested.
    bad_type = await client.post(
        f"/users/{user.id}/avatar-upload-url",
        json={"filename": "x.svg", "contentType": "image/svg+xml"},
        headers=user.headers,
    )
    assert bad_type.status_code == 400

    # Confirming someone else's upload: 404.
    ticket = (
        await client.post(f"/users/{user.id}/avatar-upload-url", json=request, headers=user.headers)
    ).json()
    await _put(client, ticket, samples["photo.jpg"])
    stolen = await client.post(
        f"/users/{other_user.id}/avatar-confirm",
        json={"key": ticket["key"]},
        headers=other_user.headers,
    )
    assert stolen.status_code == 404


async def test_signed_local_upload_url_is_checked(
    client: httpx.AsyncClient, user: Account, samples: dict[str, bytes]
) -> None:
    ticket = (
        await client.post(
            f"/users/{user.id}/avatar-upload-url",
            json={"filename": "a.jpg", "contentType": "image/jpeg"},
            headers=user.headers,
        )
    ).json()
    parts = urlsplit(ticket["uploadUrl"])
    tampered = parts.query.replace("sig=", "sig=0")[: len(parts.query)]
    forbidden = await client.put(
        f"http://test{parts.path}?{tampered}", content=b"x", headers=ticket["headers"]
    )
    assert forbidden.status_code == 403
    other_key = parts.path.replace("a.jpg", "b.jpg")
    assert (
        await client.put(
            f"http://test{other_key}?{parts.query}", content=b"x", headers=ticket["headers"]
        )
    ).status_code == 403
    wrong_type = await client.put(
        f"http://test{parts.path}?{parts.query}",
        content=b"x",
        headers={"Content-Type": "text/html"},
    )
    assert wrong_type.status_code == 400
    too_big = await client.put(
        f"http://test{parts.path}?{parts.query}",
        content=b"\xff" * (10 * 1024 * 1024 + 1),
        headers=ticket["headers"],
    )
    assert too_big.status_code == 413
    # Confirm without an upload: 400.
    missing = await client.post(
        f"/users/{user.id}/avatar-confirm", json={"key": ticket["key"]}, headers=user.headers
    )
    assert missing.status_code == 400


async def test_temp_uploads_older_than_a_day_are_cleaned(state: AppState) -> None:
    storage = state.storage
    assert isinstance(storage, LocalStorage)
    await storage.put("temp/old-upload/a.jpg", b"old", "image/jpeg")
    await storage.put("temp/new-upload/b.jpg", b"new", "image/jpeg")
    day_and_more = time.time() - 25 * 3600
    os.utime(storage.path("temp/old-upload/a.jpg"), (day_and_more, day_and_more))
    await clean_temp_uploads(state, {})
    assert not await storage.exists("temp/old-upload/a.jpg")
    assert await storage.exists("temp/new-upload/b.jpg")
    await storage.delete("temp/new-upload/b.jpg")


async def test_deleting_the_user_deletes_their_files(
    client: httpx.AsyncClient, state: AppState, user: Account, samples: dict[str, bytes]
) -> None:
    result = await _upload_avatar(client, state, user, samples["photo.jpg"], "me.jpg")
    assert result["status"] == "done"
    assert state.storage is not None
    assert await state.storage.list(f"users/{user.id}/")
    deleted = await client.delete(f"/users/{user.id}", headers=user.headers)
    assert deleted.status_code == 204
    await run_jobs(state)
    assert await state.storage.list(f"users/{user.id}/") == []
