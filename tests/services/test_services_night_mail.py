"""E-mail invitations through a real SMTP server started by the test (aiosmtpd on loopback):
what arrives (headers, the text, the .ics attached and read back), log-in, a server that is down.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
import vobject
from aiosmtpd.smtp import AuthResult, LoginPassword

from reelmates.services.night_calendars import Invitation
from reelmates.services.night_mail import Mailer
from reelmates.settings import Settings
from smtp_inbox import Inbox, free_port
from smtp_inbox import smtp_server as smtp_server_on

CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:PUBLISH\r\n"
    b"BEGIN:VEVENT\r\nUID:night-1@reelmates\r\nSEQUENCE:2\r\nDTSTAMP:20270701T120000Z\r\n"
    b"DTSTART:20270716T190000Z\r\nSUMMARY:Film night: Heat\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"night",
            b"s3cret",
        )
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 when not ok

    # A log-in over plain SMTP is refused unless allowed: this is loopback, in a test.
    with smtp_server_on(authenticator=authenticator, auth_require_tls=False) as found:
        yield found


def _invitation(to: str = "milly@example.org", name: str = "Milly") -> Invitation:
    return Invitation(
        to=to,
        name=name,
        subject="Film night: Heat (1995), Fri 16 Jul 15:00",
        body="Hello Milly,\n\nHeat (1995): Fri 16 Jul 2027, 15:00 (America/New_York).\n",
        calendar=CALENDAR,
    )


def test_no_smtp_host_means_no_mailer(tmp_path: Any) -> None:
    assert Mailer.from_settings(Settings(data_dir=tmp_path)) is None
    made = Mailer.from_settings(
        Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=2525, smtp_from="n@x.org")
    )
    assert made is not None and (made.host, made.port, made.sender) == (
        "127.0.0.1",
        2525,
        "n@x.org",
    )


def test_each_invitation_arrives_with_its_calendar_attached(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    mailer = Mailer(
        "127.0.0.1", port, "nights@films.example.org", username="night", password="s3cret"
    )
    sent = mailer.send([_invitation(), _invitation("jess@example.org", "Jess")])
    assert sent == 2
    assert [(frm, to) for frm, to, _ in inbox.messages] == [
        ("nights@films.example.org", ["milly@example.org"]),
        ("nights@films.example.org", ["jess@example.org"]),
    ]
    message = email.message_from_bytes(inbox.messages[0][2], policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "Milly <milly@example.org>"
    assert message["From"] == "reelmates <nights@films.example.org>"
    assert message["Subject"] == "Film night: Heat (1995), Fri 16 Jul 15:00"
    body = message.get_body(("plain",))
    assert body is not None and "15:00 (America/New_York)" in body.get_content()
    (attached,) = list(message.iter_attachments())
    assert attached.get_content_type() == "text/calendar"
    assert attached.get_param("method") == "PUBLISH"
    assert attached.get_filename() == "night.ics"
    data = attached.get_payload(decode=True)
    assert data == CALENDAR
    event = vobject.readOne(data.decode()).vevent
    assert (event.uid.value, int(event.sequence.value)) == ("night-1@reelmates", 2)
    assert event.dtstart.value == datetime(2027, 7, 16, 19, 0, tzinfo=UTC)


def test_a_wrong_log_in_or_a_server_that_is_down_sends_nothing_and_raises_nothing(
    smtp_server: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp_server
    wrong = Mailer("127.0.0.1", port, "n@x.org", username="night", password="guess")
    assert wrong.send([_invitation()]) == 0
    down = Mailer("127.0.0.1", free_port(), "n@x.org", timeout=2)
    assert down.send([_invitation()]) == 0
    assert inbox.messages == []
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "e-mail invitations not sent",
        "e-mail invitations not sent",
    ]
    assert Mailer("127.0.0.1", port, "n@x.org").send([]) == 0
