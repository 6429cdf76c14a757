"""The strict From reading and the RFC 8601 Authentication-Results verdict, table by table."""

from __future__ import annotations

import pytest

from bot.blocks import notification
from mail_intake.authentication import (
    OMITTED,
    aligned,
    authenticate,
    is_trusted_header,
    parse_header,
    strip_comments,
    trusted_ids,
)
from mail_intake.parsing import parse_message
from tests.unit.test_bot_blocks import NOW as BLOCKS_NOW
from tests.unit.test_bot_blocks import make_case

TRUSTED = frozenset({"mx.example.net"})
GOOGLE = trusted_ids(["google-workspace"])
MICROSOFT = trusted_ids(["microsoft-365"])

# (From header, expected address or None when unclear)
FROM_CASES = [
    ("Maija Virtanen <maija.virtanen@example.com>", "maija.virtanen@example.com"),
    ('"Virtanen, Maija" <Maija.Virtanen@Example.COM>', "maija.virtanen@example.com"),
    ("maija.virtanen@example.com", "maija.virtanen@example.com"),
    ("<maija.virtanen@example.com> (Maija)", "maija.virtanen@example.com"),
    ("Maija K. Virtanen <maija.virtanen@example.com>", "maija.virtanen@example.com"),
    ('"maija.virtanen@example.com" <maija.virtanen@example.com>', "maija.virtanen@example.com"),
    ("=?utf-8?q?Maija_Virtanen?= <maija.virtanen@example.com>", "maija.virtanen@example.com"),
    # The display-name trick of issue 11: the stdlib's strict parser itself reads Maija.
    ("maija.virtanen@example.com <attacker@evil.invalid>", None),
    # The encoded-word trick: quotes hidden in encoded words make two mailboxes look like one.
    ("=?utf-8?q?=22?= <maija.virtanen@example.com>=?utf-8?q?=22?= <attacker@evil.invalid>", None),
    ('"maija.virtanen@example.com" <attacker@evil.invalid>', None),
    ("=?utf-8?q?Maija_=3Cmaija.virtanen=40example.com=3E?= <attacker@evil.invalid>", None),
    ("maija.virtanen@example.com, attacker@evil.invalid", None),
    ("Maija <maija.virtanen@example.com", None),
    ("undisclosed", None),
    ("undisclosed-recipients:;", None),
]


@pytest.mark.parametrize(("header", "expected"), FROM_CASES)
def test_the_sender_is_the_one_address_a_strict_reading_yields(
    header: str, expected: str | None
) -> None:
    raw = f"From: {header}\r\nSubject: x\r\nMessage-ID: <a@example.com>\r\n\r\nbody".encode()
    parsed = parse_message(raw)
    assert parsed.from_addr == expected
    assert (parsed.sender_unclear is None) == (expected is not None)


def test_two_from_headers_make_the_sender_unclear() -> None:
    raw = b"From: a@example.com\r\nFrom: b@evil.invalid\r\nSubject: x\r\n\r\nbody"
    parsed = parse_message(raw)
    assert parsed.from_addr is None and parsed.sender_unclear == "several From headers"


def test_authentication_results_are_kept_topmost_first() -> None:
    raw = (
        b"Authentication-Results: mx.example.net; dmarc=pass header.from=example.com\r\n"
        b"Authentication-Results: mx.evil.invalid; dmarc=pass header.from=example.com\r\n"
        b"From: a@example.com\r\n\r\nbody"
    )
    assert parse_message(raw).authentication_results == (
        "mx.example.net; dmarc=pass header.from=example.com",
        "mx.evil.invalid; dmarc=pass header.from=example.com",
    )


GMAIL = (
    'mx.google.com; dkim=pass header.i=@example.com header.s=mail header.b="R/AT;P5Q2";'
    " spf=pass (google.com: domain of bounce@mail.example.com designates 192.0.2.1 as"
    " permitted sender) smtp.mailfrom=bounce@mail.example.com;"
    " dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com"
)
EXCHANGE = (
    "spf=pass (sender IP is 192.0.2.7) smtp.mailfrom=example.com; dkim=pass (signature was"
    " verified) header.d=example.com;dmarc=pass action=none header.from=example.com;"
    "compauth=pass reason=100"
)
EXCHANGE_STRAY = (
    "spf=fail (sender IP is 192.0.2.9) smtp.mailfrom=ses.example.org; receiving.example;"
    " dkim=pass (signature was verified) header.d=example.com;example.org;"
    " dmarc=bestguesspass action=none header.from=example.com;"
)


def test_parse_reads_authserv_id_version_methods_and_properties() -> None:
    found = parse_header(GMAIL)
    assert found is not None and found.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in found.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    assert found.results[0].props["header.b"] == "R/AT;P5Q2"  # a quoted ";" splits nothing
    assert found.results[1].props["smtp.mailfrom"] == "bounce@mail.example.com"
    versioned = parse_header("mx.example.net 1; auth=pass (cram-md5) smtp.auth=sender@example.com")
    assert versioned is not None and versioned.authserv_id == "mx.example.net"
    assert versioned.results[0].props == {"smtp.auth": "sender@example.com"}
    none = parse_header("mx.example.net; none")
    assert none is not None and none.results == ()


def test_parse_reads_exchange_online_without_an_authserv_id() -> None:
    found = parse_header(EXCHANGE)
    assert found is not None and found.authserv_id is None
    assert [r.method for r in found.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert found.results[3].reason == "100"
    stray = parse_header(EXCHANGE_STRAY)
    assert stray is not None and [r.method for r in stray.results] == ["spf", "dkim", "dmarc"]


def test_comments_nest_and_quoted_strings_keep_their_parentheses() -> None:
    assert strip_comments('a (b (c) d) "e (f)" g').split() == ["a", '"e', '(f)"', "g"]


# (headers topmost first, From domain, trusted ids, authenticated, detail contains)
VERDICTS = [
    ([GMAIL], "example.com", GOOGLE, True, "dmarc=pass for example.com (mx.google.com)"),
    (
        ["mx.example.net; dmarc=pass header.from=example.com"],
        "example.com",
        TRUSTED,
        True,
        "dmarc=pass",
    ),
    (
        ["mx.example.net; spf=fail smtp.mailfrom=evil.invalid; dmarc=fail header.from=example.com"],
        "example.com",
        TRUSTED,
        False,
        "dmarc=fail for example.com",
    ),
    # DMARC failed: an aligned-looking DKIM result in the same header does not overrule it.
    (
        ["mx.example.net; dkim=pass header.d=example.com; dmarc=fail header.from=example.com"],
        "example.com",
        TRUSTED,
        False,
        "dmarc=fail",
    ),
    (
        ["mx.example.net; dkim=pass header.d=example.com; dmarc=none header.from=example.com"],
        "mail.example.com",
        TRUSTED,
        True,
        "dkim=pass aligned",
    ),
    (
        ["mx.example.net; spf=pass smtp.mailfrom=bounce@out.example.com"],
        "example.com",
        TRUSTED,
        True,
        "spf=pass aligned",
    ),
    (
        ["mx.example.net; dkim=pass header.d=evil.invalid; spf=pass smtp.mailfrom=evil.invalid"],
        "example.com",
        TRUSTED,
        False,
        "no passing check aligned",
    ),
    (
        ["mx.example.net; dmarc=pass header.from=evil.invalid"],
        "example.com",
        TRUSTED,
        False,
        "no passing check aligned",
    ),
    (
        ["mx.evil.invalid; dmarc=pass header.from=example.com"],
        "example.com",
        TRUSTED,
        False,
        "only from untrusted",
    ),
    ([], "example.com", TRUSTED, False, "no Authentication-Results header"),
    (
        ["mx.example.net; dmarc=pass header.from=example.com"],
        "example.com",
        frozenset(),
        False,
        "no trusted authserv-id configured",
    ),
    # The topmost trusted header decides: a forged pass lower down loses to the real fail.
    (
        [
            "mx.example.net; dmarc=fail header.from=example.com",
            "mx.example.net; dmarc=pass header.from=example.com",
        ],
        "example.com",
        TRUSTED,
        False,
        "dmarc=fail",
    ),
    ([EXCHANGE], "example.com", MICROSOFT, True, "the receiving server"),
    ([EXCHANGE_STRAY], "example.com", MICROSOFT, True, "dkim=pass aligned"),
    # An id-less header counts only as the topmost one: lower down, anyone could have written it.
    (["mx.example.net; spf=none", EXCHANGE], "example.com", MICROSOFT, False, "untrusted"),
    ([EXCHANGE], "example.com", GOOGLE, False, "untrusted"),
    ([GMAIL], None, GOOGLE, False, "sender unclear"),
]


@pytest.mark.parametrize(("headers", "domain", "trusted", "ok", "detail"), VERDICTS)
def test_the_topmost_trusted_header_decides(
    headers: list[str], domain: str | None, trusted: frozenset[str], ok: bool, detail: str
) -> None:
    verdict = authenticate(headers, domain, trusted)
    assert verdict.authenticated is ok
    assert detail in verdict.detail


@pytest.mark.parametrize(
    ("domain", "from_domain", "expected"),
    [
        ("example.com", "example.com", True),
        ("example.com", "mail.example.com", True),
        ("mail.example.com", "example.com", True),
        ("badexample.com", "example.com", False),
        ("com", "example.com", False),
        ("", "example.com", False),
    ],
)
def test_alignment_is_the_domain_or_its_parent_or_child(
    domain: str, from_domain: str, expected: bool
) -> None:
    assert aligned(domain, from_domain) is expected


def test_presets_expand_and_names_are_case_insensitive() -> None:
    assert trusted_ids([" Google-Workspace ", "MX.Example.NET", ""]) == {
        "mx.google.com",
        "mx.example.net",
    }
    assert trusted_ids(["microsoft-365"]) == {OMITTED}
    assert is_trusted_header([GMAIL], GOOGLE) and not is_trusted_header([GMAIL], TRUSTED)


def test_the_channel_message_says_why_the_sender_is_unclear_escaped_and_offers_no_code() -> None:
    case = make_case(
        requester_email=None,
        evidence={"sender": {"unclear": "the display name holds <angle> brackets"}},
    )
    _, blocks = notification(case, BLOCKS_NOW)
    shown = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert "*Sender check*\nsender unclear: the display name holds &lt;angle&gt; brackets;" in (
        "\n".join(shown)
    )
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert not any(a.startswith("send_code") for a in actions)
