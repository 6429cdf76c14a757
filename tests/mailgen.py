"""Generated, realistic request mail for tests and benchmarks (fictional people on example.com)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

FIRST = ("Aino", "Eero", "Liisa", "Mikko", "Elin", "Johan", "Sara", "Oliver", "Emma", "Noah")
LAST = ("Virtanen", "Korhonen", "Nieminen", "Lindqvist", "Andersson", "Smith", "Brown", "Mäkinen")

BODIES: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "fi": (
        (
            "Tietopyyntö",
            "Hei,\n\npyydän tietosuoja-asetuksen 15 artiklan nojalla kopion "
            "kaikista minua koskevista henkilötiedoista.\n\nTerveisin\n{name}\n",
            ("access",),
        ),
        (
            "Tietojen poisto",
            "Hei, poistakaa kaikki tietoni rekisteristänne.\n\n{name}\n",
            ("erasure",),
        ),
        (
            "Suoramarkkinointi",
            "En halua enää suoramarkkinointia. Kiellän tietojeni käytön markkinointiin.\n{name}\n",
            ("marketing_opt_out",),
        ),
    ),
    "sv": (
        (
            "Begäran om registerutdrag",
            "Hej!\n\nJag begär en kopia av alla personuppgifter "
            "som ni behandlar om mig enligt artikel 15 i dataskyddsförordningen.\n\n"
            "Med vänliga hälsningar\n{name}\n",
            ("access",),
        ),
        ("Radering", "Hej, jag vill att ni raderar mina personuppgifter.\n{name}\n", ("erasure",)),
    ),
    "en": (
        (
            "Subject access request",
            "Dear Sir or Madam,\n\nunder Article 15 GDPR I request "
            "a copy of all personal data you hold about me.\n\nYours faithfully,\n{name}\n",
            ("access",),
        ),
        (
            "Delete my data",
            "Hi, please delete all my personal data from your records.\n{name}\n",
            ("erasure",),
        ),
        (
            "Correction",
            "Hello, my address in your records is wrong. Please rectify it to "
            "1 Example Road.\n{name}\n",
            ("rectification",),
        ),
    ),
}


def request_mail(
    i: int,
    *,
    language: str | None = None,
    html: bool = False,
    attachment: bool = False,
    to: str = "desk@example.com",
    now: datetime | None = None,
    seed: int = 0,
) -> tuple[bytes, str, tuple[str, ...]]:
    """Message number `i`: (raw bytes, language, expected kinds)."""
    rnd = random.Random(seed * 100_003 + i)
    lang = language or rnd.choice(("fi", "sv", "en"))
    subject, body, kinds = rnd.choice(BODIES[lang])
    name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
    msg = EmailMessage()
    msg["From"] = f"{name} <person{i}@example.com>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now or datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    msg["Message-ID"] = f"<gen-{seed}-{i}@example.com>"
    text = body.format(name=name)
    if html:
        msg.set_content(
            "<html><body>"
            + "".join(f"<p>{line}</p>" for line in text.splitlines())
            + "</body></html>",
            subtype="html",
        )
    else:
        msg.set_content(text)
    if attachment:
        msg.add_attachment(
            b"%PDF-1.4\n% fictional letter\n" * 20,
            maintype="application",
            subtype="pdf",
            filename=f"letter-{i}.pdf",
        )
    return msg.as_bytes(), lang, kinds
