"""The acknowledgement every new case gets: reference, receipt date and due date.

A right added to a case from its thread is acknowledged the same way (`added_kinds`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from cases.controller import ControllerConfig
from cases.fulfilment.suppression import is_suppressed
from cases.outbox import QueuedMail, Sender, queue_mail
from cases.reply_context import base_context
from store.models import Case, Customer
from templates.loader import render_email


class Inbound(Protocol):
    """What an acknowledgement threads on: the mail it answers."""

    @property
    def message_id(self) -> str: ...
    @property
    def references(self) -> list[str]: ...


def queue_acknowledgement(
    session: Session,
    *,
    case: Case,
    inbound: Inbound,
    deps_controller: ControllerConfig,
    sender: Sender,
    now: datetime,
    daily_cap: int | None,
    added_kinds: list[str] | None = None,
) -> QueuedMail | None:
    """Queue the automatic acknowledgement in the requester's language, in the intake transaction.

    Nothing is sent to our own address or to an address that bounced; the daily
    cap per address stops a loop with another robot (design.md §2.6). `added_kinds`: the
    rights a mail in the thread just added to the case, which the acknowledgement names.
    """
    to = case.requester_email
    if not to or to == sender.address.lower() or case.requester_undeliverable:
        return None
    context = base_context(deps_controller, case)
    # The greeting never echoes the sender's display name: a crafted one would put attacker
    # text in our own mail to any address (issue 11). The register's name once verified.
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    verified = case.identity_status == "verified" and customer is not None
    context["case"]["requester_name"] = customer.name if verified and customer else None
    # Opt-outs are in force from intake (Art. 21(3)): the acknowledgement says so.
    context["opt_outs"] = [
        s for s in is_suppressed(session, to) if s in ("marketing", "publication")
    ]
    context["opt_out_address"] = to
    # Art. 12(3): a right asked for later is acknowledged too, with the case's one deadline.
    context["added_kinds"] = list(added_kinds or [])
    rendered = render_email(
        "acknowledgement",
        case.language,
        context,
        fallback=deps_controller.fallback_language,
    )
    return queue_mail(
        session,
        case=case,
        sender=sender,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        purpose="acknowledgement",
        now=now,
        automatic=True,
        in_reply_to=inbound.message_id,
        references=[*inbound.references, inbound.message_id],
        daily_cap=daily_cap,
    )
