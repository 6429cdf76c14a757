"""Where an understood mail goes: a bounce, machine mail, its case's thread, a new case, aside."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from cases import operations as ops
from cases.acknowledge import queue_acknowledgement
from cases.fulfilment.suppression import INTAKE_SCOPES, opt_out_at_intake
from cases.lifecycle import Status
from mail_intake import follow_up
from mail_intake.forward_matching import (
    case_forwarded_before,
    case_of_original,
    forward_joined,
    forwarded_answer,
    forwarded_original,
    own_copy_joined,
    plausible,
)
from mail_intake.intake_types import INTAKE_ACTOR, IntakeDeps, IntakeResult, Outcome
from mail_intake.known_mail import KnownMail
from mail_intake.new_case import open_case, separate_case
from mail_intake.parsed import ParsedMessage
from mail_intake.parsing import normalise_message_id
from mail_intake.storing import StoredMail, loaded, store_message
from mail_intake.threading import find_case
from mail_intake.understand import Understanding
from store.actions import AuditAction
from store.models import Case, Message


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
        own_domains=deps.colleague_domains,
    )


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


def route_mail(
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
        return store_message(
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
        msg = loaded(session, store(category))
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
    original = forwarded_original(parsed, u, deps) if machine is None else None
    known_original = False
    if case is None and original is not None:
        # An inline forward names no Message-ID: a mail we already have is known by its
        # sender and its date or words instead (a second case would answer it twice). A
        # closed case found is the very mail's (forward_matching._case_of_match): a repeat
        # opens a new case.
        case = case_of_original(session, original, now)
        known_original = case is not None
    if case is not None and (
        known_original or not (case.status == Status.CLOSED.value and c.category == "request")
    ):
        asked_at = received
        if original is not None:
            # Their request reached the controller when it reached the colleague (§1.1).
            asked = follow_up.forwarded_request(session, case, original)
            asked_at = (
                min(received, original.date) if plausible(original.date, received) else received
            )
        else:
            # The reply's own words are part of what was classified: no right there, none in
            # them (most follow-ups, "thank you", are not read a second time).
            ours = deps.colleague_domains
            asked = (
                follow_up.new_request(session, case, parsed, own_domains=ours) if c.kinds else None
            )
        if asked is not None and (
            asked.other_person
            or not ops.can_add_kinds(case, received_at=asked_at, now=now, policy=deps.policy)
        ):
            return separate_case(
                session, parsed, u, asked, store, deps, now, received, case, original, known
            )
        msg = loaded(session, store("follow_up"))
        _follow_up(session, case, msg, u, deps, now)
        if original is not None:
            forward_joined(session, case, parsed, original, now)
            if not known_original:  # the request itself, forwarded again, answers nothing
                forwarded_answer(
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
            if set(added) & INTAKE_SCOPES.keys():  # Art. 21(3): in force at once, as at open_case
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
            case_forwarded_before(session, parsed, now)
            if known is None or known.may_be_forwarded(sender)
            else None
        )
        if forwarded_case is not None:
            stored = store("follow_up", forwarded_case.id)
            return own_copy_joined(session, forwarded_case, stored, now)
    new_case, stored = open_case(session, parsed, u, store, deps, now, received, previous=case)
    if known is not None:
        known.opened(new_case.requester_email, parsed.from_addr)
    return IntakeResult("case_opened", new_case.reference, stored.id, kinds=list(new_case.kinds))
