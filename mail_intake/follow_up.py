"""A reply that found its case: who wrote it, the one-time code it may carry, and the clock.

A case reference is sequential and a subject tag is easy to type, so finding the case says
nothing about the writer: only the requester's address and the register's address for the
data subject speak for the case. Anyone else's mail is kept on the case as a third party's.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, select

from cases import code_check
from cases import operations as ops
from cases.addresses import FREE_MAIL, canonical, domain_of
from cases.classify import Classification, classify_request
from cases.classify.lexicon import IN_FORCE_AT_ONCE
from cases.lifecycle import PAUSED_STATUSES, Status
from cases.policy import DeskPolicy
from cases.register_lookup import lookup_for_case
from cases.task_mail import TASK_TAG
from cases.tasks import TASK_ANSWER
from mail_intake.forwarded import Original
from mail_intake.parsed import ParsedMessage
from mail_intake.parsing import strip_quoted, unquoted_lines
from store.actions import AuditAction
from store.models import Attachment, Case, Message, Outbox, Task, VerificationCode

THIRD_PARTY = "third_party"
COLLEAGUE = "colleague"  # a sender at one of the controller's own domains
# The statuses a code may verify from (cases.lifecycle's "verify" transition).
VERIFIABLE = frozenset({Status.RECEIVED, Status.AWAITING_IDENTITY, Status.NEEDS_TRIAGE})
# Where the quoted part starts when nothing marks it with ">": reply headers and separators
# in en, fi and sv. Fixed phrases only: no pattern here backtracks over a long line.
_QUOTE_START = re.compile(
    r"^\s*+(?:.*\b(?:wrote|kirjoitti|skrev)\s*:\s*$"
    r"|-{2,}\s*(?:original message|alkuperäinen viesti|ursprungligt meddelande"
    r"|forwarded message|välitetty viesti|vidarebefordrat meddelande)"
    r"|_{8,}\s*$"
    r"|\**(?:from|sent|lähettäjä|lähetetty|från|skickat)\s*\**:)",
    re.IGNORECASE,
)


def own_text(parsed: ParsedMessage) -> str:
    """What the writer typed in this reply: no quoted lines, nothing from a reply header on.

    Only these words may carry a returned code: a quoted copy of our code mail proves nothing.
    The parser's stripped text keeps a forward whole and falls back to the whole body (or to
    an attached message) when nothing else is left, so quotes and headers are cut again here.
    """
    if not parsed.body_text.strip():  # the stripped text is an attached message's, not theirs
        return ""
    return own_lines(parsed.stripped_text)


def own_lines(text: str) -> str:
    """The writer's own lines of `text`: no "> " lines, nothing after a reply header."""
    lines = text.splitlines()
    # Words written below a ">" quote (bottom-posting) are theirs too; an unmarked copy
    # after a reply or forward header is not.
    return "\n".join(unquoted_lines(lines, lambda i: bool(_QUOTE_START.match(lines[i])))).strip()


def case_parties(session: Session, case: Case) -> set[str]:
    """The addresses that speak for the case: the requester's and the register's for the subject."""
    addresses = {case.requester_email}
    found = lookup_for_case(session, case)
    if found.customer is not None:
        addresses.add(found.customer.email)
    # The register's address a code went to stays a party even if the register changes since.
    addresses.update(
        session.exec(
            select(VerificationCode.sent_to).where(VerificationCode.case_id == case.id)
        ).all()
    )
    return {canonical(a) for a in addresses if a and a.strip()}


def _attach_third_party(
    session: Session,
    case: Case,
    msg: Message,
    *,
    actor: str,
    now: datetime,
    colleague: bool = False,
) -> None:
    """Keep the mail on the case, but as an outsider's: no resume, no code, no identity document.

    A colleague's mail is kept the same way but recorded as theirs: the colleague is the
    controller (EDPB 01/2022 §159), not a third party, yet neither the data subject.
    """
    msg.category = COLLEAGUE if colleague else THIRD_PARTY
    session.add(msg)
    for attachment in session.exec(select(Attachment).where(Attachment.message_id == msg.id)):
        attachment.is_identity_document = False  # not the data subject's proof of identity
        session.add(attachment)
    if colleague:
        ops.record(
            session,
            case,
            actor=actor,
            action=AuditAction.COLLEAGUE_MESSAGE,
            now=now,
            message=msg.message_id,
            result="a colleague's mail in the case's thread; clock and identity unchanged",
            result_code="colleague_message",
        )
        return
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.THIRD_PARTY_MESSAGE,
        now=now,
        message=msg.message_id,
        result="not from the requester or the register's address; clock and identity unchanged",
        result_code="third_party_unchanged",
    )


def _answered_task(session: Session, case: Case, parsed: ParsedMessage) -> Task | None:
    """The case's task whose owner answers its task mail with this one, if any."""
    tag = TASK_TAG.search(parsed.subject or "")
    sender = canonical(parsed.from_addr or "")
    task = session.get(Task, int(tag.group(1))) if tag else None
    # An owner configured with an IDN domain as A-labels answers from its U-labels, or the
    # other way round: the same address (RFC 5891 §5), so both are compared canonically.
    if task is None or task.case_id != case.id or canonical(task.owner) != sender:
        return None
    return task


def _task_answer(
    session: Session, case: Case, msg: Message, parsed: ParsedMessage, *, actor: str, now: datetime
) -> bool:
    """A system owner's reply to their task mail: a note for the contact person, not done.

    Only the task's own owner, answering the task's own mail, counts; the contact person
    reads it and records the outcome (`tasks done`), since the mail may say anything.
    """
    task = _answered_task(session, case, parsed)
    if task is None:
        return False
    msg.category = TASK_ANSWER
    session.add(msg)
    task.mailed_answer = own_text(parsed) or None
    task.mailed_answer_at = now
    session.add(task)
    for attachment in session.exec(select(Attachment).where(Attachment.message_id == msg.id)):
        attachment.is_identity_document = False  # the owner's export, not the subject's proof
        session.add(attachment)
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.TASK_ANSWER_RECEIVED,
        now=now,
        task_id=task.id,
        system=task.system,
        message=msg.message_id,
        note=task.mailed_answer,
        result="a note for the contact person; the task stays as it was until they record it",
        result_code="task_answer_noted",
    )
    return True


@dataclass(frozen=True)
class NewRequest:
    """A request a mail in a case's thread makes besides the case's own."""

    # Of the writer's own words; for the requester, only the rights the case lacks.
    classification: Classification
    other_person: bool  # written by someone who does not speak for the case


def _correspondent(session: Session, case: Case, sender: str, parties: set[str]) -> bool:
    """Whether the desk wrote to `sender`'s organisation about the case, or gave it a task.

    They answer, not ask: a recipient confirming its Art. 19 notice may do so from a
    colleague's address at the same domain. The parties' own domains do not count (a
    requester's colleague at their company may ask for their own data).
    """
    addressed = session.exec(select(Outbox.to_addr).where(Outbox.case_id == case.id)).all()
    owners = session.exec(select(Task.owner).where(Task.case_id == case.id)).all()
    known = {canonical(a) for a in (*addressed, *owners) if a and "@" in a}
    if sender in known:
        return True
    return sender.rpartition("@")[2] in organisations(known, parties)


def organisations(addressed: set[str], parties: set[str]) -> set[str]:
    """The domains of organisations among `addressed`: not a party's own, not a mail service."""
    ours = {p.rpartition("@")[2] for p in parties}
    return {a.rpartition("@")[2] for a in addressed} - ours - FREE_MAIL


def new_request(
    session: Session, case: Case, parsed: ParsedMessage, *, own_domains: Collection[str] = ()
) -> NewRequest | None:
    """The new request in a reply to `case`, if its writer's own words make one.

    Each request has its own month from receipt (Art. 12(3)): a right the case does not ask
    for, or another person's request, must not pass as a mere line of the thread. Only the
    words typed in this reply count, not the subject (a reply repeats the thread's) nor the
    quoted earlier mail, so "thank you" under a quoted request stays a thank-you. A
    colleague (a sender at one of `own_domains`, the controller's) writing in the thread works
    on the case.
    """
    if _answered_task(session, case, parsed) is not None:
        return None  # a system owner reporting on the work: a note, never a request
    sender = (parsed.from_addr or "").strip().lower()
    text = own_text(parsed)
    if not sender or not text:
        return None
    names = [parsed.from_name] if parsed.from_name else []
    found = classify_request("", text, names=names)
    return _asked(session, case, sender, found, own_domains=own_domains)


def forwarded_request(session: Session, case: Case, original: Original) -> NewRequest | None:
    """The new request of a customer's mail a colleague forwarded into `case`'s thread."""
    # The colleague is the controller (EDPB 01/2022 §159): the customer's words count as if
    # they had written to the case themselves; quotes below them (our mail) do not.
    text = own_lines(strip_quoted(original.text))
    if not text:
        return None
    names = [original.name] if original.name else []
    return _asked(session, case, original.address, classify_request("", text, names=names))


def _own_reading(parsed: ParsedMessage, original: Original | None) -> Classification | None:
    """The writer's own words (or a forwarded customer's) classified; None when there are none."""
    # Only their own words: the subject repeats the thread's, the quotes are earlier mail.
    if original is not None:
        text, name = own_lines(strip_quoted(original.text)), original.name
    else:
        text, name = own_text(parsed), parsed.from_name
    return classify_request("", text, names=[name] if name else []) if text else None


def about_others(parsed: ParsedMessage, original: Original | None = None) -> bool:
    """Whether the writer's own words (or a forwarded customer's) ask about another's data."""
    found = _own_reading(parsed, original)
    return found is not None and "others_data" in found.evidence


def triage_opt_outs(
    session: Session, case: Case, parsed: ParsedMessage, original: Original | None = None
) -> list[str]:
    """The opt-outs a party asks for in the thread of a case still waiting for triage."""
    # The case takes no right before a person triages it, but an opt-out for the address
    # is in force at once (Art. 21(3)), whatever the rest of the thread asks.
    sender = canonical(original.address if original is not None else parsed.from_addr or "")
    if case.status != Status.NEEDS_TRIAGE.value or sender not in case_parties(session, case):
        return []
    found = _own_reading(parsed, original)
    return [k for k in found.kinds if k in IN_FORCE_AT_ONCE] if found is not None else []


def _asked(
    session: Session,
    case: Case,
    sender: str,
    found: Classification,
    *,
    own_domains: Collection[str] = (),
) -> NewRequest | None:
    """What `sender`'s words `found` ask of `case` that it does not ask already, if anything."""
    # A mail for triage keeps only its opt-outs as kinds: the writer's own, in force at once
    # (Art. 21(3)) even beside another person's data, which a person reads.
    if not found.kinds or found.category not in ("request", "follow_up", "needs_triage"):
        return None
    parties = case_parties(session, case)
    if sender not in parties:
        # Someone else's reminder of a request we cannot see stays the outsider's line, and
        # so does anyone we wrote to about the case: a recipient answering its Art. 19
        # notice ("we erased the rest") or a system's owner reports, it does not ask.
        if found.category == "follow_up" or _correspondent(session, case, sender, parties):
            return None
        if domain_of(sender) in own_domains:
            return None
        return NewRequest(found, other_person=True)
    if case.status == Status.NEEDS_TRIAGE.value:
        return None  # a person is still deciding what the whole thread asks for
    added = [k for k in found.kinds if k not in case.kinds]
    if not added:
        return None  # "still waiting for my copy": the case already asks for it
    return NewRequest(replace(found, kinds=added), other_person=False)


def take_in(
    session: Session,
    case: Case,
    msg: Message,
    parsed: ParsedMessage,
    *,
    policy: DeskPolicy,
    actor: str,
    now: datetime,
    own_domains: Collection[str] = (),
) -> code_check.CodeCheck | None:
    """Join `msg` to `case` in the caller's transaction; None when a third party wrote it.

    From a party to the case: a reply to a case awaiting identity is checked for the code
    (Art. 12(6)), a match verifies and ends the pause; otherwise an answer to a question of
    ours restarts the clock (EDPB 01/2022 §159).
    """
    msg.case_id = case.id
    sender = (parsed.from_addr or "").strip().lower()
    if _task_answer(session, case, msg, parsed, actor=actor, now=now):
        return None
    if not sender or sender not in case_parties(session, case):
        colleague = bool(sender) and domain_of(sender) in own_domains
        _attach_third_party(session, case, msg, actor=actor, now=now, colleague=colleague)
        return None
    return heard(session, case, msg.message_id, parsed, policy=policy, actor=actor, now=now)


def heard(
    session: Session,
    case: Case,
    message_id: str,
    parsed: ParsedMessage,
    *,
    policy: DeskPolicy,
    actor: str,
    now: datetime,
    forwarded: bool = False,
    answered_at: datetime | None = None,
) -> code_check.CodeCheck:
    """The case's party wrote in its thread: recorded, checked for the code, the clock resumed.

    Also for a reply whose new right opened a case of its own: it still answers this case's
    question, so a paused clock must not stay paused (EDPB 01/2022 §159). `forwarded`: a
    colleague forwarded the party's answer, which reached the controller at `answered_at`.
    """
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.MESSAGE_RECEIVED,
        now=now,
        message=message_id,
        closed=case.status == Status.CLOSED.value,
        forwarded=forwarded or None,
    )
    checked = code_check.CodeCheck.NO_CODE
    # A code proves control of the mailbox it went to only when it comes back from that
    # mailbox (Art. 12(6)): a forward is the colleague's mail, and its code verifies nobody.
    if not forwarded and case.identity_status != "verified" and Status(case.status) in VERIFIABLE:
        checked = code_check.check_code_reply(
            session, case, own_text(parsed), now, actor=actor, policy=policy
        )
    if Status(case.status) in PAUSED_STATUSES:
        ops._apply_resume(
            session,
            case,
            actor=actor,
            now=now,
            reason="the requester answered" + (" (forwarded by a colleague)" if forwarded else ""),
            reason_code="requester_answered_forwarded" if forwarded else "requester_answered",
            policy=policy,
            answered_at=answered_at,
        )
    return checked
