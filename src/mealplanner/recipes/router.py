from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from mealplanner.activity.buffer import view_buffer
from mealplanner.auth.dependencies import READER_SECURITY, CurrentUser, ReaderUser, read_caller
from mealplanner.core.compression import GZIP_HEADERS, GZIP_MINIMUM_SIZE, accepts_gzip
from mealplanner.core.dependencies import SessionDep, StateDep, get_state, request_session
from mealplanner.core.errors import Forbidden
from mealplanner.core.metrics import record_recipe_favorited
from mealplanner.core.openapi import errors
from mealplanner.core.pagination import Pagination
from mealplanner.core.schemas import Page
from mealplanner.recipes import service
from mealplanner.recipes.filters import RecipeFilters, list_filters, search_filters
from mealplanner.recipes.models import VISIBILITY_PRIVATE
from mealplanner.recipes.schemas import (
    AutocompleteItem,
    FavoriteState,
    RecipeCreate,
    RecipeRead,
    RecipeSummary,
    RecipeUpdate,
)
from mealplanner.users.router import TargetUser

router = APIRouter(tags=["recipes"])

RecipeRef = Annotated[
    str,
    Path(
        alias="recipeId",
        min_length=1,
        max_length=140,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Recipe id (UUID) or slug",
    ),
]
SearchQuery = Annotated[str, Query(min_length=1, max_length=500, description="Search text")]


@router.get("/recipes", response_model=Page[RecipeSummary], responses=errors(400, 401))
async def list_recipes(
    user: ReaderUser,
    session: SessionDep,
    state: StateDep,
    page: Pagination,
    filters: Annotated[RecipeFilters, Depends(list_filters)],
) -> Response:
    """The public catalog plus the caller's private recipes, filtered and sorted."""
    payload = await service.list_recipes(session, state.cache, user, filters, page)
    return Response(payload, media_type="application/json")


@router.get("/recipes/search", response_model=Page[RecipeSummary], responses=errors(400, 401))
async def search_recipes(
    q: SearchQuery,
    user: ReaderUser,
    session: SessionDep,
    state: StateDep,
    page: Pagination,
    filters: Annotated[RecipeFilters, Depends(search_filters)],
) -> Response:
    """Full-text search over name, description, cuisine, tags and ingredients, by relevance."""
    payload = await service.search_recipes(session, state.cache, user, q, filters, page)
    return Response(payload, media_type="application/json")


@router.get("/recipes/autocomplete", responses=errors(400, 401))
async def autocomplete(
    q: Annotated[str, Query(min_length=1, max_length=100)],
    user: ReaderUser,
    session: SessionDep,
    state: StateDep,
) -> list[AutocompleteItem]:
    """Up to 10 recipe names for a prefix, tolerant of typos."""
    return await service.autocomplete(session, state.cache, user, q)


@router.post("/recipes", status_code=status.HTTP_201_CREATED, responses=errors(400, 401, 403))
async def create_recipe(
    body: RecipeCreate, user: CurrentUser, session: SessionDep, state: StateDep
) -> RecipeRead:
    """Adds a recipe to the catalog (administrators only)."""
    if not user.is_admin:
        raise Forbidden("Only administrators can add catalog recipes")
    recipe = await service.create_recipe(
        session, state.cache, body, owner=None, visibility=body.visibility
    )
    return RecipeRead.model_validate(recipe)


@router.get(
    "/recipes/{recipeId}",
    response_model=RecipeRead,
    responses=errors(401, 404),
    openapi_extra=READER_SECURITY,
)
async def get_recipe(recipe_ref: RecipeRef, request: Request) -> Response:
    # The hottest route: no unit of work unless the cache misses (see read_recipe_view), and
    # no dependencies to solve (see read_caller).
    state = await get_state(request)
    user = await read_caller(request, state)
    view = await service.read_recipe_view(
        partial(request_session, request, state),
        state.cache,
        user,
        recipe_ref,
        view_buffer(state),
    )
    # Compressed once per recipe and process, not per request (the middleware passes a body
    # that already has a Content-Encoding through).
    if len(view.cached) >= GZIP_MINIMUM_SIZE and accepts_gzip(
        request.headers.get("accept-encoding", "")
    ):
        return Response(view.gzip(), media_type="application/json", headers=GZIP_HEADERS)
    return Response(view.json(), media_type="application/json")


@router.patch("/recipes/{recipeId}", responses=errors(400, 401, 403, 404))
async def update_recipe(
    recipe_ref: RecipeRef,
    body: RecipeUpdate,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> RecipeRead:
    """Administrators edit catalog recipes; owners edit their private ones."""
    recipe = await service.update_recipe(session, state.cache, user, recipe_ref, body)
    return RecipeRead.model_validate(recipe)


@router.delete(
    "/recipes/{recipeId}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404)
)
async def delete_recipe(
    recipe_ref: RecipeRef, user: CurrentUser, session: SessionDep, state: StateDep
) -> Response:
    await service.delete_recipe(session, state.cache, user, recipe_ref)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/recipes/{recipeId}/favorite", responses=errors(401, 404))
async def favorite(
    recipe_ref: RecipeRef, user: CurrentUser, session: SessionDep, state: StateDep
) -> FavoriteState:
    """Idempotent: favoriting twice keeps one favorite."""
    recipe, changed = await service.set_favorite(session, state.cache, user, recipe_ref, True)
    if changed:
        record_recipe_favorited()
    return FavoriteState(recipe_id=recipe.id, favorited=True, favorite_count=recipe.favorite_count)


@router.delete("/recipes/{recipeId}/favorite", responses=errors(401, 404))
async def unfavorite(
    recipe_ref: RecipeRef, user: CurrentUser, session: SessionDep, state: StateDep
) -> FavoriteState:
    recipe, _ = await service.set_favorite(session, state.cache, user, recipe_ref, False)
    return FavoriteState(recipe_id=recipe.id, favorited=False, favorite_count=recipe.favorite_count)


@router.get("/users/{userId}/favorites", responses=errors(400, 401, 403, 404))
async def list_favorites(
    owner: TargetUser, session: SessionDep, state: StateDep, page: Pagination
) -> Page[RecipeSummary]:
    return await service.list_favorites(session, state.cache, owner.id, page)


@router.post(
    "/users/{userId}/recipes",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404),
)
async def create_private_recipe(
    body: RecipeCreate, owner: TargetUser, session: SessionDep, state: StateDep
) -> RecipeRead:
    """A private recipe, visible only to its owner (and administrators)."""
    recipe = await service.create_recipe(
        session, state.cache, body, owner=owner, visibility=VISIBILITY_PRIVATE
    )
    return RecipeRead.model_validate(recipe)
