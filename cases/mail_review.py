"""Mail the contact person should look at: quarantined mail and mail read as not a request.

A mail the classifier took for "not a request" may still be one, and its clock started
when it arrived (EDPB 01/2022 §159): `open_case_from_message` opens the case with that
receipt time, not today's.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from cases import identity
from cases import operations as ops
from cases.acknowledge import queue_acknowledgement
from cases.controller import ControllerConfig
from cases.errors import NotFound, UserError
from cases.kinds import parse_kinds
from cases.outbox import Sender
from cases.policy import DEFAULT_POLICY, DeskPolicy
from store.actions import AuditAction
from store.models import Case, Message, Quarantine

NON_REQUEST = "non_request"
REVIEW_DAYS = 14  # how far back a person is shown mail read as not a request


def open_quarantine(session: Session, *, limit: int = 20) -> list[Quarantine]:
    """Quarantined mail not yet resolved, oldest first."""
    query = (
        select(Quarantine)
        .where(col(Quarantine.resolved_at).is_(None))
        .order_by(col(Quarantine.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


def non_requests(session: Session, *, since: datetime, limit: int = 50) -> list[Message]:
    """Inbound mail read as not a request since `since`, newest first, still without a case."""
    query = (
        select(Message)
        .where(
            Message.category == NON_REQUEST,
            Message.direction == "in",
            col(Message.case_id).is_(None),
            col(Message.received_at) >= since,
        )
        .order_by(col(Message.received_at).desc(), col(Message.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def count_set_aside(session: Session, *, since: datetime) -> tuple[int, int]:
    """(quarantined and unresolved, read as not a request since `since` and caseless)."""
    stuck = session.exec(
        select(func.count()).select_from(Quarantine).where(col(Quarantine.resolved_at).is_(None))
    ).one()
    others = session.exec(
        select(func.count())
        .select_from(Message)
        .where(
            Message.category == NON_REQUEST,
            Message.direction == "in",
            col(Message.case_id).is_(None),
            col(Message.received_at) >= since,
        )
    ).one()
    return int(stuck), int(others)


def open_case_from_message(
    session: Session,
    *,
    message_id: int,
    kinds: list[str],
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    sender: Sender,
    policy: DeskPolicy = DEFAULT_POLICY,
    daily_cap: int | None = None,
) -> Case:
    """Open the case a mail read as "not a request" really asked for, received when it came.

    The mail joins the case, the sender-match check and the acknowledgement run as at
    intake, and the correction is recorded with who made it.
    """
    message = session.get(Message, message_id)
    if message is None or message.direction != "in":
        raise NotFound(f"no inbound mail {message_id}")
    if message.case_id is not None:
        case = session.get(Case, message.case_id)
        raise UserError(f"mail {message_id} already belongs to {case.reference if case else '?'}")
    if message.category != NON_REQUEST:
        raise UserError(f"mail {message_id} was read as {message.category}, not as a non-request")
    parsed = [k.value for k in parse_kinds(kinds)]
    if not parsed:
        raise UserError("name the kinds the mail asks for, e.g. --kinds access")
    case = ops._apply_open(
        session,
        kinds=parsed,
        received_at=message.received_at,  # the clock started when the mail arrived
        now=now,
        actor=actor,
        requester_email=message.from_addr,
        language=message.language or controller.fallback_language,
        channel="email",
        evidence={"message": message.message_id, "reclassified_from": NON_REQUEST},
        policy=policy,
    )
    message.case_id = case.id
    message.category = "request"
    session.add(message)
    ops.record(session, case, actor=actor, action=AuditAction.RECLASSIFIED, now=now, kinds=parsed)
    identity._apply_sender_match(session, case, actor=actor, now=now, policy=policy)
    queue_acknowledgement(
        session,
        case=case,
        inbound=message,
        deps_controller=controller,
        sender=sender,
        now=now,
        daily_cap=daily_cap,
    )
    session.commit()
    session.refresh(case)
    return case
