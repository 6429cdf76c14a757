"""Every table of rightsdesk, in one place.

Status and kind columns are plain strings here: `store` imports none of our
packages, so the vocabularies live in `cases/` and are checked there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    """An aware UTC timestamp column."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Case(SQLModel, table=True):
    """One data-subject request, from receipt to closure."""

    __tablename__ = "case"
    __table_args__ = (
        # The reminder sweep reads open cases by due date: cost grows with what is due.
        Index("ix_case_active_due", "is_active", "effective_due_date"),
        # ... and the paused and the unassigned ones, for their nudges (cases/reminder_ledger).
        Index("ix_case_active_paused", "is_active", "paused_since"),
        Index("ix_case_active_month_due", "is_active", "due_date"),  # extension notices
        Index("ix_case_active_unassigned", "is_active", "assignee", "receipt_date"),
        # A person's other cases: by address without case (cases/related.py).
        Index("ix_case_requester_email_lower", text("lower(requester_email)")),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True)
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(index=True)
    is_active: bool = Field(default=True)  # the desk still owes an answer: the clock matters
    language: str = "fi"
    requester_name: str | None = None
    requester_email: str | None = Field(default=None, index=True)
    requester_undeliverable: bool = False
    channel: str = "email"  # email, slack, letter, phone
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    receipt_date: date
    due_date: date
    extended_due_date: date | None = None
    extension_reason: str | None = Field(default=None, sa_type=Text)
    # Art. 12(3)'s ground: "complexity" or "number_of_requests".
    extension_ground: str | None = None
    extension_notified_at: datetime | None = _ts()
    effective_due_date: date = Field(index=True)
    paused_days: int = 0
    paused_since: datetime | None = _ts()
    is_complex: bool = False
    assignee: str | None = Field(default=None, index=True)
    identity_status: str = "unverified"  # unverified, verified, failed
    identity_method: str | None = None
    identity_reason: str | None = Field(default=None, sa_type=Text)
    identity_verified_by: str | None = None
    identity_verified_at: datetime | None = _ts()
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: str | None = Field(default=None, sa_type=Text)
    outcome: str | None = Field(default=None, sa_type=Text)
    closed_at: datetime | None = _ts()
    slack_channel: str | None = None
    slack_ts: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class CasePause(SQLModel, table=True):
    """An interval during which the case's clock stood still (EDPB 01/2022 §159)."""

    __tablename__ = "case_pause"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    waiting_for: str  # identity, clarification
    reason: str | None = Field(default=None, sa_type=Text)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ended_at: datetime | None = _ts()


class ReferenceCounter(SQLModel, table=True):
    """The last sequence number handed out per prefix and year (DSR-YYYY-NNNN)."""

    __tablename__ = "reference_counter"

    key: str = Field(primary_key=True)  # f"{prefix}-{year}"
    last: int = 0


class CaseEvent(SQLModel, table=True):
    """One row of the append-only, hash-chained audit trail."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str
    action: str = Field(index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The personal part (addresses, free text, the text sent) sits beside the chained detail:
    # the chain covers only its salted sha256, so the retention purge can erase it (design
    # §1.4, GDPR Art. 5(1)(e)) without breaking the chain; the salt goes with it, so the
    # hash left behind cannot be matched against guessed addresses.
    personal: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    personal_salt: str | None = None
    personal_sha256: str | None = None
    prev_hash: str
    hash: str = Field(unique=True)

    @property
    def full_detail(self) -> dict[str, Any]:
        """What the event says: the chained detail and, until it is purged, the personal part."""
        return {**self.detail, **(self.personal or {})}


class AuditHead(SQLModel, table=True):
    """The newest event's id and hash, so that deleting the tail is detected too."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0
    last_hash: str = ""


class Message(SQLModel, table=True):
    """An inbound or outbound mail, kept whole, linked to its case when it has one."""

    __tablename__ = "message"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    direction: str  # in, out
    message_id: str = Field(unique=True, index=True)  # normalised, without <>
    # None for our own mail until the outbox writes its bytes (mail_intake/compose.py).
    raw_sha256: str | None = Field(default=None, index=True)
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str | None = Field(default=None, sa_type=Text)
    from_addr: str | None = None
    to_addrs: str | None = Field(default=None, sa_type=Text)
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sent_at: datetime | None = _ts()  # the Date: header
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    size: int = 0
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    raw_path: str | None = None
    body_text: str | None = Field(default=None, sa_type=Text)
    stripped_text: str | None = Field(default=None, sa_type=Text)
    language: str | None = None
    category: str | None = None  # request, follow_up, non_request, machine, bounce, reply
    machine_reason: str | None = None
    source: str | None = None  # imap:FOLDER, maildir, smtp
    source_uid: int | None = None


class Attachment(SQLModel, table=True):
    """A file that came with a message: recorded always, its bytes kept until not needed."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str | None = None
    content_type: str
    size: int
    sha256: str
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    is_identity_document: bool = False
    deleted_at: datetime | None = _ts()


class MailCheckpoint(SQLModel, table=True):
    """How far intake has read a folder (RFC 3501 §2.3.1.1: UIDs hold only per UIDVALIDITY)."""

    __tablename__ = "mail_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    folder: str
    uidvalidity: int = 0
    last_uid: int = 0
    updated_at: datetime | None = _ts()


class Quarantine(SQLModel, table=True):
    """A message intake could not process, kept with the reason until retried."""

    __tablename__ = "quarantine"

    id: int | None = Field(default=None, primary_key=True)
    source: str
    folder: str | None = None
    source_uid: int | None = None
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    raw_sha256: str = Field(index=True)
    size: int = 0
    reason: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    retried_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    attempts: int = 0


class MailRedaction(SQLModel, table=True):
    """An original in the mail server to replace by its redacted copy (an identity document).

    The desk never deletes mail, with this one exception: the Ombudsman's decision
    TSV/224/2023 (design §1.3) wants an identity document gone once it has been checked,
    and the original in the Processed folder still carries it. Intake, which holds the
    mail connection, carries these out after its pass.
    """

    __tablename__ = "mail_redaction"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    message_id: str  # as stored on the message row (normalised)
    raw_sha256: str  # the original's bytes as received: only that exact mail is replaced
    replacement: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    requested_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    done_at: datetime | None = _ts(index=True)
    outcome: str | None = None  # replaced, not_found
    attempts: int = 0
    last_error: str | None = None


class Outbox(SQLModel, table=True):
    """A mail to send, committed before the send so that a crash never sends twice."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    message_id: str = Field(unique=True)
    purpose: str  # acknowledgement, verification_code, reply, recipient_notice, reminder
    automatic: bool = False
    to_addr: str
    subject: str = Field(sa_type=Text)
    # The parts the writer turns into RFC 5322 bytes (mail_intake/compose.py) at the claim.
    from_addr: str | None = None
    from_name: str | None = None
    body_text: str | None = Field(default=None, sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    in_reply_to: str | None = None
    references: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default="pending", index=True)  # pending, sending, sent, failed, held
    claimed_by: str | None = None  # "host:pid" of the sender while status is 'sending'
    attempts: int = 0
    next_attempt_at: datetime | None = _ts()
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    sent_at: datetime | None = _ts()


class OutboxAttachment(SQLModel, table=True):
    """A file that goes with an outgoing mail, in the order it is attached."""

    __tablename__ = "outbox_attachment"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", index=True)
    position: int
    filename: str
    content_type: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MailCounter(SQLModel, table=True):
    """Automatic mails sent per address per day, to stop runaway loops."""

    __tablename__ = "mail_counter"
    __table_args__ = (UniqueConstraint("address", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str
    day: date
    count: int = 0


class Draft(SQLModel, table=True):
    """A reply waiting for a human to approve it; the approved text is what goes out."""

    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    template: str
    language: str
    subject: str = Field(sa_type=Text)
    body_text: str = Field(sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    attachments: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    to_addr: str | None = None
    status: str = Field(default="pending", index=True)  # pending, approved, superseded
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_by: str = "rightsdesk"
    approved_by: str | None = None
    approved_at: datetime | None = _ts()
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    # A refusal's reasons (Art. 12(4)) and whether it refuses only part: approving the draft
    # refuses the case with exactly these. Free text, purged with the draft.
    refusal_reasons: str | None = Field(default=None, sa_type=Text)
    refusal_partial: bool = False


class Fulfilment(SQLModel, table=True):
    """A right carried out for a case: not done twice, and its reply can be drafted again."""

    __tablename__ = "fulfilment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str  # access, portability, rectification, erasure, restriction, suppression
    done_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    done_by: str
    # What the reply was written from: personal data, cleared by the retention purge.
    reply_context: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )


class SystemErasure(SQLModel, table=True):
    """How far a case's erasure got in one `sql` system: the plan recorded before its
    transaction there (started), and what it changed (erased); crash recovery reads it."""

    __tablename__ = "system_erasure"
    __table_args__ = (UniqueConstraint("case_id", "system"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    system: str  # the system's name in the data map
    state: str  # started, erased
    # Tables, row keys and digests, no values (as the trail's event detail holds them).
    plan: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    outcome: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = _ts()


class RecipientNoticeNeeded(SQLModel, table=True):
    """Recipients the contact person must tell by other means (Art. 19; no address on file)."""

    __tablename__ = "recipient_notice_needed"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class VerificationCode(SQLModel, table=True):
    """A one-time code mailed to the register's address to verify identity (Art. 12(6))."""

    __tablename__ = "verification_code"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    code_hash: str
    sent_to: str
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = _ts()
    # Candidates tried against this code; at the budget the code is void (design §1.3).
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


# --- The customer register the privacy notice describes ---------------------------------


class Customer(SQLModel, table=True):
    """A person in the customer register (Asiakasrekisteri)."""

    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    customer_number: str = Field(unique=True, index=True)
    name: str | None = None
    organisation: str | None = None
    email: str | None = Field(default=None, index=True)
    postal_address: str | None = Field(default=None, sa_type=Text)
    phone: str | None = None
    www: str | None = None
    ip_address: str | None = None
    relationship_start: date | None = None
    relationship_end: date | None = None
    restricted: bool = False  # Art. 18: stored only, not otherwise processed
    restriction_reason: str | None = Field(default=None, sa_type=Text)
    anonymised_at: datetime | None = _ts()
    created_at: datetime | None = _ts()
    updated_at: datetime | None = _ts()


class Order(SQLModel, table=True):
    """A past order of a customer."""

    __tablename__ = "customer_order"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    order_number: str | None = None
    ordered_on: date
    description: str | None = Field(default=None, sa_type=Text)
    amount: str | None = None  # decimal as text: money is never a float


class Invoice(SQLModel, table=True):
    """An invoice to a customer; open or in collection ones are legal claims (Art. 17(3)(e))."""

    __tablename__ = "invoice"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    number: str
    issued_on: date
    due_on: date | None = None
    amount: str
    status: str = "open"  # open, paid, in_collection
    paid_on: date | None = None


class Recipient(SQLModel, table=True):
    """A recipient the register's data is disclosed to (Art. 15(1)(c), Art. 19)."""

    __tablename__ = "recipient"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    category: str | None = None
    contact_email: str | None = None
    purpose: str | None = Field(default=None, sa_type=Text)
    outside_eea: bool = False


class Disclosure(SQLModel, table=True):
    """A disclosure of one customer's data to one recipient."""

    __tablename__ = "disclosure"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    recipient_id: int = Field(foreign_key="recipient.id", index=True)
    disclosed_on: date | None = None
    purpose: str | None = Field(default=None, sa_type=Text)


class Suppression(SQLModel, table=True):
    """An address not to market to or publish (Art. 21(3)); kept while the company markets."""

    __tablename__ = "suppression"
    __table_args__ = (UniqueConstraint("email", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True)
    scope: str  # marketing, publication, processing
    case_id: int | None = Field(default=None, foreign_key="case.id")
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


# --- Operations ------------------------------------------------------------------------


class ReminderLedger(SQLModel, table=True):
    """A reminder claimed (and then posted) exactly once per case, kind, due date and day."""

    __tablename__ = "reminder_ledger"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "due_date", "day"),
        # NULL never equals NULL in a unique constraint: the desk-wide digest (case_id NULL)
        # gets its own partial unique index, once per kind and day.
        Index(
            "ux_reminder_ledger_desk_day",
            "kind",
            "day",
            unique=True,
            sqlite_where=text("case_id IS NULL"),
            postgresql_where=text("case_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    kind: str
    due_date: date
    day: date
    target: str | None = None
    claimed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    posted_at: datetime | None = _ts(index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)


class ComponentHealth(SQLModel, table=True):
    """The state of each long-running component, for `rightsdesk health`."""

    __tablename__ = "component_health"

    name: str = Field(primary_key=True)
    state: str  # starting, ok, failing, stopped
    last_success_at: datetime | None = _ts()
    last_error: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    pid: int | None = None


class Cursor(SQLModel, table=True):
    """How far a follower of the audit trail (e.g. the Slack notifier) has read it."""

    __tablename__ = "cursor"

    name: str = Field(primary_key=True)
    position: int = 0
    updated_at: datetime | None = _ts()


class SlackPost(SQLModel, table=True):
    """One message the Slack notifier owes: a case's channel message or an event's line.

    `posting` is written before the call, so an answer lost in transit is looked up in
    Slack (by the key in the message metadata) instead of being posted twice.
    """

    __tablename__ = "slack_post"

    key: str = Field(primary_key=True)  # "case:ID" (channel message) or "event:ID" (line)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    state: str  # posting, posted, refused
    channel: str | None = None
    ts: str | None = None
    content_hash: str | None = None  # of the blocks Slack last accepted for the case
    error: str | None = None  # Slack's error code when it refused the post for good
    attempted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class SlackRequest(SQLModel, table=True):
    """A signed Slack request already handled: a replay of the same body changes nothing twice."""

    __tablename__ = "slack_request"

    body_sha256: str = Field(primary_key=True)
    signed_at: int = Field(index=True)  # X-Slack-Request-Timestamp (Unix seconds)
    surface: str


class Task(SQLModel, table=True):
    """A right carried out by hand in a `manual` system of the data map, by its owner.

    The note and the file are what the owner found or did; they go into the reply and the
    dossier and are purged with the case record.
    """

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("case_id", "system", "kind"),
        # Reminders, the digest and App Home read open tasks by due date.
        Index("ix_task_status_due", "status", "due_date"),
        # A purged task's number is never handed out again: an old Slack button or
        # `tasks done ID` must not reach another task (migration 0013).
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    system: str  # the system's name in the data map
    kind: str  # access, erasure, rectification, restriction
    owner: str  # a Slack user id or an e-mail address
    instructions: str = Field(sa_type=Text)  # as the data map said when the task opened
    status: str = "open"  # open, done
    due_date: date
    outcome: str | None = None  # done, nothing_there, not_done, case_ended
    note: str | None = Field(default=None, sa_type=Text)
    file_name: str | None = None
    file_type: str | None = None
    file_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    done_at: datetime | None = _ts()
    done_by: str | None = None
    # The latest answer its owner mailed (intake files it); nothing is done until the
    # contact person records it. Personal data: goes with the task at the purge.
    mailed_answer: str | None = Field(default=None, sa_type=Text)
    mailed_answer_at: datetime | None = _ts()
