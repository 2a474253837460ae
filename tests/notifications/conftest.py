"""A real SMTP server (aiosmtpd) for the test session; the app's mailer points at it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from mealplanner.core.state import AppState
from mealplanner.notifications.email import SmtpMailer


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
async def inbox(smtp_server: tuple[Controller, Inbox], state: AppState) -> AsyncIterator[Inbox]:
    """Routes the app's email through the test SMTP server for one test."""
    controller, box = smtp_server
    box.messages.clear()
    settings = state.settings.model_copy(
        update={
            "smtp_host": controller.hostname,
            "smtp_port": controller.port,
            "smtp_starttls": False,
            "smtp_ssl": False,
        }
    )
    previous = state.mailer
    state.mailer = SmtpMailer(settings)
    yield box
    state.mailer = previous
