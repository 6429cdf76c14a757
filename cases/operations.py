"""The operations on a case: each checks the transition table, records its event and commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from cases import deadlines
from cases.addresses import canonical, is_typed_address
from cases.errors import NotFound, UserError
from cases.kinds import CaseKind, parse_kinds, task_right
from cases.lifecycle import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    PAUSED_STATUSES,
    Status,
    check_transition,
)
from cases.outbox import Sender, queue_mail
from cases.policy import DEFAULT_POLICY, DeskPolicy
from cases.references import next_reference, normalise_reference
from cases.task_mail import task_subject_prefix
from store.actions import AuditAction
from store.audit import append_event
from store.models import Case, CasePause, Draft, Outbox, Task
from store.sanitise import clean_line, clean_text
from templates.labels import EXTENSION_GROUNDS

CHANNELS = ("email", "slack", "letter", "phone")
LANGUAGES = ("fi", "sv", "en")
IDENTITY_METHODS = ("sender_match", "code", "manual", "document", "in_person", "phone_callback")
# Event detail that is personal data: addresses, free text, the text sent, register links.
# It is kept apart from the chained facts so the retention purge can erase it (design §1.4).
PERSONAL_DETAIL = frozenset(
    {
        "added",
        "attachments",
        "body_text",
        "customer_number",
        "decision",
        "failed",
        "files",
        "message",
        "message_id",
        "note",
        "original_message",
        "outcome",
        "reason",
        # A coded reason's parameters may name a customer (cases.dossier_values.SENTENCE).
        "reason_params",
        "reasons",
        "recipients",
        "refusal_reasons",
        "reply_context",
        "sent_to",
        "subject",
        "suppressed",
        "text",
        "to",
        "unaddressed_recipients",
    }
)


def get_case(session: Session, reference: str) -> Case:
    """Load a case by its reference, or raise NotFound."""
    ref = normalise_reference(reference)
    case = session.exec(select(Case).where(Case.reference == ref)).first()
    if case is None:
        raise NotFound(f"no case {ref}")
    return case


def record(
    session: Session,
    case: Case | None,
    *,
    actor: str,
    action: AuditAction,
    now: datetime,
    **detail: Any,
) -> None:
    """Append an audit event for `case` (or for the desk itself) in the current transaction."""
    given = {k: v for k, v in detail.items() if v is not None}
    append_event(
        session,
        case_id=case.id if case else None,
        actor=actor,
        action=action,
        detail={k: v for k, v in given.items() if k not in PERSONAL_DETAIL},
        personal={k: v for k, v in given.items() if k in PERSONAL_DETAIL} or None,
        at=now,
    )


def _require(text: str | None, what: str) -> str:
    # Typed text (reasons, notes) is shown at terminals and in Slack: no escape sequences.
    cleaned = clean_text(text or "").strip()
    if not cleaned:
        raise UserError(f"{what} is required")
    return cleaned


def recompute_deadlines(case: Case, policy: DeskPolicy = DEFAULT_POLICY) -> None:
    """Derive the due dates from the receipt date, pauses and extension (Art. 12(3))."""
    xmas = policy.christmas_eve_working
    case.due_date = deadlines.due_date(
        case.receipt_date, paused_days=case.paused_days, christmas_eve_working=xmas
    )
    if case.extended_due_date is not None:
        case.extended_due_date = deadlines.extended_due_date(
            case.receipt_date, paused_days=case.paused_days, christmas_eve_working=xmas
        )
    case.effective_due_date = case.extended_due_date or case.due_date


def _move(case: Case, operation: str, now: datetime, target: Status | None = None) -> None:
    """Apply the transition table; `target` overrides only where the table leaves it open."""
    to = check_transition(operation, case.status) or target
    if to is not None:
        case.status = to.value
    case.is_active = Status(case.status) in ACTIVE_STATUSES
    case.updated_at = now


def _save(session: Session, case: Case) -> Case:
    session.add(case)
    session.commit()
    session.refresh(case)
    return case


def check_address(text: str) -> None:
    """Refuse what a person typed as an address when it cannot be one."""
    # local@domain.tld, the local part plain or quoted (RFC 5322 §3.4.1).
    if not is_typed_address(text.strip()):
        raise UserError(f"not an e-mail address: {clean_line(text)[:80]!r}")


def open_case(
    session: Session,
    *,
    kinds: list[str] | list[CaseKind],
    received_at: datetime,
    now: datetime,
    actor: str,
    requester_email: str | None = None,
    requester_name: str | None = None,
    language: str = "fi",
    channel: str = "email",
    evidence: dict[str, Any] | None = None,
    summary: str | None = None,
    customer_id: int | None = None,
    policy: DeskPolicy = DEFAULT_POLICY,
) -> Case:
    """Open a case; the clock starts at receipt, read or not (EDPB 01/2022 §159).

    With no kinds the case goes to a human for triage. An address typed in by a person
    must be one: replies are sent to it.
    """
    if requester_email:
        check_address(requester_email)
    case = _apply_open(
        session,
        kinds=kinds,
        received_at=received_at,
        now=now,
        actor=actor,
        requester_email=requester_email,
        requester_name=requester_name,
        language=language,
        channel=channel,
        evidence=evidence,
        summary=summary,
        customer_id=customer_id,
        policy=policy,
    )
    return _save(session, case)


def _apply_open(
    session: Session,
    *,
    kinds: list[str] | list[CaseKind],
    received_at: datetime,
    now: datetime,
    actor: str,
    requester_email: str | None = None,
    requester_name: str | None = None,
    language: str = "fi",
    channel: str = "email",
    evidence: dict[str, Any] | None = None,
    summary: str | None = None,
    customer_id: int | None = None,
    policy: DeskPolicy = DEFAULT_POLICY,
) -> Case:
    """Open a case in the caller's transaction (intake stores the message in the same one)."""
    if received_at.tzinfo is None:
        raise UserError("received time needs a time zone")
    if channel not in CHANNELS:
        raise UserError(f"unknown channel {channel!r}; use one of: {', '.join(CHANNELS)}")
    if language not in LANGUAGES:
        raise UserError(f"unknown language {language!r}; use one of: {', '.join(LANGUAGES)}")
    parsed = [k.value for k in parse_kinds(list(kinds))] if kinds else []
    receipt = deadlines.receipt_date(received_at)
    reference = next_reference(session, prefix=policy.reference_prefix, year=receipt.year)
    status = Status.RECEIVED if parsed else Status.NEEDS_TRIAGE
    case = Case(
        reference=reference,
        kinds=parsed,
        status=status.value,
        language=language,
        requester_email=canonical(requester_email or "") or None,
        requester_name=clean_line(requester_name) or None if requester_name else None,
        channel=channel,
        received_at=received_at,
        receipt_date=receipt,
        due_date=receipt,
        effective_due_date=receipt,
        evidence=evidence or {},
        summary=summary,
        customer_id=customer_id,
        created_at=now,
        updated_at=now,
    )
    recompute_deadlines(case, policy)
    case.is_active = True
    session.add(case)
    session.flush()
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.OPEN,
        now=now,
        kinds=parsed,
        channel=channel,
        language=language,
        status=status.value,
        due_date=case.due_date.isoformat(),
    )
    return case


def triage(
    session: Session, *, reference: str, kinds: list[str], actor: str, now: datetime
) -> Case:
    """Give a needs-triage case its kinds so work can start."""
    case = get_case(session, reference)
    _apply_triage(session, case, kinds=kinds, actor=actor, now=now)
    return _save(session, case)


def _apply_triage(
    session: Session, case: Case, *, kinds: list[str], actor: str, now: datetime
) -> None:
    parsed = [k.value for k in parse_kinds(kinds)]
    _move(case, "triage", now)
    case.kinds = parsed
    record(session, case, actor=actor, action=AuditAction.TRIAGE, now=now, kinds=parsed)


def set_kinds(
    session: Session, *, reference: str, kinds: list[str], actor: str, now: datetime
) -> Case:
    """Correct the kinds of an open case (the classifier's guess is only a guess)."""
    case = get_case(session, reference)
    if case.status == Status.NEEDS_TRIAGE:
        _apply_triage(session, case, kinds=kinds, actor=actor, now=now)
        return _save(session, case)
    check_transition("assign", case.status)
    before = list(case.kinds)
    case.kinds = [k.value for k in parse_kinds(kinds)]
    case.updated_at = now
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.SET_KINDS,
        now=now,
        before=before,
        after=case.kinds,
    )
    return _save(session, case)


def can_add_kinds(
    case: Case, *, received_at: datetime, now: datetime, policy: DeskPolicy = DEFAULT_POLICY
) -> bool:
    """Whether rights asked for at `received_at` may join `case` under its one deadline.

    Art. 12(3) gives each request one month from its own receipt, but a case has one
    deadline. A right asked for later joins only a case whose clock still runs (an answered
    case's has stopped) and whose deadline, once a running pause ends (the requester's
    reply ends it), is not later than the new right's own: the case's earlier deadline then
    holds for both and adding the right extends nothing. An extension or a long pause of the
    case would carry the new right past its month: it gets a case of its own instead.
    """
    if Status(case.status) not in ACTIVE_STATUSES - {Status.NEEDS_TRIAGE}:
        return False
    xmas = policy.christmas_eve_working
    paused = case.paused_days + _pause_days_so_far(case, now)
    if case.extended_due_date is not None:
        case_due = deadlines.extended_due_date(
            case.receipt_date, paused_days=paused, christmas_eve_working=xmas
        )
    else:
        case_due = deadlines.due_date(
            case.receipt_date, paused_days=paused, christmas_eve_working=xmas
        )
    own_due = deadlines.due_date(deadlines.receipt_date(received_at), christmas_eve_working=xmas)
    return case_due <= own_due


def add_kinds(
    session: Session,
    case: Case,
    *,
    kinds: list[str],
    actor: str,
    now: datetime,
    message: str | None = None,
) -> list[str]:
    """Add rights the case does not ask for yet (after `can_add_kinds`); returns those added."""
    check_transition("assign", case.status)  # the kinds of an open case may change
    added = [k.value for k in parse_kinds(kinds) if k.value not in case.kinds]
    if not added:
        return []
    case.kinds = [*case.kinds, *added]  # a new list: the JSON column sees the change
    case.updated_at = now
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.KINDS_ADDED,
        now=now,
        kinds=added,
        due_date=case.effective_due_date.isoformat(),
        message=message,
        result="a new right was asked for in the case's thread; the case's deadline holds for it",
        result_code="kind_added_same_deadline",
    )
    return added


def assign(session: Session, *, reference: str, assignee: str, actor: str, now: datetime) -> Case:
    """Make someone responsible for the case."""
    case = get_case(session, reference)
    who = _require(assignee, "an assignee")
    _move(case, "assign", now)
    previous, case.assignee = case.assignee, who
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.ASSIGN,
        now=now,
        assignee=who,
        previous=previous,
    )
    return _save(session, case)


def note(session: Session, *, reference: str, text: str, actor: str, now: datetime) -> Case:
    """Add a note to the case's record."""
    case = get_case(session, reference)
    _move(case, "note", now)
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.NOTE,
        now=now,
        text=_require(text, "note text"),
    )
    return _save(session, case)


def verify(
    session: Session,
    *,
    reference: str,
    method: str,
    reason: str,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
) -> Case:
    """Record that the requester's identity was checked (Art. 12(6)) and start the work."""
    case = get_case(session, reference)
    _apply_verify(session, case, method=method, reason=reason, actor=actor, now=now, policy=policy)
    return _save(session, case)


def _apply_verify(
    session: Session,
    case: Case,
    *,
    method: str,
    reason: str,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
    reason_code: str | None = None,
    reason_params: dict[str, str] | None = None,
) -> None:
    """Verify `case` in the caller's transaction (intake, a returned code, an opt-out)."""
    if method not in IDENTITY_METHODS:
        raise UserError(f"unknown method {method!r}; use one of: {', '.join(IDENTITY_METHODS)}")
    why = _require(reason, "a reason")
    if Status(case.status) in PAUSED_STATUSES:
        _end_pause(session, case, now, policy)
    _move(case, "verify", now)
    case.identity_status = "verified"
    case.identity_method = method
    case.identity_reason = why
    case.identity_verified_by = actor
    case.identity_verified_at = now
    # A request for identity still waiting for approval is answered now: sent later, it would
    # ask a verified person again and stop the clock (Art. 12(3)) for nothing.
    for stale in session.exec(
        select(Draft).where(
            Draft.case_id == case.id,
            Draft.status == "pending",
            Draft.template == "identity_request",
        )
    ).all():
        stale.status = "superseded"
        session.add(stale)
    # The code names the desk's own sentence, so the dossier can say it in each language.
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.VERIFY,
        now=now,
        method=method,
        reason=why,
        reason_code=reason_code,
        reason_params=reason_params,
    )


def pause(
    session: Session,
    *,
    reference: str,
    waiting_for: str,
    reason: str,
    actor: str,
    now: datetime,
) -> Case:
    """Stop the clock while waiting for the requester (EDPB 01/2022 §159)."""
    case = get_case(session, reference)
    _apply_pause(session, case, waiting_for=waiting_for, reason=reason, actor=actor, now=now)
    return _save(session, case)


def _apply_pause(
    session: Session,
    case: Case,
    *,
    waiting_for: str,
    reason: str,
    actor: str,
    now: datetime,
    reason_code: str | None = None,
    reason_params: dict[str, str] | None = None,
) -> None:
    if waiting_for not in ("identity", "clarification"):
        raise UserError("waiting for must be 'identity' or 'clarification'")
    operation = "request_identity" if waiting_for == "identity" else "request_clarification"
    why = _require(reason, "a reason")
    if Status(case.status) in PAUSED_STATUSES:
        raise UserError(f"{case.reference} is already paused ({case.status})")
    _move(case, operation, now)
    case.paused_since = now
    session.add(
        CasePause(case_id=case.id or 0, waiting_for=waiting_for, reason=why, started_at=now)
    )
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.PAUSE,
        now=now,
        waiting_for=waiting_for,
        reason=why,
        reason_code=reason_code,
        reason_params=reason_params,
    )


def _pause_days_so_far(case: Case, now: datetime) -> int:
    """The whole Helsinki days of the open pause, as ending it at `now` would count them."""
    if case.paused_since is None:
        return 0
    started = deadlines.receipt_date(case.paused_since)
    return max(0, (deadlines.receipt_date(now) - started).days)


def _end_pause(session: Session, case: Case, now: datetime, policy: DeskPolicy) -> int:
    """Close the open pause; its whole Helsinki days are added before the roll."""
    if case.paused_since is None:
        return 0
    days = _pause_days_so_far(case, now)
    open_pause = session.exec(
        select(CasePause)
        .where(CasePause.case_id == case.id, col(CasePause.ended_at).is_(None))
        .order_by(col(CasePause.id).desc())
    ).first()
    if open_pause is not None:
        open_pause.ended_at = now
        session.add(open_pause)
    case.paused_days += days
    case.paused_since = None
    recompute_deadlines(case, policy)
    return days


def resume(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    reason: str | None = None,
    policy: DeskPolicy = DEFAULT_POLICY,
) -> Case:
    """Restart the clock: the requester answered, or waiting is pointless."""
    case = get_case(session, reference)
    _apply_resume(session, case, actor=actor, now=now, reason=reason, policy=policy)
    return _save(session, case)


def _apply_resume(
    session: Session,
    case: Case,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    policy: DeskPolicy = DEFAULT_POLICY,
    reason_code: str | None = None,
    answered_at: datetime | None = None,
) -> None:
    """Restart the clock; the pause ends at `answered_at`, when the answer reached the
    controller, if that was before `now` (a colleague forwarding it later; EDPB 01/2022 §159)."""
    check_transition("resume", case.status)
    ended = now
    if answered_at is not None and case.paused_since is not None:
        ended = min(now, max(answered_at, case.paused_since))
    days = _end_pause(session, case, ended, policy)
    target = Status.IN_PROGRESS if case.identity_status == "verified" else Status.RECEIVED
    _move(case, "resume", now, target)
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.RESUME,
        now=now,
        paused_days=days,
        reason=reason,
        reason_code=reason_code,
        due_date=case.effective_due_date.isoformat(),
        answered_at=ended.isoformat() if ended != now else None,
    )


def normalise_ground(ground: str | None) -> str:
    """The Art. 12(3) ground's code from "complexity" or "number-of-requests"; else an error."""
    code = (ground or "").strip().lower().replace("-", "_").replace(" ", "_")
    if code not in EXTENSION_GROUNDS:
        raise UserError(
            "choose the ground of the extension (GDPR Art. 12(3)): complexity or number-of-requests"
        )
    return code


def extend(
    session: Session,
    *,
    reference: str,
    reason: str,
    ground: str | None,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
) -> Case:
    """Extend by two months on an Art. 12(3) ground, with reasons, within the first month."""
    case = get_case(session, reference)
    _apply_extend(session, case, reason=reason, ground=ground, actor=actor, now=now, policy=policy)
    return _save(session, case)


def _apply_extend(
    session: Session,
    case: Case,
    *,
    reason: str,
    ground: str | None,
    actor: str,
    now: datetime,
    policy: DeskPolicy = DEFAULT_POLICY,
) -> None:
    _move(case, "extend", now)
    if case.extended_due_date is not None:
        raise UserError(f"{case.reference} is already extended to {case.extended_due_date}")
    code = normalise_ground(ground)
    deadlines.check_extension(due=case.due_date, now=now, reason=reason)
    case.extension_reason = reason.strip()
    case.extension_ground = code
    case.extended_due_date = case.due_date  # marks it extended; recompute sets the real date
    recompute_deadlines(case, policy)
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.EXTEND,
        now=now,
        ground=code,
        reason=case.extension_reason,
        extended_due_date=case.effective_due_date.isoformat(),
    )


def mark_extension_notified(session: Session, *, reference: str, actor: str, now: datetime) -> Case:
    """Record when the requester was told of the extension and its reasons."""
    case = get_case(session, reference)
    _apply_extension_notified(session, case, actor=actor, now=now)
    return _save(session, case)


def _apply_extension_notified(session: Session, case: Case, *, actor: str, now: datetime) -> None:
    if case.extended_due_date is None:
        raise UserError(f"{case.reference} is not extended")
    case.extension_notified_at = now
    case.updated_at = now
    record(session, case, actor=actor, action=AuditAction.EXTENSION_NOTIFIED, now=now)


def mark_complex(
    session: Session, *, reference: str, actor: str, now: datetime, reason: str
) -> Case:
    """Flag a complex case, so reminders watch the extension window."""
    case = get_case(session, reference)
    _move(case, "mark_complex", now)
    case.is_complex = True
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.MARK_COMPLEX,
        now=now,
        reason=_require(reason, "a reason"),
    )
    return _save(session, case)


def respond(
    session: Session,
    *,
    reference: str,
    outcome: str,
    actor: str,
    now: datetime,
) -> Case:
    """Record that the requester has been answered."""
    case = get_case(session, reference)
    _apply_respond(session, case, outcome=outcome, actor=actor, now=now)
    return _save(session, case)


def _apply_respond(
    session: Session, case: Case, *, outcome: str, actor: str, now: datetime
) -> None:
    _move(case, "respond", now)
    case.outcome = _require(outcome, "an outcome")
    record(session, case, actor=actor, action=AuditAction.RESPOND, now=now, outcome=case.outcome)


def _end_tasks(session: Session, case: Case, *, actor: str, now: datetime, why: str) -> None:
    """Open tasks of a case that ends without its answer are moot: mark them, say why."""
    end_open_tasks(session, case, outcome="case_ended", actor=actor, now=now, why=why)


def end_open_tasks(
    session: Session,
    case: Case,
    *,
    outcome: str,
    actor: str,
    now: datetime,
    why: str,
    kind: str | None = None,
) -> list[Task]:
    """Mark the case's open tasks (of `kind`, if given) moot with `outcome`; say why once."""
    query = select(Task).where(Task.case_id == case.id, Task.status == "open")
    if kind is not None:
        query = query.where(Task.kind == kind)
    open_tasks = list(session.exec(query.order_by(col(Task.id))).all())
    for task in open_tasks:
        task.status, task.outcome = "done", outcome  # why: in the audit event
        task.done_at, task.done_by = now, actor
        session.add(task)
    if open_tasks:
        record(
            session,
            case,
            actor=actor,
            action=AuditAction.TASKS_ENDED,
            now=now,
            task_ids=[t.id for t in open_tasks],
            reason=why,
        )
    for task in open_tasks:
        _tell_owner_ended(session, case, task, why=why, now=now)
    return open_tasks


def _tell_owner_ended(session: Session, case: Case, task: Task, *, why: str, now: datetime) -> None:
    """Tell an owner asked by mail that their task is no longer needed, in its thread.

    Their mail still asks them to erase or restrict; acting on it after the request ended
    would process data with no request behind it. A Slack owner's DM is edited instead.
    A request mail not sent yet is withdrawn instead: a notice could overtake it.
    """
    assert task.id is not None  # read from the store
    asked = session.exec(
        select(Outbox)
        .where(
            Outbox.case_id == case.id,
            Outbox.purpose == "task",
            col(Outbox.subject).startswith(task_subject_prefix(case.reference, task.id)),
        )
        .order_by(col(Outbox.id))
    ).first()
    if asked is None or not asked.from_addr:
        return
    if asked.status == "pending":  # never delivered: the owner has nothing to be told about
        asked.status = "failed"
        asked.last_error = f"not sent: task {task.id} ended first ({why})"
        session.add(asked)
        return
    if task.outcome == "lifted_before_done":  # restricted by hand, it would stay so unseen
        already = "if you already restricted it, lift that restriction again and reply to tell us."
    else:
        already = "if you already did it, reply to tell us what you did."
    text = (
        f"Task {task.id} ({case.reference}) is no longer needed: {why}.\n\n"
        f"Do not act on our earlier message about it; {already} Otherwise nothing more is"
        " needed from you.\n"
    )
    queue_mail(
        session,
        case=case,
        sender=Sender(asked.from_addr, asked.from_name),
        to=asked.to_addr,
        subject=f"Re: {asked.subject}",
        text=text,
        html=None,
        purpose="task",
        now=now,
        in_reply_to=asked.message_id,
        references=[asked.message_id],
    )


def refuse(session: Session, *, reference: str, reasons: str, actor: str, now: datetime) -> Case:
    """Refuse the request, with reasons (Art. 12(4), 12(5))."""
    case = get_case(session, reference)
    _apply_refuse(session, case, reasons=reasons, actor=actor, now=now)
    return _save(session, case)


def _apply_refuse(session: Session, case: Case, *, reasons: str, actor: str, now: datetime) -> None:
    why = _require(reasons, "the reasons")
    check_transition("refuse", case.status)
    _end_pause(session, case, now, DEFAULT_POLICY)  # an answered case waits for nobody
    _move(case, "refuse", now)
    case.outcome = f"refused: {why}"
    record(session, case, actor=actor, action=AuditAction.REFUSE, now=now, reasons=why)
    _end_tasks(session, case, actor=actor, now=now, why="the request was refused")


def withdraw(session: Session, *, reference: str, actor: str, now: datetime, reason: str) -> Case:
    """Record that the requester withdrew the request."""
    case = get_case(session, reference)
    check_transition("withdraw", case.status)
    _end_pause(session, case, now, DEFAULT_POLICY)
    _move(case, "withdraw", now)
    case.outcome = "withdrawn"
    record(
        session,
        case,
        actor=actor,
        action=AuditAction.WITHDRAW,
        now=now,
        reason=_require(reason, "a reason"),
    )
    _end_tasks(session, case, actor=actor, now=now, why="the requester withdrew the request")
    return _save(session, case)


def dismiss(session: Session, *, reference: str, reason: str, actor: str, now: datetime) -> Case:
    """Close a triage case that asks for no right (a greeting, thanks); the mail stays."""
    case = get_case(session, reference)
    why = _require(reason, "a reason")
    _move(case, "dismiss", now)
    case.outcome = f"not a request: {why}"
    case.closed_at = now
    record(session, case, actor=actor, action=AuditAction.DISMISS, now=now, reason=why)
    return _save(session, case)


def close(
    session: Session, *, reference: str, actor: str, now: datetime, outcome: str | None = None
) -> Case:
    """Close an answered case; refused while a system owner's task is still open."""
    case = get_case(session, reference)
    check_transition("close", case.status)
    _require_tasks_answered(session, case)
    _move(case, "close", now)
    if outcome:
        case.outcome = outcome.strip()
    case.closed_at = now
    record(session, case, actor=actor, action=AuditAction.CLOSE, now=now, outcome=outcome)
    return _save(session, case)


def _require_tasks_answered(session: Session, case: Case) -> None:
    """Refuse to close over an open task: unlike a withdrawal it does not make the task moot.

    A task left open after the answer (a restriction to lift by hand, Art. 18(3); a second
    right's task) is work still owed in that system. Ending it silently as the close did
    would record as finished what nobody did (Art. 5(2)); its owner is reminded until the
    contact person records the outcome, or records with a reason that it will not be done.
    """
    waiting = session.exec(
        select(Task).where(Task.case_id == case.id, Task.status == "open").order_by(col(Task.id))
    ).all()
    if waiting:
        names = "; ".join(
            f"task {t.id} ({task_right(t.kind)} in {t.system}, due {t.due_date.isoformat()})"
            for t in waiting
        )
        raise UserError(
            f"{case.reference} has open tasks: {names}; record their outcome first"
            " (rightsdesk tasks done ID, or tasks not-done ID --reason WHY)"
        )


def reopen(session: Session, *, reference: str, reason: str, actor: str, now: datetime) -> Case:
    """Reopen a case, e.g. the requester disputes the answer; the original deadline stands."""
    case = get_case(session, reference)
    why = _require(reason, "a reason")
    target = Status.IN_PROGRESS if case.identity_status == "verified" else Status.RECEIVED
    _move(case, "reopen", now, target)
    case.closed_at = None
    record(session, case, actor=actor, action=AuditAction.REOPEN, now=now, reason=why)
    return _save(session, case)


def open_statuses() -> list[str]:
    """Status codes of cases that are not closed."""
    return sorted(s.value for s in OPEN_STATUSES)
