"""HTTP hardening: trusted proxies (client IP and scheme), and security headers.

Client IP: `X-Forwarded-For` is honoured only when the direct peer is in
`MEALPLANNER_TRUSTED_PROXIES` (CIDRs). The header is then read from the right, skipping our own
proxies; the first address that is not one of them is the client. Anything a client writes
itself ends up left of that and is ignored, so a forged header cannot pick someone else's rate
limit bucket. `X-Forwarded-Proto` follows the same rule and decides whether to send HSTS.

Headers on every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
`X-Frame-Options: DENY`, `Cross-Origin-Opener-Policy: same-origin`, and a CSP. The API only
serves JSON, so its CSP is `default-src 'none'; frame-ancestors 'none'` (nothing may load or
frame it). The interactive docs at `/docs` are an HTML page that loads Swagger UI from
cdn.jsdelivr.net with an inline bootstrap script, so that one page gets a CSP allowing exactly
that. `Strict-Transport-Security` is sent only when the request arrived over HTTPS (directly,
or per a trusted proxy's `X-Forwarded-Proto`): HSTS over plain HTTP is meaningless and would
break a local `http://` setup.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.jsdelivr.net; "
    "connect-src 'self'; "
    "frame-ancestors 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})


def _header_values(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name]


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxies:
    def __init__(self, cidrs: Iterable[str] = ()) -> None:
        self.networks: list[IPNetwork] = [ipaddress.ip_network(c, strict=False) for c in cidrs]

    def is_trusted(self, host: str | None) -> bool:
        if not host or not self.networks:
            return False
        ip = _parse_ip(host)
        return ip is not None and any(ip in net for net in self.networks)

    def peer(self, scope: Scope) -> str:
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    def client_ip(self, scope: Scope) -> str:
        peer = self.peer(scope)
        if not self.is_trusted(peer):
            return peer
        hops = [h.strip() for v in _header_values(scope, b"x-forwarded-for") for h in v.split(",")]
        client = peer
        for hop in reversed(hops):
            ip = _parse_ip(hop)
            if ip is None:
                break  # garbage: stop at the last hop we could vouch for
            client = str(ip)
            if not any(ip in net for net in self.networks):
                return client
        return client

    def scheme(self, scope: Scope) -> str:
        scheme = str(scope.get("scheme", "http"))
        if self.is_trusted(self.peer(scope)):
            forwarded = _header_values(scope, b"x-forwarded-proto")
            if forwarded:
                last = forwarded[-1].split(",")[-1].strip().lower()
                if last in {"http", "https"}:
                    return last
        return scheme


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies | None = None) -> None:
        self.app = app
        self.proxies = proxies or TrustedProxies()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (
                b"content-security-policy",
                (DOCS_CSP if scope["path"] in DOCS_PATHS else API_CSP).encode(),
            ),
        ]
        if self.proxies.scheme(scope) == "https":
            extra.append((b"strict-transport-security", HSTS.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in extra if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
