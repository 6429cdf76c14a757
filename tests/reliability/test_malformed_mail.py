"""Ten thousand generated malformed messages, and the shared mime-edge corpus, through intake.

Each must end as a case, a stored non-request (machine mail, a question, a follow-up) or
a quarantine record with its reason; `process_message` itself must never raise.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from cases.controller import load_controller_toml
from cases.outbox import Sender
from cases.policy import DeskPolicy
from mail_intake.intake import process_message
from mail_intake.intake_types import IntakeDeps, IntakeResult, raw_sha256
from store import migrate
from store.engine import make_engine, new_session
from store.models import Case, Message, Quarantine
from tests.reliability.support import ROOT, US
from tests.servers import ci_or_skip

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CORPUS = ROOT.parent / "shared" / "corpus" / "mime-edge"
# 4,000 + 3,000 + 1,500 + 1,500 = 10,000 messages; the cheap kinds get the larger shares.
SCALE = float(os.environ.get("RIGHTSDESK_TEST_FUZZ_SCALE", "1"))
STORED = {"case_opened", "follow_up", "machine", "bounce", "non_request"}
SETTINGS = settings(
    deadline=None,
    database=None,
    derandomize=True,  # the same 10,000 in every CI run: a failure reproduces
    suppress_health_check=list(HealthCheck),
)
outcomes: Counter[str] = Counter()


@cache
def _engine() -> Engine:
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp(prefix='rd-malformed-')}/rightsdesk.db")
    migrate.upgrade(engine)
    return engine


@cache
def _deps() -> IntakeDeps:
    controller = load_controller_toml((ROOT / "rightsdesk.example.toml").read_text("utf-8"))
    return IntakeDeps(
        controller=controller,
        policy=DeskPolicy(),
        sender=Sender(US, "Target"),
        own_addresses={US},
        daily_cap=1000,
        max_size=2 * 1024 * 1024,
    )


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with new_session(_engine()) as s:
        yield s


def _take_in(session: Session, raw: bytes) -> IntakeResult:
    """Intake one message and check that it left the record it should have."""
    result = process_message(
        session, raw, source="fuzz", folder="INBOX", uid=None, now=NOW, deps=_deps()
    )
    outcomes[result.outcome] += 1
    if result.outcome in STORED:
        row = session.get(Message, result.message_row_id)
        assert row is not None and row.raw == raw
        if result.outcome == "case_opened":
            case = session.exec(select(Case).where(Case.reference == result.reference)).one()
            assert row.case_id == case.id
    elif result.outcome == "quarantined":
        sha = raw_sha256(raw)
        found = session.exec(select(Quarantine).where(Quarantine.raw_sha256 == sha)).first()
        assert found is not None and found.reason and result.reason
    else:
        assert result.outcome == "duplicate"
        sha = raw_sha256(raw)
        known = session.exec(select(Message.id).where(Message.raw_sha256 == sha)).first()
        assert known is not None or result.reason is None
    return result


# -- building blocks ------------------------------------------------------------------------

CHARSETS = st.sampled_from(
    ["utf-8", "us-ascii", "iso-8859-1", "cp1252", "x-unknown", "utf-8\x00", "", "utf-7",
     "iso-2022-jp", "unicode-1-1-utf-7", "bogus charset", "utf-16", "koi8-r", "\"utf-8"]
)  # fmt: skip
ENCODINGS = st.sampled_from(
    ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus", ""]
)
WORDS = st.sampled_from(
    ["poistakaa", "tietoni", "radera", "mina", "uppgifter", "delete", "my", "data", "access",
     "Hei", "Hej", "=?", "?=", "--", "\r", "\t", "\x00", "ä", "€", "\ufffd", "boundary=", ";"]
)  # fmt: skip
TEXT = st.lists(WORDS, max_size=40).map(" ".join)
JUNK = st.binary(max_size=600)
LEAF_TYPES = st.sampled_from(
    [b"text/plain", b"text/html", b"application/pdf", b"message/rfc822",
     b"message/delivery-status", b"image/x"]
)  # fmt: skip


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    """RFC 2047 encoded words, well formed or not."""
    charset = draw(CHARSETS)
    kind = draw(st.sampled_from(["Q", "B", "q", "b", "X", ""]))
    payload = draw(st.text(max_size=30) | st.sampled_from(["!!!", "=ZZ", "w7Y=", "_", "==="]))
    return f"=?{charset}?{kind}?{payload}?="


@st.composite
def header_value(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return draw(TEXT).encode("utf-8", "surrogatepass")
    if choice == 1:
        return " ".join(draw(st.lists(encoded_words(), max_size=5))).encode("utf-8", "replace")
    if choice == 2:  # huge: a folded line of tens of kilobytes
        return b"x" * draw(st.integers(1_000, 30_000))
    if choice == 3:
        return draw(JUNK).replace(b"\n", b" ")
    if choice == 4:  # many message ids
        return b" ".join(b"<%d@x>" % i for i in range(draw(st.integers(0, 1_500))))
    return draw(st.sampled_from([b"", b"<>", b"<<>>", b"a@", b"@b", b'"unclosed <x@y>', b"\x00"]))


@st.composite
def headers(draw: st.DrawFn) -> bytes:
    names = st.sampled_from(
        ["From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Date",
         "Reply-To", "Auto-Submitted", "Return-Path", "Content-Type", "X-Junk", "Subject ",
         "From:", "Received", "List-Id", "Sender"]
    )  # fmt: skip
    lines = [
        b"%s: %s" % (draw(names).encode(), draw(header_value()))
        for _ in range(draw(st.integers(0, 12)))
    ]
    if draw(st.booleans()):
        lines.append(b"a header line without a colon")
    return b"\r\n".join(lines)


@st.composite
def part(draw: st.DrawFn, depth: int) -> bytes:
    """One MIME part: text, binary, or a multipart with a boundary that may not hold."""
    charset = draw(CHARSETS).encode("utf-8")
    cte = draw(ENCODINGS).encode()
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        kind = draw(LEAF_TYPES)
        body = draw(TEXT).encode("utf-8", "surrogatepass") if draw(st.booleans()) else draw(JUNK)
        return b"Content-Type: %s; charset=\"%s\"\r\nContent-Transfer-Encoding: %s\r\n\r\n%s" % (
            kind, charset, cte, body)  # fmt: skip
    boundary = draw(st.sampled_from([b"b1", b"", b"==", b"a b", b'"', b"x" * 200])) + b"%d" % depth
    declared = boundary if draw(st.integers(0, 4)) else b"wrong"
    children = [draw(part(depth - 1)) for _ in range(draw(st.integers(0, 3)))]
    body = b"".join(b"--%s\r\n%s\r\n" % (boundary, c) for c in children)
    if draw(st.booleans()):
        body += b"--%s--\r\n" % boundary  # the closing boundary is optional in the wild
    subtype = draw(st.sampled_from([b"mixed", b"alternative", b"report", b"related", b"x"]))
    return b'Content-Type: multipart/%s; boundary="%s"\r\n\r\n%s' % (subtype, declared, body)


@st.composite
def malformed_mail(draw: st.DrawFn) -> bytes:
    head = draw(headers())
    body = draw(part(depth=draw(st.integers(0, 4))))
    raw = head + b"\r\nMIME-Version: 1.0\r\n" + body
    if draw(st.integers(0, 5)) == 0:
        raw = raw.replace(b"\r\n", draw(st.sampled_from([b"\n", b"\r", b"\n\r"])))
    return raw


@st.composite
def deeply_nested(draw: st.DrawFn) -> bytes:
    # One in a hundred beyond what the stdlib parser can recurse into (quarantined as such).
    depth = 1500 if draw(st.integers(0, 99)) == 0 else draw(st.integers(20, 120))
    raw = b"Content-Type: text/plain\r\n\r\n" + draw(TEXT).encode("utf-8", "surrogatepass")
    for level in range(depth):
        raw = b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n%s\r\n--n%d--\r\n' % (
            level, level, raw, level)  # fmt: skip
    return b"From: deep@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n" + raw


# -- the tests -----------------------------------------------------------------------------


def _examples(n: int) -> settings:
    return settings(SETTINGS, max_examples=max(1, int(n * SCALE)))


@_examples(4_000)
@given(raw=JUNK | st.binary(min_size=1, max_size=20_000))
def test_binary_junk_is_quarantined_or_stored_and_never_crashes_intake(
    session: Session, raw: bytes
) -> None:
    _take_in(session, raw)


@pytest.mark.timeout(900)  # 3,000 examples take about 300 s on a loaded 2-core machine
@_examples(3_000)
@given(raw=malformed_mail())
def test_broken_boundaries_charsets_and_encodings_never_crash_intake(
    session: Session, raw: bytes
) -> None:
    _take_in(session, raw)


@_examples(1_500)
@given(head=headers(), text=TEXT)
def test_huge_and_broken_headers_never_crash_intake(
    session: Session, head: bytes, text: str
) -> None:
    _take_in(session, head + b"\r\n\r\n" + text.encode("utf-8", "surrogatepass"))


@_examples(1_500)
@given(raw=deeply_nested())
def test_deep_nesting_never_crashes_intake(session: Session, raw: bytes) -> None:
    _take_in(session, raw)


def test_every_message_of_the_mime_edge_corpus_is_stored_or_quarantined(session: Session) -> None:
    if not CORPUS.is_dir():
        ci_or_skip(f"the shared corpus is not at {CORPUS}")
    results = {path.name: _take_in(session, path.read_bytes()) for path in sorted(CORPUS.iterdir())}
    assert results
    quarantined = {n: r.reason for n, r in results.items() if r.outcome == "quarantined"}
    assert all(quarantined.values())
    assert len(outcomes) > 1  # the generated mail above exercised more than one outcome
