from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from mealplanner.auth.password_reset import service
from mealplanner.auth.password_reset.schemas import ForgotPasswordRequest, ResetPasswordRequest
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.openapi import errors
from mealplanner.core.ratelimit import enforce_auth_limit
from mealplanner.core.schemas import Message

router = APIRouter(prefix="/auth", tags=["auth"])

FORGOT_MESSAGE = "If an account exists for this email, we have sent a link to reset its password."


@router.post("/forgot-password", status_code=status.HTTP_202_ACCEPTED, responses=errors(400, 429))
async def forgot_password(
    body: ForgotPasswordRequest, request: Request, session: SessionDep, state: StateDep
) -> Message:
    """Always 202 with the same body: the answer never reveals whether the account exists."""
    await enforce_auth_limit(request, body.email)
    await service.request_reset(session, state, body.email)
    return Message(message=FORGOT_MESSAGE)


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT, responses=errors(400, 429))
async def reset_password(
    body: ResetPasswordRequest, session: SessionDep, state: StateDep
) -> Response:
    await service.reset_password(session, state, token=body.token, new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
