"""Which restrictions stand, by the audit trail, and whether one may be lifted (Art. 18(3))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from cases import deadlines
from cases.drafts import KIND_TEMPLATES
from cases.errors import UserError
from cases.fulfilment.common import already_done
from store.actions import AuditAction
from store.models import Case, CaseEvent, Draft, Outbox


@dataclass(frozen=True)
class Restriction:
    """One case's restriction as the trail has it: whose it is, and its lift if any."""

    case: Case
    customer_number: str | None
    lift: CaseEvent | None
    released: bool  # its values were put back by a later case's lift

    @property
    def held(self) -> bool:
        """Lifted while another case's restriction stood, its values not yet put back."""
        return (
            self.lift is not None
            and bool(self.lift.detail.get("still_restricted_by"))
            and not self.released
        )

    def same_person(self, other: Restriction) -> bool:
        """Both restrict the same customer, or the rows found by the same address."""
        if self.customer_number and self.customer_number == other.customer_number:
            return True
        mine, theirs = self.case.requester_email, other.case.requester_email
        return bool(mine and theirs and mine.casefold() == theirs.casefold())


def _approved_replies(session: Session, case: Case) -> list[tuple[datetime, Outbox | None]]:
    """The case's approved restriction replies, each with its outbox mail (by mail id)."""
    rows = session.exec(
        select(Draft.approved_at, Outbox)
        .join(Outbox, col(Outbox.id) == col(Draft.outbox_id), isouter=True)
        .where(
            Draft.case_id == case.id,
            Draft.template == KIND_TEMPLATES["restriction"],
            Draft.status == "approved",
        )
        .order_by(col(Outbox.id))
    ).all()
    return [(at, mail) for at, mail in rows if at is not None]


def _confirmed_at(
    session: Session, case: Case, replies: list[tuple[datetime, Outbox | None]]
) -> datetime | None:
    """When the person was told of the case's restriction: its reply sent, or answered.

    An approved reply counts from its delivery, or from its approval while the outbox has
    not sent it: a delivery given up on is the outbox's alert, not a reason to keep data
    restricted, and a mail still queued or retried stops the lift anyway (`_undelivered`).
    Its mail delivered later (an SMTP outage) told the person then: one told of the lifting
    before that would read "restricted" after it (`told_too_early`). A case answered
    otherwise (`cases respond`, e.g. by letter) was confirmed when it was answered after the
    restriction; of the two, the later.
    """
    fulfilled = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == AuditAction.FULFIL)
        .order_by(col(CaseEvent.id))
    ).all()
    restricted = next((e for e in fulfilled if restricts(e)), None)
    if restricted is None:
        return None
    approved = max(
        (max(at, mail.sent_at) if mail and mail.sent_at else at for at, mail in replies),
        default=None,
    )
    answered = session.exec(
        select(CaseEvent.at)
        .where(
            CaseEvent.case_id == case.id,
            CaseEvent.action == AuditAction.RESPOND,
            col(CaseEvent.id) > (restricted.id or 0),
        )
        .order_by(col(CaseEvent.id))
    ).first()
    # The last of them: told of the lifting before any "restricted" reached them, the person
    # would read it after (the approval itself is answered at once, its mail maybe later).
    return max((t for t in (approved, answered) if t is not None), default=None)


def check_liftable(
    session: Session, case: Case, *, approve_with: str | None = None
) -> datetime | None:
    """Refuse a case with no restriction, one lifted already, or one not yet confirmed.

    Art. 18(3): the person is told before the restriction is lifted; one not yet confirmed
    to them, or whose confirming mail still waits in the outbox, would reach them as
    "restricted" after it ended. `approve_with` is how the caller's user approves the reply
    (the terminal's command by default). Returns when the restriction was confirmed (None
    for a case closed before it was), for `told_too_early`.
    """
    if already_done(session, case, "restriction") is None:
        raise UserError(f"{case.reference}: no restriction was made for this case")
    if lifted_event(session, case) is not None:
        raise UserError(f"{case.reference}: the restriction is already lifted")
    replies = _approved_replies(session, case)
    confirmed = _confirmed_at(session, case, replies)
    if confirmed is None and case.is_active:
        # A case withdrawn or refused before its confirmation went passes: no "restricted"
        # reply will ever reach the person, and the systems' marks must still be undoable.
        approve = approve_with or f"`rightsdesk cases approve {case.reference}`"
        raise UserError(
            f"{case.reference}: the restriction has not been confirmed to the person yet (its"
            " reply is not approved), so it cannot be lifted (Art. 18(3)); finish it first:"
            f" {approve}, then tell the person and lift it"
        )
    waiting = _undelivered(replies)
    if waiting is not None:
        # Approval counts as confirmation (`_confirmed_at`), but a mail still queued would
        # reach the person as "restricted" after they were told it was lifted (Art. 18(3)).
        tried = f", {waiting.attempts} attempt(s)" if waiting.attempts else ""
        why = f", last error: {waiting.last_error}" if waiting.last_error else ""
        raise UserError(
            f"{case.reference}: the reply confirming the restriction is approved but not"
            f" delivered yet (outbox mail {waiting.id}: {waiting.status}{tried}{why}), so the"
            " restriction cannot be lifted now: the person would be told their data is"
            " restricted after being told it no longer is (Art. 18(3)). The outbox keeps"
            " trying and sends it once the mail server answers; lift the restriction after"
            " that"
        )
    return confirmed


def _undelivered(replies: list[tuple[datetime, Outbox | None]]) -> Outbox | None:
    """The outbox mail of an approved restriction reply still to be sent (queued or retried).

    One sent, or failed for good, counts as delivered here: a delivery given up on is the
    outbox's alert to the contact person, not a reason to keep data restricted.
    """
    return next(
        (m for _, m in replies if m is not None and m.status not in ("sent", "failed")), None
    )


def told_too_early(confirmed: datetime | None, informed_at: datetime) -> date | None:
    """The day the restriction was `confirmed`, if the person was told of the lifting before it.

    Compared by the Helsinki date, as the day the person was told is often a date alone.
    """
    if confirmed is None:
        return None
    day = deadlines.receipt_date(confirmed)
    return day if deadlines.receipt_date(informed_at) < day else None


def lifted_event(session: Session, case: Case) -> CaseEvent | None:
    """The case's `restriction_lifted` event, if its restriction was lifted."""
    return session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == AuditAction.RESTRICTION_LIFTED)
        .order_by(col(CaseEvent.id))
    ).first()


def restriction_cases(session: Session, customer_number: str) -> list[Case]:
    """The cases whose restriction marked the customer and is not lifted yet (by the trail)."""
    return [
        r.case
        for r in all_restrictions(session)
        if r.lift is None and r.customer_number == customer_number
    ]


def all_restrictions(session: Session) -> list[Restriction]:
    """Every case's restriction, in the order they were made (by the trail)."""
    fulfilled = session.exec(
        select(CaseEvent)
        .where(CaseEvent.action == AuditAction.FULFIL, col(CaseEvent.case_id).is_not(None))
        .order_by(col(CaseEvent.id))
    ).all()
    numbers: dict[int, str | None] = {}
    for event in fulfilled:
        if restricts(event) and event.case_id is not None:
            numbers[event.case_id] = event.full_detail.get("customer_number")
    if not numbers:
        return []
    lifts = {
        e.case_id: e
        for e in session.exec(
            select(CaseEvent)
            .where(
                CaseEvent.action == AuditAction.RESTRICTION_LIFTED,
                col(CaseEvent.case_id).in_(list(numbers)),
            )
            .order_by(col(CaseEvent.id))
        ).all()
    }
    released = {ref for e in lifts.values() for ref in e.detail.get("released") or []}
    found = {c.id: c for c in session.exec(select(Case).where(col(Case.id).in_(list(numbers))))}
    return [
        Restriction(
            case=found[i],
            customer_number=number,
            lift=lifts.get(i),
            released=found[i].reference in released,
        )
        for i, number in numbers.items()
        if i in found
    ]


def restriction_in_force(session: Session, case: Case) -> bool:
    """Whether the case's restriction still stands, or its values wait for another's lift."""
    return any(
        r.case.id == case.id and (r.lift is None or r.held) for r in all_restrictions(session)
    )


def restricts(event: CaseEvent) -> bool:
    return event.detail.get("kind") == "restriction"
