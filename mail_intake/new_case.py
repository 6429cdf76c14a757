"""A request that opens a case: the mail itself, a colleague's forward, or a mail in a thread."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlmodel import Session, select

from cases import identity
from cases import operations as ops
from cases.acknowledge import queue_acknowledgement
from cases.classify.language import detect_request_language
from cases.fulfilment.suppression import opt_out_at_intake
from mail_intake import follow_up
from mail_intake.forward_matching import (
    forwarded_answer,
    forwarded_original,
    plausible,
    record_forward,
)
from mail_intake.forwarded import Original
from mail_intake.intake_types import INTAKE_ACTOR, IntakeDeps, IntakeResult
from mail_intake.known_mail import KnownMail
from mail_intake.parsed import ParsedMessage
from mail_intake.parsing import strip_quoted
from mail_intake.storing import StoredMail, loaded
from mail_intake.understand import Understanding
from store.actions import AuditAction
from store.models import Attachment, Case


def open_case(
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
    original = forwarded_original(parsed, u, deps)
    from_original = False
    language = c.language
    if original is not None:
        # Art. 12(3): the clock runs from receipt by the controller, and the colleague who
        # forwarded it is the controller (design.md §1.1, EDPB 01/2022 §159). The address is
        # read from the forwarded text, not from an authenticated header: it never verifies.
        requester, name = original.address, original.name
        if any(ch.isalpha() for ch in original.text):  # the customer's language, not ours
            language = detect_request_language("", original.text, names=[name] if name else [])
        if from_original := plausible(original.date, received):
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
        # The receipt is the original's only when its date is plausible
        # (forward_matching.MAX_FORWARD_AGE).
        record_forward(session, case, parsed, original, now, receipt_from_original=from_original)
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


def separate_case(
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
    new_case, stored = open_case(
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
        forwarded_answer(
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
    msg = loaded(session, stored)
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
