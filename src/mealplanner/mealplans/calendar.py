"""An iCalendar (RFC 5545) feed of a user's planned meals, authenticated by a rotatable
per-user secret in the URL (calendar apps cannot send Authorization headers)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.clock import utcnow
from mealplanner.core.errors import NotFound
from mealplanner.core.security import hash_token, new_opaque_token
from mealplanner.mealplans.models import CalendarFeed, PlannedMeal
from mealplanner.mealplans.repository import MealPlanRepository
from mealplanner.mealplans.service import meals_between
from mealplanner.recipes import service as recipe_service
from mealplanner.recipes.models import Recipe
from mealplanner.users import service as user_service
from mealplanner.users.models import User

TOKEN_PREFIX = "mpcal_"
PAST_DAYS = 28
FUTURE_DAYS = 56
# When each meal shows up in the calendar (the user's local time).
MEAL_TIMES = {
    "breakfast": (time(8, 0), 30),
    "lunch": (time(12, 30), 45),
    "snack": (time(16, 0), 15),
    "dinner": (time(19, 0), 60),
}


async def rotate_token(session: AsyncSession, user: User) -> str:
    """A new feed secret; the previous URL stops working."""
    token = new_opaque_token(TOKEN_PREFIX)
    await session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    session.add(CalendarFeed(user_id=user.id, token_hash=hash_token(token)))
    await session.flush()
    return token


async def feed_for_token(session: AsyncSession, user_id: uuid.UUID, token: str) -> str:
    feed = await MealPlanRepository(session).calendar_feed_by_hash(hash_token(token))
    # Unknown token, rotated token and another user's id all look the same.
    if feed is None or feed.user_id != user_id:
        raise NotFound("Calendar feed not found")
    user = await user_service.get_user(session, user_id)
    today = utcnow().date()
    meals = await meals_between(
        session, user_id, today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    )
    recipes = await recipe_service.get_recipes(session, [m.recipe_id for m in meals])
    timezone = ZoneInfo(user_service.read_preferences(user).timezone)
    return render_calendar(meals, recipes, timezone, user.name)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        chunk = char.encode()
        if len(current) + len(chunk) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += chunk
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render_calendar(
    meals: Sequence[PlannedMeal],
    recipes: dict[uuid.UUID, Recipe],
    timezone: ZoneInfo,
    owner_name: str,
) -> str:
    stamp = _utc(utcnow())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mealplanner//Meal plan feed//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(f'Meals for {owner_name}')}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for meal in meals:
        recipe = recipes.get(meal.recipe_id)
        if recipe is None:
            continue
        start_time, minutes = MEAL_TIMES.get(meal.meal_type, (time(12, 0), 30))
        start = datetime.combine(meal.date, start_time, tzinfo=timezone)
        end = start + timedelta(minutes=minutes)
        description = f"{meal.servings:g} servings · {recipe.total_minutes} min"
        if meal.note:
            description += f"\n{meal.note}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{meal.id}@mealplanner",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(end)}",
            f"SUMMARY:{_escape(f'{meal.meal_type.capitalize()}: {recipe.name}')}",
            f"DESCRIPTION:{_escape(description)}",
            f"CATEGORIES:{meal.meal_type.upper()}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
