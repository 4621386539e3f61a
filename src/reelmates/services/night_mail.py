"""E-mail invitations to a night, sent with the standard library's ``smtplib`` when the operator
configured SMTP (``REELMATES_SMTP_HOST``); otherwise nothing is ever sent.

A message is plain text with the night's ``.ics`` attached (``text/calendar; method=PUBLISH``).
Sending happens after the change is committed (the web layer runs it once the response is
sent): a mail server that is down never undoes a night's change; it is logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from reelmates.services.night_calendars import Invitation
from reelmates.settings import Settings

log = logging.getLogger("reelmates.mail")


class Mailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.security = security
        self.username, self.password = username, password
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer | None:
        """The server's mailer, or None when e-mail is off."""
        if settings.smtp_host is None:
            return None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )

    def message(self, invitation: Invitation) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr(("reelmates", self.sender))
        message["To"] = formataddr((invitation.name, invitation.to))
        message["Subject"] = invitation.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(invitation.body)
        message.add_attachment(
            invitation.calendar,
            maintype="text",
            subtype="calendar",
            filename="night.ics",
            params={"method": "PUBLISH"},
        )
        return message

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, invitations: Sequence[Invitation]) -> int:
        """Send them over one connection; returns how many the server took. A failure is
        logged, never raised (the night's change is saved already)."""
        if not invitations:
            return 0
        sent = 0
        try:
            with self._connect() as client:
                if self.username:
                    client.login(self.username, self.password or "")
                for invitation in invitations:
                    try:
                        client.send_message(self.message(invitation))
                        sent += 1
                    except smtplib.SMTPRecipientsRefused:
                        log.warning("the mail server refused an invitation's recipient")
        except (OSError, smtplib.SMTPException) as exc:
            log.error("e-mail invitations not sent: %s: %s", type(exc).__name__, exc)
        return sent
