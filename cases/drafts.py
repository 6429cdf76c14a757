"""Reply drafts: rendered from the templates, kept until a human approves them.

Only the acknowledgement and the verification code are sent without approval (design §1.4);
every other reply waits here as a Draft, with its attachments, until `replies.approve_draft`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.errors import UserError
from cases.lifecycle import check_transition
from cases.outbox import MailAttachment
from cases.reply_context import case_context
from cases.tasks import outcomes, rights_of_template, task_files
from store.actions import AuditAction
from store.models import Case, Draft, RecipientNoticeNeeded
from templates.loader import RenderedEmail, render_email

# The reply that answers each kind (objection and marketing opt-out share one).
KIND_TEMPLATES: dict[str, str] = {
    "access": "access_response",
    "portability": "portability_export",
    "rectification": "rectification_done",
    "erasure": "erasure_done",
    "restriction": "restriction_confirmation",
    "objection": "objection_confirmation",
    "marketing_opt_out": "objection_confirmation",
    "publication_opt_out": "publication_opt_out_confirmation",
}
FINAL_TEMPLATES = frozenset(KIND_TEMPLATES.values())
RECIPIENT_NOTICE = "recipient_notice"
AUTOMATIC_TEMPLATES = frozenset({"acknowledgement", "verification_code"})


def render_for_case(
    case: Case,
    template: str,
    controller: ControllerConfig,
    extra_context: Mapping[str, Any] | None = None,
    *,
    language: str | None = None,
) -> RenderedEmail:
    """Render `template` for `case` in its language (or `language`), with the fallback."""
    context: dict[str, Any] = {"controller": controller, "case": case_context(case)}
    context.update(extra_context or {})
    return render_email(
        template,
        language or case.language,
        context,
        fallback=controller.fallback_language,
    )


def _attachment_record(att: MailAttachment) -> dict[str, Any]:
    return {
        "filename": att.filename,
        "content_type": att.content_type,
        "size": len(att.data),
        "sha256": hashlib.sha256(att.data).hexdigest(),
        "data_b64": base64.b64encode(att.data).decode("ascii"),
    }


def draft_attachments(draft: Draft) -> list[MailAttachment]:
    """The files stored with a draft, as they will be attached."""
    return [
        MailAttachment(
            filename=str(a["filename"]),
            content_type=str(a["content_type"]),
            data=base64.b64decode(str(a["data_b64"])),
        )
        for a in draft.attachments
    ]


def is_notice(draft: Draft) -> bool:
    """True for an Art. 19 notice to a recipient, False for a reply to the requester."""
    return draft.template == RECIPIENT_NOTICE


def pending_drafts(session: Session, *, reference: str) -> list[Draft]:
    """Every draft of the case still waiting for approval, oldest first."""
    case = ops.get_case(session, reference)
    return list(
        session.exec(
            select(Draft)
            .where(Draft.case_id == case.id, Draft.status == "pending")
            .order_by(col(Draft.id))
        ).all()
    )


def notice_warnings(session: Session, case: Case) -> list[str]:
    """Recipients the approver must tell by other means (Art. 19; no address in the register)."""
    needed = session.exec(
        select(RecipientNoticeNeeded)
        .where(RecipientNoticeNeeded.case_id == case.id)
        .order_by(col(RecipientNoticeNeeded.id))
    ).all()
    return [
        "tell " + ", ".join(row.recipients) + " by other means"
        " before approving (Art. 19; no address in the register)"
        for row in needed
    ]


def pending_draft(session: Session, *, reference: str) -> Draft | None:
    """The draft `approve` would send: the reply to the requester, else a recipient notice."""
    drafts = pending_drafts(session, reference=reference)
    replies = [d for d in drafts if not is_notice(d)]
    if replies:
        return replies[-1]
    return drafts[0] if drafts else None


def draft_reply(
    session: Session,
    *,
    reference: str,
    template: str,
    extra_context: Mapping[str, Any] | None,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    attachments: Sequence[MailAttachment] = (),
    to_addr: str | None = None,
    language: str | None = None,
) -> Draft:
    """Render a reply into a pending Draft, superseding the pending one it replaces.

    A reply to the requester supersedes the requester's pending reply; a recipient notice
    (Art. 19) supersedes the pending notice to the same address.
    """
    case = ops.get_case(session, reference)
    draft = _apply_draft(
        session,
        case,
        template=template,
        extra_context=extra_context,
        actor=actor,
        now=now,
        controller=controller,
        attachments=attachments,
        to_addr=to_addr,
        language=language,
    )
    session.commit()
    session.refresh(draft)
    return draft


def _apply_draft(
    session: Session,
    case: Case,
    *,
    template: str,
    extra_context: Mapping[str, Any] | None,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    attachments: Sequence[MailAttachment] = (),
    to_addr: str | None = None,
    language: str | None = None,
) -> Draft:
    """Draft in the caller's transaction (fulfilment drafts its Art. 19 notices with the reply)."""
    check_transition("draft", case.status)
    if template in AUTOMATIC_TEMPLATES:
        raise UserError(f"{template} is sent automatically, not drafted")
    to = (to_addr or case.requester_email or "").strip()
    if not to:
        raise UserError(f"{case.reference} has no email address to reply to; answer by letter")
    context = dict(extra_context or {})
    right = rights_of_template(template)
    if right is not None:
        # What the owners of the manual systems found or did (issue 15); their copies
        # go along with ours (Art. 15(3)).
        context.setdefault("manual_systems", outcomes(session, case, right))
        if right == "access":
            attachments = [*attachments, *task_files(session, case)]
    context.setdefault("attachments", [a.filename for a in attachments])
    rendered = render_for_case(case, template, controller, context, language=language)
    notice = template == RECIPIENT_NOTICE
    for old in session.exec(
        select(Draft).where(Draft.case_id == case.id, Draft.status == "pending")
    ).all():
        if (old.template == RECIPIENT_NOTICE) == notice and (not notice or old.to_addr == to):
            old.status = "superseded"
            session.add(old)
    draft = Draft(
        case_id=case.id or 0,
        template=template,
        language=rendered.language,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        attachments=[_attachment_record(a) for a in attachments],
        to_addr=to,
        status="pending",
        created_at=now,
        created_by=actor,
    )
    if template == "refusal":
        # approve_draft refuses the case with these (Art. 12(4)).
        draft.refusal_reasons = str(context.get("refusal_reasons") or "").strip() or None
        draft.refusal_partial = bool(context.get("partial"))
    session.add(draft)
    session.flush()
    detail: dict[str, Any] = {"draft_id": draft.id, "template": template}
    if template == "refusal":
        detail["refusal_reasons"] = draft.refusal_reasons
        detail["partial"] = draft.refusal_partial
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.DRAFT,
        now=now,
        language=rendered.language,
        attachments=[a.filename for a in attachments] or None,
        **detail,
    )
    return draft


def answered_templates(session: Session, case: Case) -> set[str]:
    """Templates of the replies already approved for this case."""
    return set(
        session.exec(
            select(Draft.template).where(Draft.case_id == case.id, Draft.status == "approved")
        ).all()
    )


def unanswered_kinds(session: Session, case: Case) -> list[str]:
    """The case's kinds whose final reply has not been approved yet, in the case's order."""
    done = answered_templates(session, case)
    return [k for k in case.kinds if KIND_TEMPLATES.get(k) not in done]
