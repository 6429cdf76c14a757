"""Which right to carry out next for a case, and which reply to draft when none is pending."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.drafts import FINAL_TEMPLATES, KIND_TEMPLATES, draft_reply, unanswered_kinds
from cases.errors import UserError, Waiting
from cases.fulfilment.access import fulfil_access
from cases.fulfilment.common import already_done
from cases.fulfilment.erasure import fulfil_erasure
from cases.fulfilment.portability import fulfil_portability
from cases.fulfilment.rectification import fulfil_rectification
from cases.fulfilment.restriction import fulfil_restriction
from cases.fulfilment.restriction_state import lifted_event
from cases.fulfilment.suppression import KIND_SCOPES, fulfil_suppression
from cases.fulfilment.systems import record_waiting
from cases.kinds import parse_kinds
from cases.lifecycle import Status
from cases.outbox import Sender
from cases.tasks import open_tasks_for
from store.models import Case, Draft, Fulfilment

READ_ONLY_KINDS = ("access", "portability")
# Copies before changes, erasure last: "send me my data and then delete it" must work.
ORDER = (
    "access",
    "portability",
    "rectification",
    "restriction",
    "objection",
    "marketing_opt_out",
    "publication_opt_out",
    "erasure",
)


def _event_kind(kind: str) -> str:
    return "suppression" if kind in KIND_SCOPES else kind


def _next_kind(session: Session, case: Case, kind: str | None) -> str:
    if kind is not None:
        (known,) = parse_kinds([kind])  # an unknown code: a usage error naming the codes
        if known not in case.kinds:
            raise UserError(
                f"{case.reference} does not ask for {known.value} (it asks for:"
                f" {', '.join(case.kinds)})"
            )
        return kind
    if case.status == Status.NEEDS_TRIAGE:
        raise UserError(f"{case.reference} needs triage first: `rightsdesk cases triage`")
    todo = unanswered_kinds(session, case)
    if not todo:
        raise UserError(f"{case.reference}: every part of the request has been answered")
    return min(todo, key=ORDER.index)


def corrections_for(
    case: Case, corrections: Mapping[str, str | None] | None
) -> Mapping[str, str | None]:
    """The corrections given now, or those the request itself carried."""
    wanted = corrections if corrections is not None else case.evidence.get("corrections")
    if not isinstance(wanted, Mapping):
        raise UserError(
            f"{case.reference}: say what to correct, e.g."
            " `rightsdesk cases fulfil REF --set postal_address='Uusi katu 1'`"
        )
    return wanted


def _refuse_lifted(session: Session, case: Case, kind: str) -> None:
    """Refuse to restrict (or say "restricted") again on a case whose restriction was lifted.

    Its fulfilment counts as done, so a second one would restrict nothing yet draft "your
    data has been restricted" (Art. 12(3), 18): a new restriction is a new request, a case
    of its own, which can be lifted in turn.
    """
    if kind != "restriction":
        return
    lifted = lifted_event(session, case)
    if lifted is not None:
        raise UserError(
            f"{case.reference}: its restriction was lifted on"
            f" {deadlines.receipt_date(lifted.at).isoformat()}, so it cannot be restricted or"
            " confirmed again here; open a new case for a new restriction request"
            " (`rightsdesk cases open --kinds restriction ...`)"
        )


def _redraft(
    session: Session,
    case: Case,
    kind: str,
    done: Fulfilment,
    *,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
) -> Draft:
    """Draft the reply of a right already carried out, from what it was written from."""
    _refuse_lifted(session, case, kind)
    context: dict[str, Any] = dict(done.reply_context or {})
    return draft_reply(
        session,
        reference=case.reference,
        template=KIND_TEMPLATES[kind],
        extra_context=context,
        actor=actor,
        now=now,
        controller=controller,
    )


def fulfil(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    kind: str | None = None,
    corrections: Mapping[str, str | None] | None = None,
    reason: str | None = None,
    env: Mapping[str, str] | None = None,
    sender: Sender | None = None,
    accuracy_check_until: date | None = None,
) -> Draft:
    """Carry out the next unanswered right of the case (or `kind`) and draft its reply.

    A right already carried out is not done twice: its reply is drafted again from its
    `Fulfilment` row. All or nothing: on any error the register is left as it was.
    The data map's manual systems get their tasks in the same transaction.
    """
    case = ops.get_case(session, reference)
    chosen = _next_kind(session, case, kind)
    _refuse_lifted(session, case, chosen)
    sender = sender or Sender(controller.privacy_email, controller.name)
    try:
        open_tasks_for(
            session, case, chosen, controller=controller, sender=sender, actor=actor, now=now
        )
        done = already_done(session, case, _event_kind(chosen))
        if done is not None and chosen not in READ_ONLY_KINDS:
            return _redraft(
                session, case, chosen, done, actor=actor, now=now, controller=controller
            )
        args: dict[str, Any] = {
            "reference": case.reference,
            "actor": actor,
            "now": now,
            "controller": controller,
        }
        if chosen == "access":
            return fulfil_access(session, env=env, **args)
        if chosen == "portability":
            return fulfil_portability(session, env=env, **args)
        if chosen == "rectification":
            wanted = corrections_for(case, corrections)
            return fulfil_rectification(session, corrections=wanted, env=env, **args)
        if chosen == "erasure":
            return fulfil_erasure(session, env=env, **args)
        if chosen == "restriction":
            return fulfil_restriction(
                session,
                reason=reason,
                accuracy_check_until=accuracy_check_until,
                env=env,
                sender=sender,
                **args,
            )
        return fulfil_suppression(session, **args)
    except Waiting as waiting:
        # A system is down: nothing more changes, the case says what it waits for.
        session.rollback()
        record_waiting(session, case, error=waiting, actor=actor, now=now)
        raise
    except Exception:
        session.rollback()
        raise


def draft_template(
    session: Session,
    *,
    reference: str,
    template: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    extra_context: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Draft:
    """Draft `template` for the case, filling the context from the register or the record."""
    case = ops.get_case(session, reference)
    if template in FINAL_TEMPLATES:
        kinds = [k for k, t in KIND_TEMPLATES.items() if t == template and k in case.kinds]
        if not kinds:
            raise UserError(f"{case.reference} has no kind that {template} answers")
        kind = kinds[0]
        if kind in READ_ONLY_KINDS:
            return fulfil(
                session,
                reference=reference,
                actor=actor,
                now=now,
                controller=controller,
                kind=kind,
                env=env,
            )
        done = already_done(session, case, _event_kind(kind))
        if done is None:
            raise UserError(
                f"{case.reference}: run `rightsdesk cases fulfil {case.reference}` first;"
                " drafting never changes the register"
            )
        return _redraft(session, case, kind, done, actor=actor, now=now, controller=controller)
    return draft_reply(
        session,
        reference=reference,
        template=template,
        extra_context=dict(extra_context or {}),
        actor=actor,
        now=now,
        controller=controller,
    )


def next_template(session: Session, case: Case) -> str:
    """The reply the case needs next, judged from its state."""
    if case.status == Status.NEEDS_TRIAGE:
        raise UserError(f"{case.reference} needs triage first: `rightsdesk cases triage`")
    only_opt_outs = set(case.kinds) <= set(KIND_SCOPES)
    if case.identity_status != "verified" and not only_opt_outs:
        return "identity_request"
    if case.extended_due_date is not None and case.extension_notified_at is None:
        return "extension_notice"
    return KIND_TEMPLATES[_next_kind(session, case, None)]


def draft_next(
    session: Session,
    *,
    reference: str,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None = None,
) -> Draft:
    """Draft the reply the case needs next (what `rightsdesk cases draft` shows)."""
    case = ops.get_case(session, reference)
    return draft_template(
        session,
        reference=reference,
        template=next_template(session, case),
        actor=actor,
        now=now,
        controller=controller,
        env=env,
    )
