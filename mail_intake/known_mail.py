"""A batch's mails understood ahead of the store, and which of them it holds already."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from mail_intake.intake_types import IntakeDeps, raw_sha256
from mail_intake.parsed import ParsedMessage
from mail_intake.understand import Understanding, understand
from store.models import Case, Message

# Built once, bound per mail: every mail asks (a statement rebuilt per call costs 3× as much).
_KNOWN = (
    select(Message.id)
    .where((Message.raw_sha256 == bindparam("sha")) | (Message.message_id == bindparam("mid")))
    .limit(1)
)


_STORED_AS = select(Message.raw_sha256, Message.from_addr, Message.subject, Message.sent_at).where(
    Message.message_id == bindparam("mid")
)


def same_mail(session: Session, parsed: ParsedMessage, sha: str) -> bool:
    """Whether the mail stored under this Message-ID is this one: the same bytes, or the same
    sender, subject and Date (a copy delivered again, with other trace headers)."""
    stored = session.execute(_STORED_AS, {"mid": parsed.message_id}).first()
    if stored is None:  # known by its bytes alone
        return True
    same = (stored.from_addr, stored.subject, stored.sent_at)
    return stored.raw_sha256 == sha or same == (parsed.from_addr, parsed.subject, parsed.date)


def own_id(parsed: ParsedMessage) -> str:
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
# `forward_matching._FORWARDS_FOR` finds (no time window), so the per-mail look-up runs only
# for them.
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
            colleague_domains=deps.colleague_domains,
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
    # only their mail can be the own copy of a forwarded request
    # (forward_matching.case_forwarded_before).
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
