from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from mealplanner.auth import service
from mealplanner.auth.dependencies import CurrentAuth, CurrentUser
from mealplanner.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
    RefreshRequest,
    RefreshResponse,
    RegisterRequest,
    TokenPair,
)
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.openapi import errors
from mealplanner.core.ratelimit import enforce_auth_limit
from mealplanner.users.schemas import UserRead

router = APIRouter(prefix="/auth", tags=["auth"])


def _client(request: Request) -> service.ClientInfo:
    return service.ClientInfo(
        user_agent=request.headers.get("user-agent"),
        ip_address=request.client.host if request.client else None,
    )


def _pair(issued: service.IssuedTokens) -> TokenPair:
    return TokenPair(
        user=UserRead.model_validate(issued.user),
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 409, 413, 429),
)
async def register(
    body: RegisterRequest, request: Request, session: SessionDep, state: StateDep
) -> TokenPair:
    await enforce_auth_limit(request, body.email)
    issued = await service.register(
        session,
        state,
        email=body.email,
        password=body.password,
        name=body.name,
        client=_client(request),
    )
    return _pair(issued)


@router.post("/login", responses=errors(400, 401, 429))
async def login(
    body: LoginRequest, request: Request, session: SessionDep, state: StateDep
) -> TokenPair:
    await enforce_auth_limit(request, body.email)
    issued = await service.login(
        session, state, email=body.email, password=body.password, client=_client(request)
    )
    return _pair(issued)


@router.post("/refresh", responses=errors(400, 401))
async def refresh(body: RefreshRequest, session: SessionDep, state: StateDep) -> RefreshResponse:
    issued = await service.refresh(session, state, body.refresh_token)
    return RefreshResponse(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401))
async def logout(ctx: CurrentAuth, session: SessionDep) -> Response:
    await service.logout(session, ctx)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", responses=errors(401))
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.post("/api-tokens", status_code=status.HTTP_201_CREATED, responses=errors(400, 401))
async def create_api_token(
    body: ApiTokenCreate, user: CurrentUser, session: SessionDep
) -> ApiTokenCreated:
    api_token, secret = await service.create_api_token(
        session, user, name=body.name, expires_in_days=body.expires_in_days
    )
    return ApiTokenCreated.model_validate(
        {**ApiTokenRead.model_validate(api_token).model_dump(), "token": secret}
    )


@router.get("/api-tokens", responses=errors(401))
async def list_api_tokens(user: CurrentUser, session: SessionDep) -> list[ApiTokenRead]:
    return [ApiTokenRead.model_validate(t) for t in await service.list_api_tokens(session, user)]


@router.delete(
    "/api-tokens/{tokenId}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404),
)
async def revoke_api_token(
    token_id: Annotated[uuid.UUID, Path(alias="tokenId")], user: CurrentUser, session: SessionDep
) -> Response:
    await service.revoke_api_token(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
