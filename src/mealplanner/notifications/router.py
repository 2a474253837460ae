"""One-click unsubscribe (RFC 8058): the link in every optional email.

`GET` only shows a confirmation page with a button: link scanners and mail previews fetch
GETs, and must not unsubscribe anyone. `POST` (the button, or the mail client's one-click
request) switches the email kind off.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.errors import AppError
from mealplanner.notifications import service

router = APIRouter(prefix="/notifications", tags=["notifications"])

Token = Annotated[str, Query(min_length=10, max_length=512)]

_LABELS = {
    service.WELCOME: "welcome emails",
    service.MEAL_PLAN_REMINDER: "meal-plan reminders",
    service.SHOPPING_LIST_READY: "shopping-list emails",
    service.WEEKLY_SUMMARY: "weekly summaries",
}


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title></head>"
        "<body style='font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem'>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


@router.get("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(token: Token, state: StateDep) -> HTMLResponse:
    try:
        _, kind = service.read_unsubscribe_token(state.settings.resolve_jwt_secret(), token)
    except AppError as exc:
        return _page("Link expired", f"<p>{escape(exc.message)}.</p>", exc.status_code)
    label = _LABELS.get(kind, kind)
    return _page(
        "Unsubscribe",
        f"<p>Stop receiving {escape(label)}?</p>"
        f"<form method='post' action='?token={escape(token)}'>"
        "<input type='hidden' name='List-Unsubscribe' value='One-Click'>"
        "<button type='submit'>Unsubscribe</button></form>",
    )


@router.post("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(token: Token, session: SessionDep, state: StateDep) -> HTMLResponse:
    try:
        _, kind = await service.unsubscribe(session, state, token)
    except AppError as exc:
        return _page("Link expired", f"<p>{escape(exc.message)}.</p>", exc.status_code)
    label = _LABELS.get(kind, kind)
    return _page(
        "Unsubscribed",
        f"<p>You will no longer receive {escape(label)}. "
        "You can switch them back on in your settings.</p>",
    )
