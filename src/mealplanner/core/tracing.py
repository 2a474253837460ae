"""Trace ids in every log line, W3C trace context, and optional OpenTelemetry and Sentry.

Always on: each request gets a trace id, bound as `traceId` in the structlog context (so every
log line of the request carries it) and echoed in a `traceparent` response header. The id comes
from, in order: the active OpenTelemetry span (when tracing is on), a valid incoming
`traceparent` header (so a trace started by a client or the load balancer continues), or a new
random one.

OpenTelemetry (`MEALPLANNER_OTLP_ENDPOINT`): spans for requests (FastAPI), SQL (SQLAlchemy) and
Redis, exported over OTLP/HTTP. The exporter and instrumentations are optional packages
(`opentelemetry-sdk`, `opentelemetry-exporter-otlp-proto-http`,
`opentelemetry-instrumentation-fastapi`, `-sqlalchemy`, `-redis`); without them the setting
logs a warning and tracing stays off. They are not in the lockfile (see docs/operations.md).

Sentry (`MEALPLANNER_SENTRY_DSN`): unhandled errors, with `send_default_pii=False` (no IPs,
cookies, headers or bodies). Needs `sentry-sdk`; a warning otherwise.
"""

from __future__ import annotations

import importlib
import re
import secrets
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mealplanner import __version__
from mealplanner.core.config import Settings

log = structlog.get_logger("mealplanner.tracing")

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_INVALID_TRACE = "0" * 32
SERVICE_NAME = "mealplanner-api"


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """(trace id, flags) from a W3C `traceparent`, or None when absent or invalid."""
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip().lower())
    if not match:
        return None
    version, trace_id, parent_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest) or trace_id == _INVALID_TRACE:
        return None
    if parent_id == "0" * 16:
        return None
    return trace_id, flags


def _otel_trace_id() -> tuple[str, str] | None:
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - the API ships with our dependencies
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class TraceContextMiddleware:
    """Binds `traceId` for the request's log lines and answers with `traceparent`.

    Sits inside `RequestContextMiddleware`, which clears the log context at the start of each
    request; the binding made here is still in place when that middleware writes the access log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        otel = _otel_trace_id()
        if otel is not None:
            trace_id, span_id = otel
            flags = "01"
        else:
            incoming = None
            for key, value in scope.get("headers", ()):
                if key == b"traceparent":
                    incoming = parse_traceparent(value.decode("latin-1"))
                    break
            trace_id, flags = incoming or (secrets.token_hex(16), "00")
            span_id = secrets.token_hex(8)
        scope.setdefault("state", {})["trace_id"] = trace_id
        structlog.contextvars.bind_contextvars(traceId=trace_id)
        traceparent = f"00-{trace_id}-{span_id}-{flags}".encode()

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"traceparent", traceparent)]
            await send(message)

        await self.app(scope, receive, send_with_trace)


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def configure_sentry(settings: Settings) -> bool:
    if settings.sentry_dsn is None:
        return False
    sentry_sdk = _optional("sentry_sdk")
    if sentry_sdk is None:
        log.warning(
            "sentry_unavailable",
            reason="MEALPLANNER_SENTRY_DSN is set but sentry-sdk is not installed",
        )
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.env,
        release=f"mealplanner@{__version__}",
        send_default_pii=False,
        # Frame locals hold the ASGI scope (with the Authorization header), request bodies
        # and passwords: never ship them.
        include_local_variables=False,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        max_request_body_size="never",
    )
    return True


def configure_tracing(app: Any, settings: Settings) -> bool:
    """Set up the OTLP exporter and instrument the app; False when off or unavailable."""
    if not settings.otlp_endpoint:
        return False
    modules = {
        name: _optional(name)
        for name in (
            "opentelemetry.sdk.trace",
            "opentelemetry.sdk.trace.export",
            "opentelemetry.sdk.resources",
            "opentelemetry.exporter.otlp.proto.http.trace_exporter",
            "opentelemetry.instrumentation.fastapi",
        )
    }
    missing = [name for name, module in modules.items() if module is None]
    if missing:
        log.warning("tracing_unavailable", missing=missing)
        return False
    from opentelemetry import trace

    sdk = modules["opentelemetry.sdk.trace"]
    export = modules["opentelemetry.sdk.trace.export"]
    resources = modules["opentelemetry.sdk.resources"]
    exporter_module = modules["opentelemetry.exporter.otlp.proto.http.trace_exporter"]
    provider = sdk.TracerProvider(
        resource=resources.Resource.create(
            {"service.name": SERVICE_NAME, "service.version": __version__}
        )
    )
    endpoint = settings.otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    provider.add_span_processor(
        export.BatchSpanProcessor(exporter_module.OTLPSpanExporter(endpoint=endpoint))
    )
    trace.set_tracer_provider(provider)
    modules["opentelemetry.instrumentation.fastapi"].FastAPIInstrumentor.instrument_app(
        app, excluded_urls="health,ready,metrics"
    )
    redis_instrumentation = _optional("opentelemetry.instrumentation.redis")
    if redis_instrumentation is not None:
        redis_instrumentation.RedisInstrumentor().instrument(skip_dep_check=True)
    log.info("tracing_enabled", endpoint=endpoint)
    return True


def instrument_engine(engine: Any, settings: Settings) -> None:
    """SQL spans for the engine, when tracing is on and the instrumentation is installed."""
    if not settings.otlp_endpoint:
        return
    module = _optional("opentelemetry.instrumentation.sqlalchemy")
    if module is not None:
        # The instrumentation declares SQLAlchemy < 2.1 and silently does nothing on newer
        # versions unless told to skip that check; its hooks work unchanged on 2.1.
        module.SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, skip_dep_check=True)
