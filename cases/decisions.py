"""Decisions that the requester must be told of: each drafts its reply for approval.

An extension is in force when recorded, and its notice (with the reasons, Art. 12(3)) is
drafted at once; a refusal takes effect when its reply, with the reasons and remedies
(Art. 12(4)), is approved. Both then show under "Preview reply" and `cases draft`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import _apply_draft
from cases.fulfilment.runner import draft_template
from cases.policy import DeskPolicy
from store.models import Case, Draft


def extend_and_draft_notice(
    session: Session,
    *,
    reference: str,
    reason: str,
    ground: str | None,
    actor: str,
    now: datetime,
    policy: DeskPolicy,
    controller: ControllerConfig,
) -> tuple[Case, Draft | None]:
    """Extend by two months and draft the notice (None: no address, tell by other means).

    One transaction: an extension is never recorded without its notice drafted.
    """
    case = ops.get_case(session, reference)
    ops._apply_extend(
        session, case, reason=reason, ground=ground, actor=actor, now=now, policy=policy
    )
    draft = None
    if case.requester_email:
        draft = _apply_draft(
            session,
            case,
            template="extension_notice",
            extra_context={},
            actor=actor,
            now=now,
            controller=controller,
        )
    session.commit()
    session.refresh(case)
    if draft is not None:
        session.refresh(draft)
    return case, draft


def draft_refusal(
    session: Session,
    *,
    reference: str,
    reasons: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    partial: bool = False,
) -> Draft | None:
    """Draft the refusal reply; approving it refuses the case. Without an address, refuse now."""
    case = ops.get_case(session, reference)
    if not case.requester_email:
        ops.refuse(session, reference=reference, reasons=reasons, actor=actor, now=now)
        return None
    return draft_template(
        session,
        reference=reference,
        template="refusal",
        actor=actor,
        now=now,
        controller=controller,
        extra_context={"refusal_reasons": reasons, "partial": partial, "questions": None},
    )
