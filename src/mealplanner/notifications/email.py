"""Email: Jinja2 rendering (HTML + plain text), message composition and the two transports.

With `MEALPLANNER_SMTP_HOST` set, messages go out over SMTP (aiosmtplib, STARTTLS or implicit
TLS). Without it (the embedded default) each message is written as an `.eml` file into
`DATA_DIR/outbox/`, which any mail client opens, and a log line says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import aiosmtplib
import structlog
from anyio import to_thread
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from mealplanner.core.clock import utcnow
from mealplanner.core.config import Settings
from mealplanner.core.state import MailSender

log = structlog.get_logger("mealplanner.email")

SUBJECTS = {
    "welcome": "Welcome to Mealplanner",
    "meal_plan_reminder": "Time to plan next week's meals",
    "shopping_list_ready": "Your shopping list is ready",
    "weekly_summary": "Your week in meals",
    "password_reset": "Reset your Mealplanner password",
}


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailRenderer:
    """Templates live in `notifications/templates/{kind}.html|.txt`.

    HTML is autoescaped (a user called `<script>` stays text); the plain-text part is not
    escaped, which is right for `text/plain`.
    """

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("mealplanner.notifications", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, kind: str, context: dict[str, Any]) -> RenderedEmail:
        subject = SUBJECTS[kind]
        values = {"subject": subject, **context}
        return RenderedEmail(
            subject=subject,
            text=self.env.get_template(f"{kind}.txt").render(values),
            html=self.env.get_template(f"{kind}.html").render(values),
        )


def compose(
    *,
    sender: str,
    to_name: str,
    to_email: str,
    rendered: RenderedEmail,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    # formataddr quotes and encodes the display name, so a name cannot inject headers.
    message["To"] = formataddr((to_name.replace("\r", " ").replace("\n", " "), to_email))
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(utcnow().timestamp(), localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    if unsubscribe_url:
        # RFC 8058 one-click unsubscribe: mail clients POST to the URL.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self.hostname = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username
        self.password = settings.smtp_password
        self.use_tls = settings.smtp_ssl
        self.start_tls = settings.smtp_starttls and not settings.smtp_ssl
        self.timeout = settings.smtp_timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password.get_secret_value() if self.password else None,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            timeout=self.timeout,
        )
        log.info("email_sent", to=message["To"], subject=message["Subject"], via="smtp")


class OutboxMailer:
    """Writes each message to `DATA_DIR/outbox/` (the embedded default, and handy locally)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{os.urandom(4).hex()}.eml"

        def write() -> None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(message))

        await to_thread.run_sync(write)
        # Only the envelope: bodies can hold reset links.
        log.info(
            "email_written_to_outbox",
            to=message["To"],
            subject=message["Subject"],
            path=str(path),
        )


def build_mailer(settings: Settings) -> MailSender:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(settings.data_dir / "outbox")
