"""Notifications: who gets which email, unsubscribe tokens, and queueing email jobs.

Other domains send email through `queue_email(session, user_id, kind, context)`: the job goes
out only when their transaction commits. The weekly summary's content (nutrition, balance
score) comes from the meal-plan domain through `register_weekly_summary_provider`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.clock import utcnow
from mealplanner.core.errors import NotFound, ValidationFailed
from mealplanner.core.jobs import defer_job
from mealplanner.core.state import AppState
from mealplanner.notifications.email import EmailRenderer, compose
from mealplanner.users import service as user_service
from mealplanner.users.models import User

log = structlog.get_logger("mealplanner.notifications")

SEND_EMAIL_JOB = "notifications.send_email"

WELCOME = "welcome"
MEAL_PLAN_REMINDER = "meal_plan_reminder"
SHOPPING_LIST_READY = "shopping_list_ready"
WEEKLY_SUMMARY = "weekly_summary"
PASSWORD_RESET = "password_reset"

#: Kinds a user can switch off (`preferences.notifications`); they carry an unsubscribe link.
OPTIONAL_KINDS = (WELCOME, MEAL_PLAN_REMINDER, SHOPPING_LIST_READY, WEEKLY_SUMMARY)
#: Sent whatever the preferences say (the user asked for them).
TRANSACTIONAL_KINDS = (PASSWORD_RESET,)
KINDS = OPTIONAL_KINDS + TRANSACTIONAL_KINDS

UNSUBSCRIBE_TTL = timedelta(days=90)

_renderer: EmailRenderer | None = None


def renderer() -> EmailRenderer:
    global _renderer
    if _renderer is None:
        _renderer = EmailRenderer()
    return _renderer


# --- weekly summary provider -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    meals_planned: int = 0
    balance_score: int | None = None
    #: Display name -> formatted amount, e.g. {"Calories": "2,050 kcal"}.
    nutrition: dict[str, str] = field(default_factory=dict)
    insights: list[str] = field(default_factory=list)


WeeklySummaryProvider = Callable[[AsyncSession, User, date], Awaitable[WeeklySummary | None]]
_summary_provider: WeeklySummaryProvider | None = None


def register_weekly_summary_provider(provider: WeeklySummaryProvider | None) -> None:
    """The meal-plan domain registers how to summarise a user's ISO week (given its Monday)."""
    global _summary_provider
    _summary_provider = provider


async def weekly_summary(session: AsyncSession, user: User, week_start: date) -> WeeklySummary:
    if _summary_provider is None:
        return WeeklySummary()
    try:
        return await _summary_provider(session, user, week_start) or WeeklySummary()
    except Exception as exc:  # a broken provider must not stop the email
        log.error("weekly_summary_provider_failed", exc_info=exc)
        return WeeklySummary()


# --- preferences and unsubscribe tokens ------------------------------------------------------


def wants(user: User, kind: str) -> bool:
    if kind in TRANSACTIONAL_KINDS:
        return True
    return bool(user_service.read_preferences(user).notifications.model_dump().get(kind, False))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unsubscribe_key(secret: str) -> bytes:
    # Derived, so an unsubscribe signature can never pass for anything else signed with it.
    return hmac.new(secret.encode(), b"mealplanner-unsubscribe", hashlib.sha256).digest()


def make_unsubscribe_token(
    secret: str, user_id: uuid.UUID, kind: str, now: datetime | None = None
) -> str:
    """`payload.signature`: payload = user id, kind and expiry; HMAC-SHA256 signed."""
    expires = int(((now or utcnow()) + UNSUBSCRIBE_TTL).timestamp())
    payload = f"{user_id.hex}:{kind}:{expires}".encode()
    signature = hmac.new(_unsubscribe_key(secret), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature[:20])}"


def read_unsubscribe_token(
    secret: str, token: str, now: datetime | None = None
) -> tuple[uuid.UUID, str]:
    invalid = ValidationFailed(
        "This unsubscribe link is invalid or has expired",
        details={"token": "invalid or expired"},
    )
    try:
        payload_part, signature_part = token.split(".", 1)
        payload = _unb64(payload_part)
        signature = _unb64(signature_part)
        expected = hmac.new(_unsubscribe_key(secret), payload, hashlib.sha256).digest()[:20]
        if not hmac.compare_digest(expected, signature):
            raise invalid
        user_hex, kind, expires = payload.decode().split(":")
        user_id = uuid.UUID(hex=user_hex)
        expired = int(expires) < int((now or utcnow()).timestamp())
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if expired or kind not in OPTIONAL_KINDS:
        raise invalid
    return user_id, kind


def unsubscribe_url(state: AppState, user_id: uuid.UUID, kind: str) -> str:
    token = make_unsubscribe_token(state.settings.resolve_jwt_secret(), user_id, kind)
    base = state.settings.public_base_url.rstrip("/")
    return f"{base}/api/v1/notifications/unsubscribe?token={token}"


async def unsubscribe(session: AsyncSession, state: AppState, token: str) -> tuple[User, str]:
    """Switches the token's email kind off for its user (idempotent)."""
    user_id, kind = read_unsubscribe_token(state.settings.resolve_jwt_secret(), token)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("Account not found")
    preferences = dict(user.preferences or {})
    notifications = dict(preferences.get("notifications") or {})
    notifications[kind] = False
    preferences["notifications"] = notifications
    user.preferences = preferences  # a new dict, so the JSON change is detected
    user.updated_at = utcnow()
    await session.flush()
    log.info("unsubscribed", userId=str(user.id), kind=kind)
    return user, kind


# --- sending ---------------------------------------------------------------------------------


def queue_email(
    session: AsyncSession,
    user_id: uuid.UUID,
    kind: str,
    context: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    delivery_id: uuid.UUID | None = None,
) -> None:
    """Sends `kind` to the user once the current transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    payload: dict[str, Any] = {"userId": str(user_id), "kind": kind, "context": context or {}}
    if delivery_id is not None:
        payload["deliveryId"] = str(delivery_id)
    defer_job(session, SEND_EMAIL_JOB, payload, key=key)


def app_url(state: AppState, path: str = "") -> str:
    return f"{state.settings.public_base_url.rstrip('/')}{path}"


async def send_to_user(
    session: AsyncSession,
    state: AppState,
    user: User,
    kind: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """Renders and sends `kind` now; False when the user opted out or is disabled."""
    if user.disabled or not wants(user, kind):
        log.info("email_skipped", kind=kind, userId=str(user.id))
        return False
    assert state.mailer is not None, "no mailer configured"
    values: dict[str, Any] = {
        "user_name": user.name,
        "app_url": app_url(state, "/"),
        **(context or {}),
    }
    if kind in OPTIONAL_KINDS:
        values["unsubscribe_url"] = unsubscribe_url(state, user.id, kind)
    if kind == WEEKLY_SUMMARY and "summary" not in values:
        week_start = date.fromisoformat(values.get("week_start") or utcnow().date().isoformat())
        summary = await weekly_summary(session, user, week_start)
        values["summary"] = {
            "meals_planned": summary.meals_planned,
            "balance_score": summary.balance_score,
            "nutrition": summary.nutrition,
            "insights": summary.insights,
        }
    rendered = renderer().render(kind, values)
    message = compose(
        sender=state.settings.smtp_from,
        to_name=user.name,
        to_email=user.email,
        rendered=rendered,
        unsubscribe_url=values.get("unsubscribe_url"),
    )
    await state.mailer.send(message)
    return True
