"""The slash command (`/rights` by default) and its subcommands."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import Reply
from bot.deps import BotDeps
from bot.errors import run_guarded
from bot.listeners.commands import mail, reads, writes
from bot.listeners.commands.call import Call, usage

# Answered inside the acknowledgement: indexed queries with a LIMIT, well under Slack's 3 s.
IN_ACK: dict[str, Callable[[Call], Reply]] = {
    "help": reads.help_text,
    "list": reads.list_cases,
    "show": reads.show_case,
    "stats": reads.show_stats,
    "mail": mail.review,
}
# Acknowledged first, then done and answered through the response URL: every write, the
# modals (trigger ids expire in 3 s) and search, which scans names and addresses.
AFTER_ACK: dict[str, Callable[[Call], Reply | None]] = {
    "search": reads.search_cases,
    "new": writes.new,
    "assign": writes.assign,
    "note": writes.note,
    "verify": writes.verify,
    "pause": writes.pause,
    "resume": writes.resume,
    "extend": writes.extend,
    "draft": writes.draft,
    "approve": writes.approve,
    "refuse": writes.refuse,
    "close": writes.close,
    "lift": writes.lift,
    "not-done": writes.not_done,
    "from-mail": mail.from_mail,
}


def run_rights_command(
    deps: BotDeps,
    *,
    ack: Callable[..., Any],
    command: dict[str, Any],
    respond: Callable[..., Any],
    client: WebClient,
) -> None:
    """Route `/rights SUB ARGS` to its subcommand; anything else gets the usage."""
    sub, _, args = str(command.get("text") or "").strip().partition(" ")
    sub = sub.lower() or "help"
    call = Call(
        deps=deps,
        user=str(command.get("user_id") or ""),
        sub=sub,
        args=args.strip(),
        client=client,
        respond=respond,
        trigger_id=command.get("trigger_id"),
        response_url=command.get("response_url"),
        channel_id=command.get("channel_id"),
    )
    if sub in IN_ACK:
        ack(response_type="ephemeral", **IN_ACK[sub](call).as_kwargs())
        return
    if sub not in AFTER_ACK:
        ack(response_type="ephemeral", text=f"Unknown subcommand `{sub}`.\n" + usage(deps.command))
        return
    ack()
    answer = AFTER_ACK[sub](call)
    if answer is not None:
        respond(response_type="ephemeral", replace_original=False, **answer.as_kwargs())


def register(app: App, deps: BotDeps) -> None:
    """Attach the slash command to the app."""

    @app.command(deps.command)
    def rights_command(
        ack: Callable[..., Any],
        command: dict[str, Any],
        respond: Callable[..., Any],
        client: WebClient,
        body: dict[str, Any],
    ) -> None:
        run_guarded(
            partial(run_rights_command, deps, command=command, respond=respond, client=client),
            ack=ack,
            body=body,
            respond=respond,
            client=client,
        )
