"""Browser sessions: the refresh token in an HttpOnly cookie, CSRF by double submit.

A browser client asks for cookie mode with the header `X-Auth-Mode: cookie` on register, login
and refresh. The refresh token then never reaches JavaScript: it is set as `mp_refresh`
(`HttpOnly`, `SameSite=Strict`, `Path=/api/v1/auth`, `Secure` when the request came over HTTPS,
directly or per a trusted proxy) and the JSON body carries `refreshToken: null`. The access
token is still returned in the body; the web app keeps it in memory only.

`SameSite=Strict` already keeps other sites from sending the cookie; the double-submit token is
a second lock for browsers or setups where SameSite does not hold (a sibling subdomain, an old
browser). Alongside the refresh cookie the server sets `csrf_token` (readable by scripts,
`Path=/`), and any request that authenticates with the refresh cookie (refresh, logout) must
echo it in `X-CSRF-Token`. A page on another origin can neither read that cookie nor set the
header on a cross-site form post.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from mealplanner.core.errors import AppError
from mealplanner.core.http_security import TrustedProxies

REFRESH_COOKIE = "mp_refresh"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
AUTH_MODE_HEADER = "X-Auth-Mode"
COOKIE_PATH = "/api/v1/auth"


class CsrfFailed(AppError):
    status_code = 403
    code = "CSRF_FAILED"
    message = "Missing or wrong CSRF token"


def wants_cookie(request: Request) -> bool:
    return request.headers.get(AUTH_MODE_HEADER, "").strip().lower() == "cookie"


def _secure(request: Request) -> bool:
    settings = request.app.state.services.settings
    return TrustedProxies(settings.trusted_proxies).scheme(request.scope) == "https"


def set_session_cookies(
    request: Request, response: Response, refresh_token: str, max_age_seconds: int
) -> None:
    secure = _secure(request)
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=max_age_seconds,
        path=COOKIE_PATH,
        httponly=True,
        secure=secure,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(32),
        max_age=max_age_seconds,
        path="/",
        httponly=False,
        secure=secure,
        samesite="strict",
    )


def clear_session_cookies(request: Request, response: Response) -> None:
    secure = _secure(request)
    response.delete_cookie(
        REFRESH_COOKIE, path=COOKIE_PATH, httponly=True, secure=secure, samesite="strict"
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="strict")


def refresh_cookie(request: Request) -> str | None:
    value = request.cookies.get(REFRESH_COOKIE)
    return value or None


def require_csrf(request: Request) -> None:
    """Double submit: the header must equal the `csrf_token` cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not secrets.compare_digest(cookie, header):
        raise CsrfFailed()
