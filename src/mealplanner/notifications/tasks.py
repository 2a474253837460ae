"""Email jobs. Idempotent: a scheduled email is sent only while its delivery row is pending."""

from __future__ import annotations

import uuid
from typing import Any

from mealplanner.core.clock import utcnow
from mealplanner.core.jobs import register_job, unit_of_work
from mealplanner.core.state import AppState
from mealplanner.notifications import service
from mealplanner.notifications.models import DELIVERY_PENDING, DELIVERY_SENT, DELIVERY_SKIPPED
from mealplanner.notifications.repository import DeliveryRepository
from mealplanner.users.models import User


async def send_email(state: AppState, payload: dict[str, Any]) -> None:
    async with unit_of_work(state) as session:
        user = await session.get(User, uuid.UUID(payload["userId"]))
        if user is None:
            return
        deliveries = DeliveryRepository(session)
        delivery_id = uuid.UUID(payload["deliveryId"]) if payload.get("deliveryId") else None
        if delivery_id is not None:
            delivery = await deliveries.get(delivery_id)
            if delivery is None or delivery.status != DELIVERY_PENDING:
                return  # sent (or skipped) by an earlier run of this job
        sent = await service.send_to_user(
            session, state, user, payload["kind"], payload.get("context") or {}
        )
        if delivery_id is not None:
            await deliveries.mark(
                delivery_id, DELIVERY_SENT if sent else DELIVERY_SKIPPED, utcnow() if sent else None
            )


register_job(service.SEND_EMAIL_JOB, send_email, max_tries=6, base_delay=5, max_delay=900)
