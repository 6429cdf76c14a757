"""A colleague's forward: whose request it carries, and the case that already holds that mail."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeGuard

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from cases import operations as ops
from cases.lifecycle import ACTIVE_STATUSES, PAUSED_STATUSES, Status
from mail_intake import follow_up
from mail_intake.forwarded import MAX_TEXT_CHARS, Original, inline_originals
from mail_intake.intake_types import INTAKE_ACTOR, IntakeDeps, IntakeResult
from mail_intake.parsed import ParsedMessage
from mail_intake.storing import StoredMail
from mail_intake.understand import Understanding, colleagues_original
from store.actions import AuditAction
from store.models import Case, CaseEvent, Message


def forwarded_original(
    parsed: ParsedMessage, u: Understanding, deps: IntakeDeps
) -> Original | None:
    """The customer a colleague forwarded the request of; None for anyone else's forward."""
    ours = deps.colleague_domains
    return colleagues_original(parsed, u.authentication, ours, deps.trusted_authserv_ids)


# How far back a forwarded original's date may move a receipt: a colleague may forward a
# request late, but a date from years ago is a typo or a forgery, not when it came in.
MAX_FORWARD_AGE = timedelta(days=366)


def plausible(date: datetime | None, received: datetime) -> TypeGuard[datetime]:
    """Whether a forwarded original's `date` can be when the controller received it."""
    return date is not None and received - MAX_FORWARD_AGE <= date <= received


# A case closed this recently still holds the request a late forward shows again.
RECENTLY_CLOSED = timedelta(days=90)
# A forward shows the original's time to the minute in its writer's clock, and a time shown
# without a zone is read as the controller's (forwarded._LOCAL_ZONE): off by the difference
# of two zones' offsets, whole hours or quarter hours (Asia/Kolkata +5:30, Asia/Kathmandu
# +5:45), never more than 14 h between an inhabited zone and ours.
_ZONE_STEP = timedelta(minutes=15)
_MAX_ZONE_SHIFT = timedelta(hours=14)
# Outlook's "Sent:" ("Lähetetty:", "Skickat:") shows the time its own store gave the mail
# (the client's submit), not its Date header: seconds apart, which may cross a minute.
_CLOCK_SLACK = timedelta(minutes=1)
# How a stored mail is the one a forward shows: "time", the very mail (its time, or its words
# at a time another zone's clock shows); "near", its words with the time shown a minute off
# (_CLOCK_SLACK); "words", its words only, no time to compare.
OriginalMatch = Literal["time", "near", "words"]
# One indexed look-up (the case's requester), only for a colleague's forward: the sender's
# newest inbound mails on their open or recently closed cases.
_SENDERS_MAIL = (
    select(Message.case_id, Case.status, Message.sent_at, Message.body_text)
    .join(Case, col(Case.id) == col(Message.case_id))
    .where(
        Case.requester_email == bindparam("address"),
        Message.from_addr == bindparam("address"),
        Message.direction == "in",
        col(Message.received_at) >= bindparam("since"),
        col(Case.closed_at).is_(None) | (col(Case.closed_at) >= bindparam("closed_since")),
    )
    .order_by(col(Message.id).desc())
    .limit(50)
)
_WORD = re.compile(r"\w+")


def _words(text: str | None) -> str:
    """Text compared across a forward: its words, case-folded (clients rewrap and re-space)."""
    return " ".join(_WORD.findall((text or "").casefold()))


def _minute(value: datetime) -> datetime:
    # A forward shows the original's time to the minute, in the forwarder's clock.
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def case_of_original(session: Session, original: Original, now: datetime) -> Case | None:
    """The open or recent case that holds the mail a colleague forwarded inline, if any."""
    params = {
        "address": original.address,
        "since": now - MAX_FORWARD_AGE,
        "closed_since": now - RECENTLY_CLOSED,
    }
    matches = (
        (case_id, status, is_original(original, sent_at, body_text))
        for case_id, status, sent_at, body_text in session.execute(_SENDERS_MAIL, params)
    )
    return _case_of_match(session, matches)


def is_original(
    original: Original, sent_at: datetime | None, body_text: str | None
) -> OriginalMatch | None:
    """How a mail sent at `sent_at` saying `body_text` is the one a forward shows, if it is."""
    words = _words(original.text)
    # The forward cuts a long original (forwarded.MAX_TEXT_CHARS): its start must match.
    same_words = bool(words) and (
        _words(body_text) == words
        or (len(original.text) >= MAX_TEXT_CHARS and _words(body_text).startswith(words))
    )
    if original.date is None or sent_at is None:
        return "words" if same_words else None
    # A time shown is compared, never overruled by the words: the same words at another time
    # are the request repeated, a new one (Art. 12(3)). Only the same words tell that the time
    # shown is another zone's clock, or a minute off (_CLOCK_SLACK); another mail written a
    # minute apart must not be swallowed as a copy of this one, nor a repeat an hour and a
    # minute later, so the two are not combined.
    shift = _minute(original.date) - _minute(sent_at)
    if not shift:
        return "time"
    if not same_words:
        return None
    if abs(shift) <= _CLOCK_SLACK:
        return "near"
    shifted = abs(shift) <= _MAX_ZONE_SHIFT and shift % _ZONE_STEP == timedelta(0)
    return "time" if shifted else None


def _case_of_match(
    session: Session, matches: Iterable[tuple[int | None, str, OriginalMatch | None]]
) -> Case | None:
    """The case of the very mail a forward shows, else of its words on a case still active.

    A request repeated after its case was answered or closed is a new request with its own
    clock and acknowledgement (Art. 12(3)): only the same mail, known by its time, joins it.
    The time to the minute goes before a time a minute off, which may be another mail's.
    """
    near: int | None = None
    by_words: int | None = None
    for case_id, status, match in matches:
        if match == "time":
            return session.get(Case, case_id)
        if match == "near" and near is None:
            near = case_id
        if match == "words" and by_words is None and Status(status) in ACTIVE_STATUSES:
            by_words = case_id
    found = near if near is not None else by_words
    return session.get(Case, found) if found is not None else None


# The reverse order: the requester's own copy of a request a colleague's forward opened
# their case with. One indexed look-up (the case's requester), only for a mail that would
# open a case: the mails that opened that sender's cases from another's hand.
_FORWARDS_FOR = (
    select(Message.case_id, Case.status, Message.subject, Message.body_text)
    .join(Case, col(Case.id) == col(Message.case_id))
    .where(
        Case.requester_email == bindparam("address"),
        Message.direction == "in",
        Message.category == "request",
        Message.from_addr != bindparam("address"),
        col(Message.received_at) >= bindparam("since"),
        col(Case.closed_at).is_(None) | (col(Case.closed_at) >= bindparam("closed_since")),
    )
    .order_by(col(Message.id).desc())
    .limit(50)
)


# A forward that carried the original attached (message/rfc822) names its Message-ID, the
# surest key (RFC 5322 §3.6.4): the trail's forwards on the sender's cases (record_forward),
# looked up only when a mail of another's hand opened one of them (_FORWARDS_FOR).
_ATTACHED_FOR = (
    select(CaseEvent.case_id, CaseEvent.detail, CaseEvent.personal)
    .join(Case, col(Case.id) == col(CaseEvent.case_id))
    .where(
        Case.requester_email == bindparam("address"),
        CaseEvent.action == AuditAction.FORWARDED_REQUEST.value,
        col(CaseEvent.at) >= bindparam("since"),
        col(Case.closed_at).is_(None) | (col(Case.closed_at) >= bindparam("closed_since")),
    )
    .order_by(col(CaseEvent.id).desc())
    .limit(50)
)


def case_forwarded_before(session: Session, parsed: ParsedMessage, now: datetime) -> Case | None:
    """The open or recent case a colleague's forward of this very mail opened, if any."""
    sender = parsed.from_addr
    if not sender or parsed.sender_unclear:
        return None
    params = {
        "address": sender,
        "since": now - MAX_FORWARD_AGE,
        "closed_since": now - RECENTLY_CLOSED,
    }
    forwards = session.execute(_FORWARDS_FOR, params).all()
    if not forwards:  # most senders: no case opened from another's hand, one statement only
        return None
    # The attached original's Message-ID first: it is this mail, whatever its time and words.
    for case_id, detail, personal in session.execute(_ATTACHED_FOR, params):
        if (personal or {}).get("original_message") == parsed.message_id and _same_date(
            (detail or {}).get("original_date"), parsed.date
        ):
            return session.get(Case, case_id)
    matches = (
        (case_id, status, is_original(original, parsed.date, parsed.body_text))
        for case_id, status, subject, body_text in forwards
        for original in inline_originals(body_text or "", subject or "")
        if original.address == sender
    )
    return _case_of_match(session, matches)


def _same_date(shown: str | None, sent_at: datetime | None) -> bool:
    """Whether a mail's Date is the attached original's: a Message-ID alone is not secret.

    Anyone who had the original (on its Cc, say) knows its Message-ID; the copy filed without
    an acknowledgement must also carry the very Date the attached original did (RFC 5322
    §3.6.1), which an attachment keeps as it was written.
    """
    if shown is None or sent_at is None:
        return shown is None and sent_at is None
    return _minute(datetime.fromisoformat(shown)) == _minute(sent_at)


def own_copy_joined(
    session: Session, case: Case, stored: StoredMail, now: datetime
) -> IntakeResult:
    """The requester's own copy of the request a colleague forwarded joins its case.

    A thread line, not an answer: no second acknowledgement, and neither the clock (the
    receipt is already the colleague's) nor the identity check changes.
    """
    ops.record(
        session,
        case,
        actor=INTAKE_ACTOR,
        action=AuditAction.MESSAGE_RECEIVED,
        now=now,
        message=stored.message_id,
        own_copy_of_forward=True,
        result="the requester's own copy of the request a colleague forwarded; no case of its own",
    )
    return IntakeResult("follow_up", case.reference, stored.id, kinds=list(case.kinds))


def forwarded_answer(
    session: Session,
    case: Case,
    message_id: str,
    parsed: ParsedMessage,
    original: Original,
    deps: IntakeDeps,
    now: datetime,
    received: datetime,
) -> None:
    """A colleague forwarded the requester's answer to a paused case: the clock resumes.

    The colleague is the controller: the answer reached it when it reached them (EDPB
    01/2022 §159), so the pause ends then. A mail the requester wrote before we asked
    answers nothing. Its code verifies nobody (follow_up.heard, `forwarded`).
    """
    if Status(case.status) not in PAUSED_STATUSES:
        return
    if original.address not in follow_up.case_parties(session, case):
        return
    answered = original.date if plausible(original.date, received) else received
    if case.paused_since is not None and answered < case.paused_since:
        return
    follow_up.heard(
        session,
        case,
        message_id,
        parsed,
        policy=deps.policy,
        actor=INTAKE_ACTOR,
        now=now,
        forwarded=True,
        answered_at=answered,
    )


def forward_joined(
    session: Session, case: Case, parsed: ParsedMessage, original: Original, now: datetime
) -> None:
    """A colleague's forward joined `case` (its thread, or the mail it forwards is the case's)."""
    # The case's receipt stays its own: the dossier reads only the forward that opened it.
    record_forward(
        session,
        case,
        parsed,
        original,
        now,
        joined=True,
        result="a colleague's forward joined this case; no case of its own",
        result_code="forward_joined",
    )


def record_forward(
    session: Session,
    case: Case,
    parsed: ParsedMessage,
    original: Original,
    now: datetime,
    **detail: object,
) -> None:
    """The trail's `forwarded_request`: who forwarded which original, in what form, when.

    An original attached names its Message-ID: the requester's own copy of it, if it comes
    later, is known by it (case_forwarded_before).
    """
    # The very original recorded: an attached copy of the same mail (its sender and Date),
    # not another mail of hers the forward also carries.
    attached = (
        o
        for o in (original, *parsed.forwarded)
        if o.message_id and o.address == original.address and o.date == original.date
    )
    ops.record(
        session,
        case,
        actor=INTAKE_ACTOR,
        action=AuditAction.FORWARDED_REQUEST,
        now=now,
        message=parsed.message_id,
        forwarded_by=parsed.from_addr,
        form=original.form,
        original_date=original.date.isoformat() if original.date else None,
        original_message=next((o.message_id for o in attached), None),
        **detail,
    )
