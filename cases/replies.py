"""Approving a reply: the exact approved text is queued, recorded and the case moves on.

The drafting half lives in `cases.drafts`; its names are re-exported here because the
Slack bot and the CLI use `replies.pending_draft` and `replies.approve_draft` together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from cases import operations as ops
from cases.drafts import (
    AUTOMATIC_TEMPLATES,
    FINAL_TEMPLATES,
    KIND_TEMPLATES,
    RECIPIENT_NOTICE,
    answered_templates,
    draft_attachments,
    draft_reply,
    is_notice,
    pending_draft,
    pending_drafts,
    render_for_case,
    unanswered_kinds,
)
from cases.errors import InternalError, UserError
from cases.lifecycle import PAUSED_STATUSES, Status
from cases.outbox import QueuedMail, Sender, queue_mail
from cases.tasks import require_no_open_tasks
from store.actions import AuditAction
from store.models import Case, Draft, Message, Outbox

__all__ = [
    "AUTOMATIC_TEMPLATES",
    "FINAL_TEMPLATES",
    "KIND_TEMPLATES",
    "RECIPIENT_NOTICE",
    "AlreadyDecided",
    "answered_templates",
    "approve_draft",
    "draft_attachments",
    "draft_reply",
    "pending_draft",
    "pending_drafts",
    "render_for_case",
    "unanswered_kinds",
]


def _thread(session: Session, case: Case) -> tuple[str | None, list[str]]:
    """In-Reply-To and References: the case's first inbound message (RFC 5322 §3.6.4)."""
    first = session.exec(
        select(Message)
        .where(Message.case_id == case.id, Message.direction == "in")
        .order_by(col(Message.received_at), col(Message.id))
    ).first()
    if first is None:
        return None, []
    return first.message_id, [*first.references, first.message_id]


def _queue(
    session: Session,
    case: Case,
    draft: Draft,
    *,
    sender: Sender,
    actor: str,
    now: datetime,
    daily_cap: int | None,
) -> QueuedMail:
    notice = is_notice(draft)
    in_reply_to, references = (None, []) if notice else _thread(session, case)
    attachments = draft_attachments(draft)
    row = queue_mail(
        session,
        case=case,
        sender=sender,
        to=draft.to_addr or "",
        subject=draft.subject,
        text=draft.body_text,
        html=draft.body_html,
        purpose=RECIPIENT_NOTICE if notice else "reply",
        now=now,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
        daily_cap=daily_cap,
    )
    if row is None:
        raise InternalError(f"{case.reference}: the outbox refused an approved reply")
    draft.outbox_id = row.id
    session.add(draft)
    # Design §1.4: the exact text sent, and the files by name and hash, not the data again.
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.RECIPIENT_NOTIFIED if notice else AuditAction.REPLY_APPROVED,
        now=now,
        draft_id=draft.id,
        template=draft.template,
        language=draft.language,
        to=draft.to_addr,
        message_id=row.message_id,
        subject=draft.subject,
        body_text=draft.body_text,
        attachments=[{"filename": a["filename"], "sha256": a["sha256"]} for a in draft.attachments]
        or None,
    )
    return row


def _move_case(session: Session, case: Case, draft: Draft, *, actor: str, now: datetime) -> None:
    """Carry the case on according to what was just approved."""
    template = draft.template
    if template in FINAL_TEMPLATES:
        if not unanswered_kinds(session, case):
            done = sorted(answered_templates(session, case) & FINAL_TEMPLATES)
            ops._apply_respond(
                session, case, outcome="answered: " + ", ".join(done), actor=actor, now=now
            )
    elif template == "extension_notice":
        ops._apply_extension_notified(session, case, actor=actor, now=now)
    elif template == "refusal":
        if not draft.refusal_partial and case.status != Status.REFUSED:
            reasons = draft.refusal_reasons or "see the reply sent"
            ops._apply_refuse(session, case, reasons=reasons, actor=actor, now=now)
    elif (
        template in ("identity_request", "clarification_request")
        and Status(case.status) not in PAUSED_STATUSES
    ):
        waiting_for = "identity" if template == "identity_request" else "clarification"
        ops._apply_pause(
            session,
            case,
            waiting_for=waiting_for,
            reason=f"asked the requester ({template})",
            reason_code="asked_requester",
            reason_params={"template": template},
            actor=actor,
            now=now,
        )


class AlreadyDecided(UserError):
    """Someone else approved (or replaced) the draft first: nothing was queued by this call."""


def _already(case: Case, draft: Draft) -> str:
    return (
        f"{case.reference} has no pending draft: the reply was already approved by"
        f" {draft.approved_by}; nothing more was sent"
    )


def _claim(session: Session, case: Case, draft: Draft, *, actor: str, now: datetime) -> None:
    """Mark the draft approved only if it is still pending; the row count decides.

    On PostgreSQL the UPDATE takes the row lock: a concurrent approver waits, then finds
    the status changed and matches no row (READ COMMITTED re-checks the WHERE clause).
    SQLite's BEGIN IMMEDIATE serialises the writers before this point.
    """
    claimed = session.execute(
        update(Draft)
        .where(col(Draft.id) == draft.id, col(Draft.status) == "pending")
        .values(status="approved", approved_by=actor, approved_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = session.get(Draft, draft.id, populate_existing=True)
        if current is not None and current.status == "approved":
            raise AlreadyDecided(_already(case, current))
        raise AlreadyDecided(
            f"{case.reference}: the draft changed meanwhile; review it again before approving"
        )
    draft.status, draft.approved_by, draft.approved_at = "approved", actor, now


def approve_draft(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    sender: Sender,
    daily_cap: int | None = None,
) -> Outbox:
    """Queue the pending reply exactly as drafted, with its pending Art. 19 notices first.

    Everything happens in one transaction: the case moves on only if the mail is queued.
    Returns the outbox row of the reply (or of the first notice when only notices wait).
    """
    case = ops.get_case(session, reference)
    primary = pending_draft(session, reference=reference)
    if primary is None:
        last = session.exec(
            select(Draft)
            .where(Draft.case_id == case.id, Draft.status == "approved")
            .order_by(col(Draft.approved_at).desc(), col(Draft.id).desc())
        ).first()
        if last is not None:
            raise AlreadyDecided(_already(case, last))
        raise UserError(f"{case.reference} has no pending draft; run `rightsdesk cases draft`")
    if primary.template in FINAL_TEMPLATES or is_notice(primary):
        # The answer waits for the owners of manual systems; an extension notice or a
        # refusal may still go (Art. 12(3), 12(4)).
        require_no_open_tasks(session, case)
    notices = [
        d for d in pending_drafts(session, reference=reference) if is_notice(d) and d is not primary
    ]
    try:
        # One approval per draft: claim every draft before anything is queued.
        for d in sorted([*notices, primary], key=lambda d: d.id or 0):
            _claim(session, case, d, actor=actor, now=now)
        # Art. 19: the recipients are told before the requester hears that they were.
        rows = [
            _queue(session, case, d, sender=sender, actor=actor, now=now, daily_cap=daily_cap)
            for d in [*notices, primary]
        ]
        session.flush()
        _move_case(session, case, primary, actor=actor, now=now)
        session.commit()
    except AlreadyDecided:
        raise
    except Exception:
        session.rollback()
        raise
    row = session.get(Outbox, rows[-1].id)
    assert row is not None
    return row
