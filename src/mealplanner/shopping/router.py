from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from mealplanner.auth.dependencies import CurrentUser
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.openapi import errors
from mealplanner.core.pagination import Pagination
from mealplanner.core.schemas import Page
from mealplanner.shopping import export, service
from mealplanner.shopping.schemas import (
    ManualItemCreate,
    ShareCreate,
    SharedShoppingListRead,
    ShareLink,
    ShoppingListGenerate,
    ShoppingListItemRead,
    ShoppingListItemUpdate,
    ShoppingListRead,
    ShoppingListSummary,
)
from mealplanner.users.router import TargetUser

router = APIRouter(tags=["shopping-lists"])

ListIdPath = Annotated[uuid.UUID, Path(alias="listId")]
ItemIdPath = Annotated[uuid.UUID, Path(alias="itemId")]
OWNED = errors(400, 401, 404)
_MEDIA_TYPES = {"text": "text/plain; charset=utf-8", "markdown": "text/markdown; charset=utf-8"}


@router.post(
    "/shopping-lists/generate",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 404, 409),
)
async def generate_shopping_list(
    body: ShoppingListGenerate, user: CurrentUser, session: SessionDep, state: StateDep
) -> ShoppingListRead:
    """Consolidate the plan's meals (optionally a date range of it) into the plan's list.

    Regenerating updates the same list: manual items stay, and lines still on the list keep
    their checked state.
    """
    return await service.generate(session, state.cache, user, body)


@router.get(
    "/shopping-lists/{listId}",
    response_model=ShoppingListRead,
    responses={
        **OWNED,
        200: {"content": {"text/plain": {}, "text/markdown": {}}},
    },
)
async def get_shopping_list(
    list_id: ListIdPath,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    format: Annotated[
        Literal["json", "text", "markdown"],
        Query(description="`text` or `markdown` return a printable export"),
    ] = "json",
) -> ShoppingListRead | Response:
    shopping_list = await service.get_list(session, state.cache, user, list_id)
    if format == "json":
        return shopping_list
    body = (
        export.render_text(shopping_list)
        if format == "text"
        else export.render_markdown(shopping_list)
    )
    return Response(content=body, media_type=_MEDIA_TYPES[format])


@router.post("/shopping-lists/{listId}/items", status_code=status.HTTP_201_CREATED, responses=OWNED)
async def add_shopping_list_item(
    list_id: ListIdPath,
    body: ManualItemCreate,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> ShoppingListItemRead:
    """Add a manual item: free `text` ("2 lb potatoes") or `name` with quantity and unit."""
    return await service.add_item(session, state.cache, user, list_id, body)


@router.patch("/shopping-lists/{listId}/items/{itemId}", responses=OWNED)
async def update_shopping_list_item(
    list_id: ListIdPath,
    item_id: ItemIdPath,
    body: ShoppingListItemUpdate,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> ShoppingListItemRead:
    return await service.update_item(session, state.cache, user, list_id, item_id, body)


@router.delete(
    "/shopping-lists/{listId}/items/{itemId}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=OWNED,
)
async def delete_shopping_list_item(
    list_id: ListIdPath,
    item_id: ItemIdPath,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> Response:
    await service.delete_item(session, state.cache, user, list_id, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/shopping-lists/{listId}/share", responses=OWNED)
async def share_shopping_list(
    list_id: ListIdPath,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    body: ShareCreate | None = None,
) -> ShareLink:
    """A read-only public link (default 7 days); replaces any earlier link of the list."""
    days = (body or ShareCreate()).expires_in_days
    return await service.share(
        session,
        state.cache,
        user,
        list_id,
        base_url=state.settings.public_base_url,
        expires_in=timedelta(days=days),
    )


@router.delete(
    "/shopping-lists/{listId}/share", status_code=status.HTTP_204_NO_CONTENT, responses=OWNED
)
async def revoke_shopping_list_share(
    list_id: ListIdPath, user: CurrentUser, session: SessionDep, state: StateDep
) -> Response:
    await service.revoke_share(session, state.cache, user, list_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/shared/shopping-lists/{token}", responses=errors(404))
async def get_shared_shopping_list(
    token: Annotated[str, Path(min_length=10, max_length=200)], session: SessionDep
) -> SharedShoppingListRead:
    """Public, read-only: no login. Revoked, expired and unknown tokens all answer 404."""
    return await service.get_shared(session, token)


@router.get("/users/{userId}/shopping-lists", responses=errors(400, 401, 403, 404))
async def list_user_shopping_lists(
    owner: TargetUser, session: SessionDep, page: Pagination
) -> Page[ShoppingListSummary]:
    """The user's lists, newest first."""
    return await service.list_for_user(session, owner, page)
