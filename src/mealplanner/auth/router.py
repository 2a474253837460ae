from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from mealplanner.auth import cookies, service
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
from mealplanner.core.errors import Unauthorized
from mealplanner.core.openapi import errors
from mealplanner.core.ratelimit import enforce_auth_limit
from mealplanner.users.schemas import UserRead

router = APIRouter(prefix="/auth", tags=["auth"])


def _client(request: Request) -> service.ClientInfo:
    return service.ClientInfo(
        user_agent=request.headers.get("user-agent"),
        ip_address=request.client.host if request.client else None,
    )


def _pair(
    issued: service.IssuedTokens, request: Request, response: Response, state: StateDep
) -> TokenPair:
    in_cookie = cookies.wants_cookie(request)
    if in_cookie:
        _set_cookies(issued, request, response, state)
    return TokenPair(
        user=UserRead.model_validate(issued.user),
        access_token=issued.access_token,
        refresh_token=None if in_cookie else issued.refresh_token,
        expires_in=issued.expires_in,
    )


def _set_cookies(
    issued: service.IssuedTokens, request: Request, response: Response, state: StateDep
) -> None:
    max_age = state.settings.refresh_token_ttl_days * 86400
    cookies.set_session_cookies(request, response, issued.refresh_token, max_age)


COOKIE_MODE_DOC = (
    " Send `X-Auth-Mode: cookie` (browsers) to receive the refresh token as an HttpOnly cookie"
    " (`refreshToken` is then null) plus a `csrf_token` cookie to echo in `X-CSRF-Token`."
)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 409, 413, 429),
    description="Create an account and sign in." + COOKIE_MODE_DOC,
)
async def register(
    body: RegisterRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    state: StateDep,
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
    return _pair(issued, request, response, state)


@router.post("/login", responses=errors(400, 401, 429), description="Sign in." + COOKIE_MODE_DOC)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    state: StateDep,
) -> TokenPair:
    await enforce_auth_limit(request, body.email)
    issued = await service.login(
        session, state, email=body.email, password=body.password, client=_client(request)
    )
    return _pair(issued, request, response, state)


@router.post(
    "/refresh",
    responses=errors(400, 401, 403),
    description=(
        "Rotate the refresh token. API clients send `{refreshToken}`; browsers send no body:"
        " the `mp_refresh` cookie is read instead, and `X-CSRF-Token` must equal the"
        " `csrf_token` cookie (403 `CSRF_FAILED` otherwise)."
    ),
)
async def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    state: StateDep,
    body: RefreshRequest | None = None,
) -> RefreshResponse:
    if body is not None:
        issued = await service.refresh(session, state, body.refresh_token)
        in_cookie = cookies.wants_cookie(request)
    else:
        token = cookies.refresh_cookie(request)
        if token is None:
            raise Unauthorized("No refresh token")
        cookies.require_csrf(request)
        issued = await service.refresh(session, state, token)
        in_cookie = True
    if in_cookie:
        _set_cookies(issued, request, response, state)
    return RefreshResponse(
        access_token=issued.access_token,
        refresh_token=None if in_cookie else issued.refresh_token,
        expires_in=issued.expires_in,
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403),
    description=(
        "End the caller's session. When the refresh cookie is present, `X-CSRF-Token` is"
        " required and both cookies are cleared."
    ),
)
async def logout(ctx: CurrentAuth, request: Request, session: SessionDep) -> Response:
    has_cookie = cookies.refresh_cookie(request) is not None
    if has_cookie:
        cookies.require_csrf(request)
    await service.logout(session, ctx)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    if has_cookie:
        cookies.clear_session_cookies(request, response)
    return response


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
