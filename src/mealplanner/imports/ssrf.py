"""Fetching a user-given URL without letting it reach inside our network (SSRF).

Every hop (the first request and each redirect, at most 5) is checked the same way:
only http/https, no credentials in the URL, no numeric host tricks (`2130706433`,
`0x7f000001`, `0177.0.0.1`); the host is resolved once and *every* address must be public
(not loopback, private, link-local such as 169.254.169.254, CGNAT 100.64/10, multicast,
reserved, unspecified, IPv4-mapped/6to4/Teredo IPv6). The connection then goes to the
address that was checked, with the original Host header and TLS SNI, so a second DNS answer
cannot swap in another address (DNS rebinding). Bodies are capped at 5 MB and the whole fetch
at 10 seconds. `MEALPLANNER_IMPORT_URL_ALLOWLIST` lists hosts or CIDRs allowed anyway.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
import structlog

log = structlog.get_logger("mealplanner.imports.ssrf")

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
USER_AGENT = "Mealplanner recipe importer (+https://github.com/mealplanner)"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# Hosts made only of digits, dots and hex/octal prefixes are IP literals in disguise.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$", re.IGNORECASE)
_CANONICAL_V4 = re.compile(
    r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
)


class FetchRefused(Exception):
    """Why a fetch was refused; for the logs only, the client gets one generic answer."""


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    content_type: str
    body: bytes


@dataclass(frozen=True)
class UrlGuard:
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default_factory=tuple
    )

    @classmethod
    def from_allowlist(cls, entries: Iterable[str]) -> UrlGuard:
        hosts: set[str] = set()
        networks = []
        for entry in entries:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allowed_hosts

    def address_allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allowed_networks) or (
            is_public(ip)
        )


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that embed an IPv4 address are refused outright, whatever they embed.
        if ip.ipv4_mapped is not None or ip.sixtofour is not None or ip.teredo is not None:
            return False
        if ip in ipaddress.ip_network("64:ff9b::/96"):
            return False
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
        or not ip.is_global
    )


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str  # IDNA-encoded name, or the IP literal without brackets
    port: int
    path: str
    query: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_target(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused("malformed url") from exc
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchRefused(f"scheme {scheme!r}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise FetchRefused("credentials in url")
    host = (parts.hostname or "").strip()
    if not host:
        raise FetchRefused("no host")
    if "%" in host:
        raise FetchRefused("zone id or escaped host")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if _NUMERIC_HOST.match(host) and not _CANONICAL_V4.match(host):
            raise FetchRefused("numeric host trick") from None
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise FetchRefused("bad host name") from exc
    return Target(
        scheme=scheme,
        host=host,
        port=port or (443 if scheme == "https" else 80),
        path=parts.path or "/",
        query=parts.query,
    )


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused("does not resolve") from exc
    addresses = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(raw))
    if not addresses:
        raise FetchRefused("no addresses")
    return list(dict.fromkeys(addresses))


async def checked_address(target: Target, guard: UrlGuard) -> IPAddress:
    addresses = await resolve(target.host, target.port)
    if guard.host_allowed(target.host):
        return addresses[0]
    for ip in addresses:
        if not guard.address_allowed(ip):
            raise FetchRefused(f"address {ip} is not public")
    return addresses[0]


async def fetch(
    url: str,
    guard: UrlGuard,
    *,
    max_bytes: int = MAX_BYTES,
    time_limit: float = TIMEOUT_SECONDS,
    max_redirects: int = MAX_REDIRECTS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Fetched:
    """GETs `url` under the guard; raises `FetchRefused` for anything refused or failed."""
    try:
        async with asyncio.timeout(time_limit):
            return await _fetch(url, guard, max_bytes, time_limit, max_redirects, transport)
    except TimeoutError as exc:
        raise FetchRefused("timeout") from exc
    except httpx.HTTPError as exc:
        raise FetchRefused(f"http error {type(exc).__name__}") from exc


async def _fetch(
    url: str,
    guard: UrlGuard,
    max_bytes: int,
    time_limit: float,
    max_redirects: int,
    transport: httpx.AsyncBaseTransport | None,
) -> Fetched:
    current = url
    # trust_env=False: an HTTP(S)_PROXY from the environment would bypass the address pinning.
    async with httpx.AsyncClient(
        follow_redirects=False, trust_env=False, timeout=time_limit, transport=transport
    ) as client:
        for _hop in range(max_redirects + 1):
            target = parse_target(current)
            address = await checked_address(target, guard)
            request_url = httpx.URL(
                scheme=target.scheme, host=str(address), port=target.port, path=target.path
            )
            if target.query:
                request_url = request_url.copy_with(query=target.query.encode())
            headers = {
                "Host": target.host_header,
                "User-Agent": USER_AGENT,
                "Accept": "text/html,application/xhtml+xml,application/ld+json,application/json",
                "Accept-Encoding": "identity",
            }
            extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
            request = client.build_request(
                "GET", request_url, headers=headers, extensions=extensions
            )
            response = await client.send(request, stream=True)
            try:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchRefused("redirect without location")
                    current = urljoin(current, location)
                    continue
                if response.status_code != 200:
                    raise FetchRefused(f"status {response.status_code}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchRefused("declared body too large")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchRefused("body too large")
                    chunks.append(chunk)
                return Fetched(
                    url=current,
                    content_type=response.headers.get("content-type", "").split(";")[0].strip(),
                    body=b"".join(chunks),
                )
            finally:
                await response.aclose()
    raise FetchRefused("too many redirects")
