"""Open the modals, checking first what can be checked (trigger ids expire in three seconds)."""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk import WebClient

from bot import modals
from bot.deps import BotDeps
from cases import deadlines
from cases import operations as ops
from cases.errors import UserError
from cases.fulfilment.restriction_state import check_liftable
from cases.lifecycle import check_transition


class CaseFormOpener(Protocol):
    """An opener of one case's form: `open_extend`, `open_refuse`, `open_lift`."""

    def __call__(
        self,
        deps: BotDeps,
        client: WebClient,
        *,
        trigger_id: str,
        reference: str,
        meta: dict[str, Any],
    ) -> None: ...


def open_new_case(
    deps: BotDeps, client: WebClient, *, trigger_id: str, meta: dict[str, Any]
) -> None:
    """The form for a request that came by letter, phone or in person."""
    today = deadlines.receipt_date(deps.clock())
    client.views_open(trigger_id=trigger_id, view=modals.new_case(today, meta))


def open_extend(
    deps: BotDeps, client: WebClient, *, trigger_id: str, reference: str, meta: dict[str, Any]
) -> None:
    """The extension form, or a refusal that explains why it is too late (Art. 12(3))."""
    with deps.session_factory() as session:
        case = ops.get_case(session, reference)
    check_transition("extend", case.status)
    if case.extended_due_date is not None:
        raise UserError(f"{case.reference} is already extended to {case.extended_due_date}.")
    # The reason is asked for in the modal; here only the one-month limit is checked.
    deadlines.check_extension(due=case.due_date, now=deps.clock(), reason="pending")
    view = modals.extend(case, {**meta, "reference": case.reference})
    client.views_open(trigger_id=trigger_id, view=view)


def open_refuse(
    deps: BotDeps, client: WebClient, *, trigger_id: str, reference: str, meta: dict[str, Any]
) -> None:
    """The refusal form (Art. 12(4)), for a case that may still be refused."""
    with deps.session_factory() as session:
        case = ops.get_case(session, reference)
    check_transition("refuse", case.status)
    client.views_open(
        trigger_id=trigger_id, view=modals.refuse(case, {**meta, "reference": case.reference})
    )


def open_verify(
    deps: BotDeps, client: WebClient, *, trigger_id: str, reference: str, meta: dict[str, Any]
) -> None:
    """The identity-check form (Art. 12(6))."""
    with deps.session_factory() as session:
        case = ops.get_case(session, reference)
    check_transition("verify", case.status)
    client.views_open(
        trigger_id=trigger_id, view=modals.verify(case, {**meta, "reference": case.reference})
    )


def open_lift(
    deps: BotDeps, client: WebClient, *, trigger_id: str, reference: str, meta: dict[str, Any]
) -> None:
    """The lifting form (Art. 18(3)), for a restriction made, confirmed and not yet lifted."""
    with deps.session_factory() as session:
        case = ops.get_case(session, reference)
        check_liftable(session, case, approve_with=f"`{deps.command} approve {case.reference}`")
    view = modals.lift(case, {**meta, "reference": case.reference})
    client.views_open(trigger_id=trigger_id, view=view)
