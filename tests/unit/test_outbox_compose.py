"""The fast writer of outgoing mail says exactly what the EmailMessage path says."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest

from cases.outbox import Sender, compose, render_bytes

SENDER = Sender("privacy@targetpartners.example", "Target Partners Oy")
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _parsed(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def _bodies(msg: EmailMessage) -> list[tuple[str, str]]:
    parts = msg.walk() if msg.is_multipart() else [msg]
    return [
        (p.get_content_type(), p.get_content())
        for p in parts
        if isinstance(p, EmailMessage) and not p.is_multipart()
    ]


@pytest.mark.parametrize(
    ("to", "subject", "html", "automatic", "refs"),
    [
        ("aino@example.com", "[DSR-2026-0001] Pyyntönne on vastaanotettu", None, True, []),
        (
            "Zoë Exämple <zoe@example.com>",
            "[DSR-2026-0002] Radering av dina uppgifter – " + "lång rubrik " * 8,
            "<p>Hej <b>Zoë</b></p>",
            False,
            ["a@example.com", "b@example.com"],
        ),
        ("john@example.com", "[DSR-2026-0003] Your request", "<p>Hello</p>", True, []),
    ],
)
def test_render_bytes_and_compose_give_the_same_headers_and_bodies(
    to: str, subject: str, html: str | None, automatic: bool, refs: list[str]
) -> None:
    args: dict[str, Any] = dict(
        sender=SENDER,
        to=to,
        subject=subject,
        text="Hei Zoë,\n\nkiitos viestistänne.\n" + "pitkä rivi " * 20 + "\n",
        html=html,
        message_id="dsr-1@targetpartners.example",
        now=NOW,
        in_reply_to="in-1@example.com",
        references=refs,
        automatic=automatic,
    )
    fast, slow = _parsed(render_bytes(**args)), _parsed(compose(**args).as_bytes())

    skip = {"content-type", "content-transfer-encoding"}  # boundaries and encodings may differ
    assert [(k, str(v)) for k, v in fast.items() if k.lower() not in skip] == [
        (k, str(v)) for k, v in slow.items() if k.lower() not in skip
    ]
    assert fast.get_content_type() == slow.get_content_type()
    assert _bodies(fast) == _bodies(slow)
