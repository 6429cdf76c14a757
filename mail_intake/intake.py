"""The one entry point for an inbound mail: store, understand, thread or open a case, acknowledge.

Like Zulip's email gateway, it separates the sender's fault (a message we cannot
parse: quarantined with a reason) from ours (an exception: the transaction rolls
back and the message stays in the inbox to be tried again).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Literal, TypeGuard

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import IntegrityError, ResourceClosedError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from cases import identity
from cases import operations as ops
from cases.acknowledge import queue_acknowledgement
from cases.addresses import domain_of
from cases.classify.language import detect_request_language
from cases.controller import ControllerConfig
from cases.fulfilment.suppression import INTAKE_SCOPES, opt_out_at_intake
from cases.lifecycle import ACTIVE_STATUSES, PAUSED_STATUSES, Status
from cases.outbox import Sender
from cases.policy import DeskPolicy
from mail_intake import follow_up
from mail_intake.errors import UnparseableMessage
from mail_intake.forwarded import MAX_TEXT_CHARS, Original, inline_originals
from mail_intake.parsed import ParsedMessage
from mail_intake.parsing import normalise_message_id, strip_quoted
from mail_intake.threading import find_case
from mail_intake.understand import Understanding, understand
from store.actions import AuditAction
from store.models import Attachment, Case, Message, Quarantine

log = logging.getLogger(__name__)

Outcome = Literal[
    "case_opened", "follow_up", "machine", "bounce", "non_request", "duplicate", "quarantined"
]
INTAKE_ACTOR = "intake"
INTEGRITY_RETRIES = 3
IDENTITY_DOCUMENT_HINTS = (
    "passport",
    "passi",
    "henkilökortti",
    "id-kort",
    "identity",
    "ajokortti",
    "körkort",
    "driving",
)


@dataclass(frozen=True)
class IntakeDeps:
    """What intake needs from the wiring."""

    controller: ControllerConfig
    policy: DeskPolicy
    sender: Sender
    own_addresses: Collection[str] = ()
    daily_cap: int = 5
    max_size: int = 25 * 1024 * 1024
    # Receiving servers whose Authentication-Results count (mail_intake/authentication.py).
    trusted_authserv_ids: frozenset[str] = frozenset()


@dataclass
class IntakeResult:
    """What happened to one message (for counters and logs: references only)."""

    outcome: Outcome
    reference: str | None = None
    message_row_id: int | None = None
    reason: str | None = None
    kinds: list[str] = field(default_factory=list)


def raw_sha256(raw: bytes) -> str:
    """The hash intake de-duplicates on besides the Message-ID (design.md §2.3)."""
    return hashlib.sha256(raw).hexdigest()


# Built once, bound per mail: every mail asks (a statement rebuilt per call costs 3× as much).
_KNOWN = (
    select(Message.id)
    .where((Message.raw_sha256 == bindparam("sha")) | (Message.message_id == bindparam("mid")))
    .limit(1)
)


_STORED_AS = select(Message.raw_sha256, Message.from_addr, Message.subject, Message.sent_at).where(
    Message.message_id == bindparam("mid")
)


def _same_mail(session: Session, parsed: ParsedMessage, sha: str) -> bool:
    """Whether the mail stored under this Message-ID is this one: the same bytes, or the same
    sender, subject and Date (a copy delivered again, with other trace headers)."""
    stored = session.execute(_STORED_AS, {"mid": parsed.message_id}).first()
    if stored is None:  # known by its bytes alone
        return True
    same = (stored.from_addr, stored.subject, stored.sent_at)
    return stored.raw_sha256 == sha or same == (parsed.from_addr, parsed.subject, parsed.date)


def _own_id(parsed: ParsedMessage) -> str:
    """An ID for a mail whose Message-ID another mail has: from that ID, its sender, subject
    and Date, which a copy delivered again shares."""
    date = parsed.date.isoformat() if parsed.date else ""
    facts = "\n".join((parsed.message_id, parsed.from_addr or "", parsed.subject, date))
    return f"reused-{hashlib.sha256(facts.encode()).hexdigest()[:32]}@rightsdesk.invalid"


def is_known(session: Session, *, message_id: str | None, sha: str) -> bool:
    """True when this message (same Message-ID or same bytes) is already stored."""
    # A None Message-ID compares as NULL: it matches nothing, so the bytes alone decide.
    found = session.execute(_KNOWN, {"sha": sha, "mid": message_id or None}).first()
    return found is not None


# The same question for a whole batch (the poller's): one statement instead of one per mail.
_KNOWN_MANY = select(Message.message_id, Message.raw_sha256).where(
    col(Message.raw_sha256).in_(bindparam("shas", expanding=True))
    | col(Message.message_id).in_(bindparam("mids", expanding=True))
)

# The senders, among a batch's, whose cases another's mail opened: a superset of those
# `_FORWARDS_FOR` finds (no time window), so the per-mail look-up runs only for them.
_FORWARDED_FOR_ANY = (
    select(Case.requester_email)
    .distinct()
    .join(Message, col(Message.case_id) == col(Case.id))
    .where(
        col(Case.requester_email).in_(bindparam("senders", expanding=True)),
        Message.direction == "in",
        Message.category == "request",
        col(Message.from_addr) != col(Case.requester_email),
    )
)


@dataclass
class Prepared:
    """A fetched mail understood before its batch touches the store (parsing is pure)."""

    sha: str
    understood: Understanding | Exception  # the exception understanding it raised


def prepare(raw: bytes, deps: IntakeDeps) -> Prepared:
    """Understand a mail ahead of its batch; an exception is kept to be raised in `take_in`."""
    try:
        understood: Understanding | Exception = understand(
            raw,
            own_addresses=deps.own_addresses,
            max_size=deps.max_size,
            trusted_authserv_ids=deps.trusted_authserv_ids,
        )
    except Exception as exc:  # raised where `take_in` would have understood it
        understood = exc
    return Prepared(raw_sha256(raw), understood)


@dataclass
class KnownMail:
    """The stored keys among a batch's mails, in one query instead of one per mail.

    The batch's own mails join as they are stored. A mail another writer stores after the
    look-up is still caught: its Message-ID is unique, and `take_in` asks again on that error.
    """

    message_ids: set[str] = field(default_factory=set)
    shas: set[str] = field(default_factory=set)
    # The batch's senders with a case someone else's mail opened (a colleague's forward):
    # only their mail can be the own copy of a forwarded request (_case_forwarded_before).
    forwarded_for: set[str] | None = None

    @classmethod
    def look_up(cls, session: Session, batch: Collection[Prepared]) -> KnownMail:
        """The keys of `batch` the store already holds, and its senders' forwarded cases."""
        shas = {p.sha for p in batch}
        parsed = [p.understood.parsed for p in batch if isinstance(p.understood, Understanding)]
        mids = {m.message_id for m in parsed if m.message_id}
        known = cls(forwarded_for=set())
        if shas:
            params = {"shas": sorted(shas), "mids": sorted(mids)}
            for mid, sha in session.execute(_KNOWN_MANY, params):
                known.add(mid, sha)
        senders = sorted({m.from_addr for m in parsed if m.from_addr})
        if senders:
            found = session.execute(_FORWARDED_FOR_ANY, {"senders": senders}).scalars()
            known.forwarded_for = set(found)
        return known

    def may_be_forwarded(self, sender: str) -> bool:
        """Whether a case of `sender`'s may have been opened by someone else's mail."""
        return self.forwarded_for is None or sender in self.forwarded_for

    def opened(self, requester: str | None, sender: str | None) -> None:
        """A mail of the batch opened a case: for another than its sender, theirs may follow."""
        if self.forwarded_for is not None and requester and requester != sender:
            self.forwarded_for.add(requester)

    def __call__(self, *, message_id: str | None, sha: str) -> bool:
        """True when this message (same Message-ID or same bytes) is already stored."""
        return sha in self.shas or (message_id is not None and message_id in self.message_ids)

    def add(self, message_id: str | None, sha: str | None) -> None:
        """A mail of the batch is stored."""
        if message_id:
            self.message_ids.add(message_id)
        if sha:
            self.shas.add(sha)


def quarantine(
    session: Session,
    *,
    raw: bytes,
    reason: str,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
) -> Quarantine:
    """Keep a message we cannot process, with its reason, for the contact person (§2.4)."""
    row = add_to_quarantine(
        session, raw=raw, reason=reason, source=source, folder=folder, uid=uid, now=now
    )
    session.commit()
    return row


def add_to_quarantine(
    session: Session,
    *,
    raw: bytes,
    reason: str,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
    stands_for: str | None = None,
    size: int | None = None,
) -> Quarantine:
    """`quarantine` in the caller's transaction (the poller's batch); never commits.

    A mail whose bytes are not kept (over the size limit) is told apart by `stands_for`,
    where it sits, instead of by its (empty) bytes: each one is a row of its own.
    """
    sha = raw_sha256(raw if stands_for is None else stands_for.encode())
    existing = session.exec(
        select(Quarantine).where(
            Quarantine.raw_sha256 == sha, col(Quarantine.resolved_at).is_(None)
        )
    ).first()
    if existing is not None:
        existing.attempts += 1
        existing.reason = reason
        session.add(existing)
        return existing
    row = Quarantine(
        source=source,
        folder=folder,
        source_uid=uid,
        raw=raw,
        raw_sha256=sha,
        size=len(raw) if size is None else size,
        reason=reason,
        created_at=now,
        attempts=1,
    )
    session.add(row)
    session.flush()
    ops.record(
        session,
        None,
        actor=INTAKE_ACTOR,
        action=AuditAction.QUARANTINE,
        now=now,
        quarantine_id=row.id,
        reason=reason,
    )
    return row


@dataclass(frozen=True)
class StoredMail:
    """An inbound mail just stored: its row and what its acknowledgement threads on."""

    id: int
    message_id: str
    references: list[str]


# Core INSERTs built once: every mail is stored, and an ORM object per mail costs more than
# the INSERT itself. The paths that change the row afterwards load it (`_loaded`).
_MESSAGES = Message.__table__  # type: ignore[attr-defined]
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_INSERT_ATTACHMENT = insert(Attachment.__table__)  # type: ignore[attr-defined]


def _store_message(
    session: Session,
    parsed: ParsedMessage,
    u: Understanding,
    *,
    raw: bytes,
    source: str,
    uid: int | None,
    received_at: datetime,
    category: str,
    case_id: int | None = None,
) -> StoredMail:
    conn = session.connection()
    row_id = conn.execute(
        _INSERT_MESSAGE,
        {
            "case_id": case_id,
            "direction": "in",
            "message_id": parsed.message_id,
            "raw_sha256": parsed.raw_sha256,
            "in_reply_to": parsed.in_reply_to,
            "references": list(parsed.references),
            "subject": parsed.subject,
            "from_addr": parsed.from_addr,
            "to_addrs": ", ".join(parsed.to_addrs),
            "headers": dict(parsed.headers),
            "sent_at": parsed.date,
            "received_at": received_at,
            "size": len(raw),
            "raw": raw,
            "body_text": parsed.body_text,
            "stripped_text": parsed.stripped_text,
            "language": u.classification.language,
            "category": category,
            "machine_reason": u.machine.reason if u.machine else None,
            "source": source,
            "source_uid": uid,
        },
    ).scalar_one()
    if parsed.attachments:
        conn.execute(
            _INSERT_ATTACHMENT,
            [
                {
                    "message_id": row_id,
                    "filename": att.filename,
                    "content_type": att.content_type,
                    "size": att.size,
                    "sha256": att.sha256,
                    "data": att.data,
                    "is_identity_document": any(
                        h in (att.filename or "").lower() for h in IDENTITY_DOCUMENT_HINTS
                    ),
                    "deleted_at": None,
                }
                for att in parsed.attachments
            ],
        )
    return StoredMail(int(row_id), parsed.message_id, list(parsed.references))


def _loaded(session: Session, stored: StoredMail) -> Message:
    """The stored mail as a row to change (a follow-up, a bounce, machine mail)."""
    # populate_existing: a row of a savepoint rolled back can leave its object behind, and
    # SQLite may give the next INSERT the same id.
    msg = session.get(Message, stored.id, populate_existing=True)
    assert msg is not None  # inserted in this very transaction
    return msg


def _attach_bounce(session: Session, u: Understanding, msg: Message, now: datetime) -> str | None:
    """A bounce joins the case of the mail it bounces and marks the address undeliverable (§2.7)."""
    assert u.machine is not None
    original = normalise_message_id(u.machine.original_message_id)
    if not original:
        return None
    sent = session.exec(select(Message).where(Message.message_id == original)).first()
    if sent is None or sent.case_id is None:
        return None
    case = session.get(Case, sent.case_id)
    if case is None:
        return None
    msg.case_id = case.id
    failed = {a.lower() for a in u.machine.failed_recipients}
    if not failed or (case.requester_email or "") in failed:
        case.requester_undeliverable = True
        session.add(case)
    ops.record(
        session,
        case,
        actor=INTAKE_ACTOR,
        action=AuditAction.BOUNCE,
        now=now,
        message=msg.message_id,
        failed=sorted(failed),
    )
    return case.reference


def _follow_up(
    session: Session, case: Case, msg: Message, u: Understanding, deps: IntakeDeps, now: datetime
) -> None:
    """A reply joins its case: who wrote it, the code it may carry, the clock (follow_up.py)."""
    follow_up.take_in(
        session,
        case,
        msg,
        u.parsed,
        policy=deps.policy,
        actor=INTAKE_ACTOR,
        now=now,
        own_domains=deps.controller.colleague_domains(),
    )


def _forwarded_original(
    parsed: ParsedMessage, u: Understanding, deps: IntakeDeps
) -> Original | None:
    """The customer a colleague forwarded the request of; None for anyone else's forward.

    Only a sender of the controller's own domains (`colleague_domains`: the privacy
    mailbox's and `own_domains`) is trusted to name another person (authenticated, where
    the receiving server's results are trusted); the first original from outside those
    domains is the requester (a colleague may have forwarded it on).
    """
    if not parsed.forwarded or not parsed.from_addr or parsed.sender_unclear:
        return None
    ours = deps.controller.colleague_domains()
    if domain_of(parsed.from_addr) not in ours:
        return None
    if deps.trusted_authserv_ids and not u.authentication.authenticated:
        return None
    outside = (o for o in parsed.forwarded if domain_of(o.address) not in ours)
    return next(outside, None)


# How far back a forwarded original's date may move a receipt: a colleague may forward a
# request late, but a date from years ago is a typo or a forgery, not when it came in.
MAX_FORWARD_AGE = timedelta(days=366)


def _plausible(date: datetime | None, received: datetime) -> TypeGuard[datetime]:
    """Whether a forwarded original's `date` can be when the controller received it."""
    return date is not None and received - MAX_FORWARD_AGE <= date <= received


def _open(
    session: Session,
    parsed: ParsedMessage,
    u: Understanding,
    store: Callable[[str, int | None], StoredMail],
    deps: IntakeDeps,
    now: datetime,
    received: datetime,
    previous: Case | None,
    thread_of: Case | None = None,
) -> tuple[Case, StoredMail]:
    """Open the case, then store the mail already linked to it (one INSERT, no UPDATE)."""
    c = u.classification
    evidence: dict[str, object] = {
        "triggers": c.evidence,
        "articles": c.articles,
        "category": c.category,
        "message": parsed.message_id,
    }
    if previous is not None:
        evidence["follows_closed_case"] = previous.reference
    if thread_of is not None:
        evidence["in_thread_of"] = thread_of.reference
    evidence["sender"] = identity.sender_evidence(
        unclear=parsed.sender_unclear,
        authenticated=u.authentication.authenticated,
        detail=u.authentication.detail,
    )
    # From, not Reply-To: replies must go where the register can vouch for (§2.11).
    requester = parsed.from_addr or (None if parsed.sender_unclear else parsed.reply_to)
    name = parsed.from_name
    original = _forwarded_original(parsed, u, deps)
    from_original = False
    language = c.language
    if original is not None:
        # Art. 12(3): the clock runs from receipt by the controller, and the colleague who
        # forwarded it is the controller (design.md §1.1, EDPB 01/2022 §159). The address is
        # read from the forwarded text, not from an authenticated header: it never verifies.
        requester, name = original.address, original.name
        if any(ch.isalpha() for ch in original.text):  # the customer's language, not ours
            language = detect_request_language("", original.text, names=[name] if name else [])
        if from_original := _plausible(original.date, received):
            received = min(received, original.date)
        evidence["sender"] = identity.sender_evidence(
            unclear="forwarded by a colleague; the address is read from the forwarded text",
            authenticated=False,
            detail=u.authentication.detail,
        )
    kinds = list(c.kinds)
    if c.category == "complaint":
        # An Art. 77 complaint announcement about a request we cannot find: a human decides.
        evidence["refers_to"] = kinds
        kinds = []
    elif c.category == "needs_triage":
        kinds = []  # a person decides what the mail asks; its opt-outs are in force below
    case = ops._apply_open(
        session,
        kinds=kinds,
        received_at=received,
        now=now,
        actor=INTAKE_ACTOR,
        requester_email=requester,
        requester_name=name,
        language=language,
        channel="email",
        evidence=evidence,
        policy=deps.policy,
    )
    msg = store("request", case.id)
    if original is not None:
        # The receipt is the original's only when its date is plausible (MAX_FORWARD_AGE).
        _record_forward(session, case, parsed, original, now, receipt_from_original=from_original)
    # Art. 21(3): an opt-out for the address the mail came from is in force at once, in a
    # case for triage too (another person's data named beside it is for a person to judge).
    asked = c.kinds if c.category == "needs_triage" else case.kinds
    opt_out_at_intake(session, case, kinds=asked, actor=INTAKE_ACTOR, now=now)
    if case.kinds:
        # Art. 12(6): a sender address that matches the register is usually enough (§1.3).
        identity._apply_sender_match(
            session,
            case,
            actor=INTAKE_ACTOR,
            now=now,
            policy=deps.policy,
            authenticated=u.authentication.authenticated,
        )
    queue_acknowledgement(
        session,
        case=case,
        inbound=msg,
        deps_controller=deps.controller,
        sender=deps.sender,
        now=now,
        daily_cap=deps.daily_cap,
    )
    return case, msg


def process_message(
    session: Session,
    raw: bytes,
    *,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
    deps: IntakeDeps,
    received_at: datetime | None = None,
) -> IntakeResult:
    """Process one inbound mail exactly once in a transaction of its own, and commit it.

    `received_at` is when the mail reached us, when that was before `now` (a quarantined
    mail run again): the clock of a request starts at receipt (EDPB 01/2022 §159).
    """
    try:
        result = take_in(
            session,
            raw,
            source=source,
            folder=folder,
            uid=uid,
            now=now,
            deps=deps,
            received_at=received_at,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("intake %s %s", result.outcome, result.reference or "-")
    return result


def take_in(
    session: Session,
    raw: bytes,
    *,
    source: str,
    folder: str | None,
    uid: int | None,
    now: datetime,
    deps: IntakeDeps,
    received_at: datetime | None = None,
    prepared: Prepared | None = None,
    known: KnownMail | None = None,
    isolated: bool = True,
) -> IntakeResult:
    """Process one inbound mail in a savepoint of the caller's transaction; never commits.

    A failure undoes this mail alone (the poller's batch keeps its others), and the mail
    counts as taken in, and is logged, only when the caller commits. The poller passes the
    mail `prepared` and its batch's `known` keys; without them, both are worked out here.
    Not `isolated`, there is no savepoint (two statements less): any failure is then the
    caller's to undo with the whole transaction, as the poller does before taking the mails
    in again.
    """
    ready = prepared or prepare(raw, deps)
    sha = ready.sha

    def stored_already(message_id: str | None) -> bool:
        if known is not None:
            return known(message_id=message_id, sha=sha)
        return is_known(session, message_id=message_id, sha=sha)

    try:
        if isinstance(ready.understood, Exception):
            raise ready.understood
        u = ready.understood
    except UnparseableMessage as exc:
        if stored_already(None):
            return IntakeResult("duplicate")
        with session.begin_nested() if isolated else contextlib.nullcontext():
            q = add_to_quarantine(  # flushes: a failure surfaces here in either mode
                session,
                raw=raw,
                reason=exc.reason,
                source=source,
                folder=folder,
                uid=uid,
                now=now,
            )
        return IntakeResult("quarantined", reason=q.reason)
    parsed = u.parsed
    if stored_already(parsed.message_id):
        if sha in (known.shas if known is not None else ()) or _same_mail(session, parsed, sha):
            return IntakeResult("duplicate")
        # Another mail under a Message-ID already taken (RFC 5322 §3.6.4 wants it unique; some
        # clients and forms reuse one): it is kept under an ID of its own, not lost; a copy of
        # it delivered again gets the same one.
        parsed = replace(parsed, message_id=_own_id(parsed))
        if stored_already(parsed.message_id):
            return IntakeResult("duplicate")
        u = replace(u, parsed=parsed)
    route = functools.partial(
        _route,
        session,
        parsed,
        u,
        raw=raw,
        source=source,
        uid=uid,
        now=now,
        received=received_at or now,
        deps=deps,
        known=known,
    )
    if isolated:
        result = _in_savepoint(session, route, message_id=parsed.message_id, sha=sha)
    else:
        result = route()
        # Written now, not at the batch's commit: a failure must surface here, in this
        # mail's processing, where the poller undoes the batch and redoes it mail by mail.
        session.flush()
    if known is not None:  # stored now, by this mail or (a duplicate) by another writer
        known.add(parsed.message_id, sha)
    return result


def _in_savepoint(
    session: Session, route: Callable[[], IntakeResult], *, message_id: str, sha: str
) -> IntakeResult:
    """Route the mail in a savepoint of its own; a unique key taken meanwhile is retried."""
    attempt = 0
    while True:
        attempt += 1
        savepoint = session.begin_nested()
        try:
            result = route()
            savepoint.commit()  # RELEASE: the caller's commit makes it durable
            return result
        except IntegrityError:
            # A unique key was taken meanwhile by another writer. If it stored this very
            # message (unique Message-ID), exactly once holds; if it took another unique row
            # this mail needs (a reference, a suppression), the message is not stored yet:
            # try again rather than call it a duplicate.
            _undo(savepoint)
            if is_known(session, message_id=message_id, sha=sha):
                return IntakeResult("duplicate")
            if attempt == INTEGRITY_RETRIES:
                raise
        except BaseException:
            _undo(savepoint)  # this mail's writes go; the batch's others stay
            raise


def _undo(savepoint: SessionTransaction) -> None:
    """Roll a mail's savepoint back, also after a failed flush deactivated it."""
    with contextlib.suppress(ResourceClosedError):  # SQLAlchemy already closed it
        savepoint.rollback()


# A case closed this recently still holds the request a late forward shows again.
RECENTLY_CLOSED = timedelta(days=90)
# A forward shows the original's time to the minute in its writer's clock, and a time shown
# without a zone is read as the controller's (forwarded._LOCAL_ZONE): off by the difference
# of two zones' offsets, whole hours or quarter hours (Asia/Kolkata +5:30, Asia/Kathmandu
# +5:45), never more than 14 h between an inhabited zone and ours.
_ZONE_STEP = timedelta(minutes=15)
_MAX_ZONE_SHIFT = timedelta(hours=14)
# How a stored mail is the one a forward shows: "time", the very mail (its time, or its words
# at a time another zone's clock shows); "words", its words only, no time to compare.
OriginalMatch = Literal["time", "words"]
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


def _case_of_original(session: Session, original: Original, now: datetime) -> Case | None:
    """The open or recent case that holds the mail a colleague forwarded inline, if any."""
    params = {
        "address": original.address,
        "since": now - MAX_FORWARD_AGE,
        "closed_since": now - RECENTLY_CLOSED,
    }
    matches = (
        (case_id, status, _is_original(original, sent_at, body_text))
        for case_id, status, sent_at, body_text in session.execute(_SENDERS_MAIL, params)
    )
    return _case_of_match(session, matches)


def _is_original(
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
    # are the request repeated, a new one (Art. 12(3)).
    shift = _minute(original.date) - _minute(sent_at)
    shifted = abs(shift) <= _MAX_ZONE_SHIFT and shift % _ZONE_STEP == timedelta(0)
    return "time" if not shift or (same_words and shifted) else None


def _case_of_match(
    session: Session, matches: Iterable[tuple[int | None, str, OriginalMatch | None]]
) -> Case | None:
    """The case of the very mail a forward shows, else of its words on a case still active.

    A request repeated after its case was answered or closed is a new request with its own
    clock and acknowledgement (Art. 12(3)): only the same mail, known by its time, joins it.
    """
    by_words: int | None = None
    for case_id, status, match in matches:
        if match == "time":
            return session.get(Case, case_id)
        if match == "words" and by_words is None and Status(status) in ACTIVE_STATUSES:
            by_words = case_id
    return session.get(Case, by_words) if by_words is not None else None


# The reverse order: the requester's own copy of a request a colleague's inline forward
# opened their case with. One indexed look-up (the case's requester), only for a mail that
# would open a case: the mails that opened that sender's cases from another's hand.
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


def _case_forwarded_before(session: Session, parsed: ParsedMessage, now: datetime) -> Case | None:
    """The open or recent case a colleague's inline forward of this very mail opened, if any."""
    sender = parsed.from_addr
    if not sender or parsed.sender_unclear:
        return None
    params = {
        "address": sender,
        "since": now - MAX_FORWARD_AGE,
        "closed_since": now - RECENTLY_CLOSED,
    }
    matches = (
        (case_id, status, _is_original(original, parsed.date, parsed.body_text))
        for case_id, status, subject, body_text in session.execute(_FORWARDS_FOR, params)
        for original in inline_originals(body_text or "", subject or "")
        if original.address == sender
    )
    return _case_of_match(session, matches)


def _own_copy_joined(
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


def _forwarded_answer(
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
    answered = original.date if _plausible(original.date, received) else received
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


def _forward_joined(
    session: Session, case: Case, parsed: ParsedMessage, original: Original, now: datetime
) -> None:
    """A colleague's forward joined `case` (its thread, or the mail it forwards is the case's)."""
    # The case's receipt stays its own: the dossier reads only the forward that opened it.
    _record_forward(
        session,
        case,
        parsed,
        original,
        now,
        joined=True,
        result="a colleague's forward joined this case; no case of its own",
        result_code="forward_joined",
    )


def _record_forward(
    session: Session,
    case: Case,
    parsed: ParsedMessage,
    original: Original,
    now: datetime,
    **detail: object,
) -> None:
    """The trail's `forwarded_request`: who forwarded which original, in what form, when."""
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
        **detail,
    )


def _separate_case(
    session: Session,
    parsed: ParsedMessage,
    u: Understanding,
    asked: follow_up.NewRequest,
    store: Callable[[str, int | None], StoredMail],
    deps: IntakeDeps,
    now: datetime,
    received: datetime,
    thread_case: Case,
    original: Original | None = None,
    known: KnownMail | None = None,
) -> IntakeResult:
    """A request in a case's thread that the case cannot hold opens a case of its own.

    Its own clock and acknowledgement (Art. 12(3)); another person's mail stays out of the
    thread's case, which gets only a line naming the new case, and the new case a note
    naming the thread's: no personal data of one requester in the other's case.
    """
    u = replace(u, classification=asked.classification)
    new_case, stored = _open(
        session, parsed, u, store, deps, now, received, previous=None, thread_of=thread_case
    )
    if known is not None:
        known.opened(new_case.requester_email, parsed.from_addr)
    if asked.other_person:
        _keep_own_words(session, stored, parsed, thread_case, now, original)
    elif original is None:
        follow_up.heard(
            session,
            thread_case,
            stored.message_id,
            parsed,
            policy=deps.policy,
            actor=INTAKE_ACTOR,
            now=now,
        )
    else:  # the requester's words a colleague forwarded may answer this case's question
        _forwarded_answer(
            session, thread_case, stored.message_id, parsed, original, deps, now, received
        )
    whose = "another person's" if asked.other_person else "the requester's"
    ops.record(
        session,
        new_case,
        actor=INTAKE_ACTOR,
        action=AuditAction.NOTE,
        now=now,
        note=f"Opened from a mail in the thread of {thread_case.reference} ({whose} request).",
        note_code="opened_from_thread",
        note_params={
            "reference": thread_case.reference,
            "whose": "other_person" if asked.other_person else "requester",
        },
    )
    ops.record(
        session,
        thread_case,
        actor=INTAKE_ACTOR,
        action=AuditAction.SEPARATE_CASE_OPENED,
        now=now,
        separate_case=new_case.reference,
        # What another person asks for is theirs: only the requester's own rights are named.
        kinds=None if asked.other_person else list(new_case.kinds),
        result=(
            "another person's request in this thread; their mail is on that case only"
            if asked.other_person
            else "a right this case cannot take under its deadline has its own case"
        ),
        result_code="other_persons_request" if asked.other_person else "own_case_for_right",
    )
    return IntakeResult("case_opened", new_case.reference, stored.id, kinds=list(new_case.kinds))


def _keep_own_words(
    session: Session,
    stored: StoredMail,
    parsed: ParsedMessage,
    thread_case: Case,
    now: datetime,
    original: Original | None = None,
) -> None:
    """Keep only the writer's own words of a mail that quotes another requester's case.

    The quoted mail is the first requester's personal data (Art. 5(1)(f)): on the new case
    it would reach the other person's access copy and dossier and outlive its own case's
    retention. The hash of the mail as received stays, so a copy is still a duplicate. A
    colleague's forward keeps the colleague's words and the forwarded mail's own.
    """
    msg = _loaded(session, stored)
    own = follow_up.own_text(parsed)
    if original is not None:
        when = format_datetime(original.date) if original.date else ""
        theirs = follow_up.own_lines(strip_quoted(original.text))
        own = (
            f"{own}\n\n---------- Forwarded message ---------\n"
            f"From: {formataddr((original.name or '', original.address))}\nDate: {when}\n\n{theirs}"
        ).strip()
    note = f"[quoted mail of case {thread_case.reference} removed]"
    stub = EmailMessage()
    with contextlib.suppress(Exception):  # a value the stub cannot carry is left out
        stub["From"] = formataddr((parsed.from_name or "", parsed.from_addr or ""))
    with contextlib.suppress(Exception):
        stub["Subject"] = parsed.subject or ""
    if msg.sent_at is not None:
        stub["Date"] = format_datetime(msg.sent_at)
    stub["Message-ID"] = f"<{msg.message_id}>"
    stub.set_content(f"{own}\n\n{note}\n")
    msg.raw = stub.as_bytes()
    msg.body_text = msg.stripped_text = f"{own}\n\n{note}"
    session.add(msg)
    # Its files may be the first requester's too (our access reply forwarded, their ID):
    # recorded by size and hash only, none of their bytes or names on this case.
    for attachment in session.exec(select(Attachment).where(Attachment.message_id == msg.id)):
        attachment.data, attachment.filename, attachment.deleted_at = None, None, now
        attachment.is_identity_document = False
        session.add(attachment)


def _set_aside(
    session: Session, stored: StoredMail, now: datetime, why: str | None
) -> IntakeResult:
    """Mail that opens no case by itself: recorded for a person to judge (`non-requests`)."""
    ops.record(
        session,
        None,
        actor=INTAKE_ACTOR,
        action=AuditAction.NON_REQUEST,
        now=now,
        message=stored.message_id,
        mail=stored.id,
    )
    return IntakeResult("non_request", None, stored.id, why)


def _route(
    session: Session,
    parsed: ParsedMessage,
    u: Understanding,
    *,
    raw: bytes,
    source: str,
    uid: int | None,
    now: datetime,
    received: datetime,
    deps: IntakeDeps,
    known: KnownMail | None = None,
) -> IntakeResult:
    c = u.classification

    def store(category: str, case_id: int | None = None) -> StoredMail:
        return _store_message(
            session,
            parsed,
            u,
            raw=raw,
            source=source,
            uid=uid,
            received_at=received,
            category=category,
            case_id=case_id,
        )

    machine = u.machine
    case = None
    if machine is None or machine.kind != "bounce":  # a bounce finds its case by what it reports
        # A mail we took in already, forwarded to us as an attachment, threads onto its case
        # (a second case would answer one request twice).
        attached = [o.message_id for o in parsed.forwarded if o.message_id]
        case = find_case(
            session,
            subject=parsed.subject,
            in_reply_to=parsed.in_reply_to,
            references=[*parsed.references, *attached],
            prefix=deps.policy.reference_prefix,
        )
    # Read as machine mail, but it asks for a right and joins no case (an "out of office" in
    # a person's subject, a web form's Auto-Submitted, a colleague's note from our own
    # address): no automatic answer, but a person sees it (issue 10).
    for_a_person = (
        machine is not None
        and case is None
        and machine.kind not in ("bounce", "loop", "list")
        and c.category == "request"
    )
    if machine is not None and not for_a_person:
        category: Outcome = "bounce" if machine.kind == "bounce" else "machine"
        msg = _loaded(session, store(category))
        reference = None
        if machine.kind == "bounce":
            reference = _attach_bounce(session, u, msg, now)
        elif case is not None:  # e.g. an out-of-office answer to our acknowledgement
            msg.case_id = case.id
            reference = case.reference
            ops.record(
                session,
                case,
                actor=INTAKE_ACTOR,
                action=AuditAction.MACHINE_MAIL,
                now=now,
                message=msg.message_id,
                kind=machine.kind,
            )
        return IntakeResult(category, reference, msg.id, machine.reason)
    # A colleague's forward: the customer's mail inside is what asks (None for anyone else's).
    original = _forwarded_original(parsed, u, deps) if machine is None else None
    known_original = False
    if case is None and original is not None:
        # An inline forward names no Message-ID: a mail we already have is known by its
        # sender and its date or words instead (a second case would answer it twice). A
        # closed case found is the very mail's (_case_of_match): a repeat opens a new case.
        case = _case_of_original(session, original, now)
        known_original = case is not None
    if case is not None and (
        known_original or not (case.status == Status.CLOSED.value and c.category == "request")
    ):
        asked_at = received
        if original is not None:
            # Their request reached the controller when it reached the colleague (§1.1).
            asked = follow_up.forwarded_request(session, case, original)
            asked_at = (
                min(received, original.date) if _plausible(original.date, received) else received
            )
        else:
            # The reply's own words are part of what was classified: no right there, none in
            # them (most follow-ups, "thank you", are not read a second time).
            ours = deps.controller.colleague_domains()
            asked = (
                follow_up.new_request(session, case, parsed, own_domains=ours) if c.kinds else None
            )
        if asked is not None and (
            asked.other_person
            or not ops.can_add_kinds(case, received_at=asked_at, now=now, policy=deps.policy)
        ):
            return _separate_case(
                session, parsed, u, asked, store, deps, now, received, case, original, known
            )
        msg = _loaded(session, store("follow_up"))
        _follow_up(session, case, msg, u, deps, now)
        if original is not None:
            _forward_joined(session, case, parsed, original, now)
            if not known_original:  # the request itself, forwarded again, answers nothing
                _forwarded_answer(
                    session, case, msg.message_id, parsed, original, deps, now, received
                )
        if (
            (asked is None or asked.classification.category == "needs_triage")
            and "others_data" in c.evidence
            and follow_up.about_others(parsed, original)
        ):
            # No right of the writer's to add, but not a mere thread line either: whether they
            # may ask for someone else (a guardian, an attorney) is a person's call (Art. 12(2)).
            ops.record(
                session,
                case,
                actor=INTAKE_ACTOR,
                action=AuditAction.OTHERS_DATA_IN_THREAD,
                now=now,
                message=msg.message_id,
                result="a reply asks about another person's data; a person decides",
                result_code="others_data_in_thread",
            )
        if asked is None and (
            in_force := follow_up.triage_opt_outs(session, case, parsed, original)
        ):
            opt_out_at_intake(session, case, kinds=in_force, actor=INTAKE_ACTOR, now=now)
        if asked is not None:  # the case's deadline holds for the new right (can_add_kinds)
            added = ops.add_kinds(
                session,
                case,
                kinds=asked.classification.kinds,
                actor=INTAKE_ACTOR,
                now=now,
                message=msg.message_id,
            )
            if set(added) & INTAKE_SCOPES.keys():  # Art. 21(3): in force at once, as at _open
                opt_out_at_intake(session, case, actor=INTAKE_ACTOR, now=now)
            if added:  # Art. 12(3): told, as a new case is, that it was received and by when
                queue_acknowledgement(
                    session,
                    case=case,
                    inbound=msg,
                    deps_controller=deps.controller,
                    sender=deps.sender,
                    now=now,
                    daily_cap=deps.daily_cap,
                    added_kinds=added,
                )
        return IntakeResult("follow_up", case.reference, msg.id, kinds=list(case.kinds))
    if for_a_person or c.category == "non_request":
        return _set_aside(session, store("non_request"), now, machine.reason if machine else None)
    if case is None and original is None:
        sender = parsed.from_addr or ""
        forwarded_case = (
            _case_forwarded_before(session, parsed, now)
            if known is None or known.may_be_forwarded(sender)
            else None
        )
        if forwarded_case is not None:
            stored = store("follow_up", forwarded_case.id)
            return _own_copy_joined(session, forwarded_case, stored, now)
    new_case, stored = _open(session, parsed, u, store, deps, now, received, previous=case)
    if known is not None:
        known.opened(new_case.requester_email, parsed.from_addr)
    return IntakeResult("case_opened", new_case.reference, stored.id, kinds=list(new_case.kinds))
