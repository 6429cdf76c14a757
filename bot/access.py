"""The allow-list: only the designated employees may touch the register from Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.blocks import section
from bot.deps import BotDeps
from bot.modals import message
from bot.tasks import owner_may
from cases import operations as ops
from store.actions import AuditAction

log = logging.getLogger(__name__)

# The privacy notice: only designated employees, each with their own credentials, may
# process the register. The refusal says nothing of any case, not even whether one exists.
REFUSAL = (
    "Sorry, rightsdesk is only for the people designated to handle the customer register."
    " Ask the register's contact person if you should be one of them."
)


def requesting_user(body: dict[str, Any], known: str | None = None) -> str | None:
    """The Slack user behind a request: commands, interactions and events say it differently."""
    if known:
        return known
    user = body.get("user_id") or body.get("user") or body.get("event", {}).get("user")
    if isinstance(user, dict):
        user = user.get("id")
    return str(user) if user else None


def surface(body: dict[str, Any]) -> str:
    """Which Slack surface a request came from: command, block_actions, view_submission, event."""
    if "command" in body:
        return "command"
    kind = str(body.get("type") or "unknown")
    if kind == "event_callback":
        return f"event:{body.get('event', {}).get('type', 'unknown')}"
    return kind


def record_refusal(deps: BotDeps, *, user: str | None, where: str) -> None:
    """Put the refused attempt in the audit trail; the request's text is not kept."""
    with deps.session_factory() as session:
        ops.record(
            session,
            None,
            actor=deps.actor(user or "unknown"),
            action=AuditAction.SLACK_ACCESS_DENIED,
            now=deps.clock(),
            surface=where,
        )
        session.commit()
    log.warning("refused a Slack %s from a user not on the allow-list (audited)", where)


def refuse(
    deps: BotDeps,
    *,
    body: dict[str, Any],
    user: str | None,
    client: WebClient,
    respond: Callable[..., Any] | None,
) -> BoltResponse:
    """Audit the attempt and answer with the refusal alone."""
    where = surface(body)
    record_refusal(deps, user=user, where=where)
    if where == "command":
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": REFUSAL})
    if where == "view_submission":
        view = message("Not allowed", REFUSAL)
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if where == "block_actions" and respond is not None and body.get("response_url"):
        respond(text=REFUSAL, response_type="ephemeral", replace_original=False)
    elif where == "event:app_home_opened" and user:
        client.views_publish(
            user_id=user,
            view={"type": "home", "blocks": [section(REFUSAL)]},
        )
    return BoltResponse(status=200, body="")


def allow_list(deps: BotDeps) -> Callable[..., BoltResponse | None]:
    """Global middleware: pass allowed users on, refuse everyone else."""

    def only_designated_users(
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        next_: Callable[[], None],
    ) -> BoltResponse | None:
        user = requesting_user(body, context.user_id)
        if deps.is_allowed(user) or owner_may(deps, body, user):
            next_()
            return None
        return refuse(deps, body=body, user=user, client=client, respond=context.respond)

    return only_designated_users
