"""Pure ASGI middleware: request ids, the access log and the request-body size cap.

Written against raw ASGI rather than BaseHTTPMiddleware: it costs less per request and it
does not move the endpoint into another task (which would hide context variables).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mealplanner.core.errors import PayloadTooLarge, error_body

access_log = structlog.get_logger("mealplanner.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Assigns `X-Request-ID` and writes one access-log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(requestId=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                durationMs=round((time.perf_counter() - started) * 1000, 2),
                userId=state.get("user_id"),
            )


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413 before the app parses them.

    `Content-Length` is checked up front; chunked bodies are counted as they stream in.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Path prefix -> limit (e.g. direct image uploads); the longest prefix wins. A key
        # starting with "^" is a regular expression (for paths with ids in the middle).
        limits = sorted((path_limits or {}).items(), key=lambda kv: -len(kv[0]))
        self.path_patterns = [(re.compile(k), v) for k, v in limits if k.startswith("^")]
        self.path_limits = [(k, v) for k, v in limits if not k.startswith("^")]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.path_patterns:
            if pattern.match(path):
                return limit
        for prefix, limit in self.path_limits:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            await self._refuse(send)
            return
        received = 0
        too_large = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    too_large = True
                    raise PayloadTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app answers after the body overflowed (frameworks turn read errors
            # into their own 400), the client gets the 413.
            nonlocal refused
            if too_large:
                if not refused:
                    refused = True
                    await self._refuse(send)
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except PayloadTooLarge:
            if not refused:
                await self._refuse(send)

    @staticmethod
    async def _refuse(send: Send) -> None:
        exc = PayloadTooLarge()
        body = json.dumps(error_body(exc.code, exc.message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class NulByteGuardMiddleware:
    """Refuses NUL characters in URLs and in text bodies (JSON, forms, text) with 400.

    PostgreSQL text cannot hold U+0000, so such input could only ever fail deep inside a
    query; refusing it at the door gives a clean validation error on every route. Binary
    bodies (file uploads, multipart) are bytes, not text, and pass through.
    """

    _JSON_NUL = b"\\u0000"

    def __init__(self, app: ASGIApp, binary_body_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        # Path prefixes whose bodies are binary files (image uploads): bytes, not text.
        self.binary_body_paths = binary_body_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").lower()
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            await _send_validation_error(send, "NUL characters are not allowed in URLs")
            return
        content_type = (_header(scope, b"content-type") or "").lower()
        is_text = content_type.startswith(_TEXT_BODIES) or "+json" in content_type
        binary_path = self.binary_body_paths and scope.get("path", "").startswith(
            self.binary_body_paths
        )
        if binary_path or (content_type and not is_text):
            await self.app(scope, receive, send)
            return
        tail = b""
        found = False

        async def checking_receive() -> Message:
            nonlocal tail, found
            message = await receive()
            if message["type"] == "http.request":
                body = tail + message.get("body", b"")
                if self._JSON_NUL in body or b"\x00" in body:
                    found = True
                    raise _NulInBody()
                tail = body[-(len(self._JSON_NUL) - 1) :]
            return message

        responded = False

        async def guarded_send(message: Message) -> None:
            nonlocal responded
            if found:
                if not responded:
                    responded = True
                    await _send_validation_error(send, "NUL characters are not allowed")
                return
            await send(message)

        try:
            await self.app(scope, checking_receive, guarded_send)
        except _NulInBody:
            if not responded:
                await _send_validation_error(send, "NUL characters are not allowed")


_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")


class _NulInBody(Exception):
    pass


async def _send_validation_error(send: Send, message: str) -> None:
    body = json.dumps(error_body("VALIDATION_ERROR", message, {"body": message})).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
