"""Buttons: on the channel message, in App Home, and Approve under a reply preview."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import drafts, openers
from bot.blocks import (
    APPROVE_REPLY,
    ASSIGN_TO_ME,
    EXTEND,
    PREVIEW_REPLY,
    REMIND_REQUESTER,
    RESUME,
    SEND_CODE,
    VERIFY_IDENTITY,
    Reply,
    row_id,
    status_label,
)
from bot.deps import BotDeps
from bot.errors import run_guarded, tell_user
from bot.home import OPEN_NEW_CASE, publish_home
from bot.modals import message
from bot.tasks import (
    TASK_DONE,
    TASK_NOTHING,
    TASK_RECORD,
    TASK_RECORD_NOTHING,
    closed_text,
    done_form,
    waiting_text,
)
from cases import identity, requester_reminder
from cases import operations as ops
from cases.errors import UserError
from cases.task_work import finish_task
from cases.tasks import get_task, mailed_file_sizes
from store.models import Case

Listener = Callable[..., None]


def _clicked(body: dict[str, Any]) -> tuple[str, str]:
    """The clicking user and the button's value (a case reference)."""
    action = (body.get("actions") or [{}])[0]
    return str(body.get("user", {}).get("id") or ""), str(action.get("value") or "")


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    """What a modal opened from a button needs to answer afterwards."""
    return {
        "response_url": body.get("response_url"),
        "channel_id": (body.get("channel") or {}).get("id"),
    }


def _answer(
    deps: BotDeps, body: dict[str, Any], client: WebClient, respond: Any, reply: Reply
) -> None:
    """Tell the clicking user; App Home is republished so it shows the new state."""
    view = body.get("view") or {}
    if view.get("type") == "home":
        publish_home(deps, client, _clicked(body)[0])  # the new state is the answer
        return
    if view.get("type") == "modal" and view.get("id"):
        client.views_update(view_id=view["id"], view=message("rightsdesk", reply.text))
    elif respond is not None and body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, **reply.as_kwargs())
    else:
        tell_user(body, text=reply.text, respond=None, client=client)


def assign_to_me(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Make the clicking user responsible for the case."""
    ack()
    user, reference = _clicked(body)
    with deps.session_factory() as session:
        case = ops.assign(
            session,
            reference=reference,
            assignee=deps.actor(user),
            actor=deps.actor(user),
            now=deps.clock(),
        )
    _answer(deps, body, client, respond, Reply(f"{case.reference} is yours now."))


def verify_identity(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Open the identity-check form."""
    ack()
    _, reference = _clicked(body)
    openers.open_verify(
        deps, client, trigger_id=body["trigger_id"], reference=reference, meta=_meta(body)
    )


def extend_case(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Open the extension form, or explain why it is too late (Art. 12(3))."""
    ack()
    _, reference = _clicked(body)
    openers.open_extend(
        deps, client, trigger_id=body["trigger_id"], reference=reference, meta=_meta(body)
    )


def preview_reply(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Show the pending reply privately: ephemeral in the channel, a modal from App Home."""
    ack()
    _, reference = _clicked(body)
    reply = drafts.preview(deps, reference)
    if body.get("response_url") and respond is not None:
        respond(response_type="ephemeral", replace_original=False, **reply.as_kwargs())
        return
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Reply preview"},
        "blocks": reply.blocks or [message("rightsdesk", reply.text)["blocks"][0]],
    }
    client.views_open(trigger_id=body["trigger_id"], view=view)


def approve_reply(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Approve the previewed reply, if it is still the pending one."""
    ack()
    user, value = _clicked(body)
    reference, draft_id = drafts.parse_approve_value(value)
    reply = drafts.approve(deps, reference, user=user, draft_id=draft_id)
    _answer(deps, body, client, respond, reply)


def resume_case(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Restart the clock of a paused case."""
    ack()
    user, reference = _clicked(body)
    with deps.session_factory() as session:
        case = ops.resume(
            session,
            reference=reference,
            actor=deps.actor(user),
            now=deps.clock(),
            policy=deps.policy,
        )
    _answer(deps, body, client, respond, Reply(f"{case.reference}: {status_label(case)}."))


def remind_requester(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Mail the requester our question once more (once per wait); the clock stays paused."""
    ack()
    user, reference = _clicked(body)
    with deps.session_factory() as session:
        requester_reminder.remind_requester(
            session,
            reference=reference,
            actor=deps.actor(user),
            now=deps.clock(),
            sender=deps.sender,
        )
    _answer(deps, body, client, respond, Reply(f"{reference}: the requester is reminded once."))


def send_code(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """What `rightsdesk cases identify` does: sender match, else the code to the register."""
    ack()
    user, reference = _clicked(body)
    args: dict[str, Any] = {"reference": reference, "actor": deps.actor(user), "now": deps.clock()}
    with deps.session_factory() as session:
        if identity.verify_sender_match(session, policy=deps.policy, **args) is not None:
            text = f"{reference}: verified, the authenticated sender address matches the register"
        elif identity.send_code(
            session,
            sender=deps.sender,
            controller=deps.controller,
            policy=deps.policy,
            daily_cap=deps.daily_cap,
            **args,
        ):
            text = f"{reference}: one-time code queued to the address in the register; case paused"
        else:
            text = f"{reference}: the daily cap of automatic mail to that address is reached"
    _answer(deps, body, client, respond, Reply(text))


def open_new_case(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """App Home's New request button."""
    ack()
    openers.open_new_case(deps, client, trigger_id=body["trigger_id"], meta={})


def _task_id(value: str) -> int:
    return row_id(value) or 0


def task_done(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """The owner's Done: a form for the note (and for a copy, the export)."""
    _open_done_form(deps, ack=ack, body=body, client=client, respond=respond, desk=False)


def task_record(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Record outcome under an owner's mailed answer: the form, with the files they mailed."""
    _open_done_form(deps, ack=ack, body=body, client=client, respond=respond, desk=True)


def _open_done_form(
    deps: BotDeps,
    *,
    ack: Any,
    body: dict[str, Any],
    client: WebClient,
    respond: Any,
    desk: bool,
) -> None:
    ack()
    _, value = _clicked(body)
    with deps.session_factory() as session:
        task = get_task(session, _task_id(value))
        case = session.get(Case, task.case_id)
        closed = closed_text(task, case)
        if closed is not None or case is None:
            _answer(deps, body, client, respond, Reply(closed or f"Task {task.id} is closed."))
            return
        # Names and sizes only: the form must open within Slack's three seconds.
        offered = mailed_file_sizes(session, task) if desk else None
        view = done_form(task, case, _meta(body), offered)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def task_nothing_there(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """The owner's Nothing there: the system holds nothing about the person."""
    _nothing_there(deps, ack=ack, body=body, client=client, respond=respond, desk=False)


def task_record_nothing_there(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient, respond: Any
) -> None:
    """Nothing there under an owner's mailed answer, as `tasks done --nothing-there`."""
    _nothing_there(deps, ack=ack, body=body, client=client, respond=respond, desk=True)


def _nothing_there(
    deps: BotDeps,
    *,
    ack: Any,
    body: dict[str, Any],
    client: WebClient,
    respond: Any,
    desk: bool,
) -> None:
    ack()
    user, value = _clicked(body)
    with deps.session_factory() as session:
        task = get_task(session, _task_id(value))
        closed = closed_text(task, session.get(Case, task.case_id))
        if closed is not None:
            raise UserError(closed)
        task, case, _, waiting = finish_task(
            session,
            task_id=task.id or 0,
            outcome="nothing_there",
            note=None,
            actor=deps.actor(user),
            now=deps.clock(),
            controller=deps.controller,
            env=deps.system_env,
        )
        text = (
            f"Task {task.id} ({case.reference}) is recorded as nothing there."
            if desk
            else f"Thank you: task {task.id} ({case.reference}) is recorded as nothing there."
        ) + waiting_text(waiting)
    _answer(deps, body, client, respond, Reply(text))


HANDLERS: dict[str, Callable[..., None]] = {
    ASSIGN_TO_ME: assign_to_me,
    VERIFY_IDENTITY: verify_identity,
    EXTEND: extend_case,
    PREVIEW_REPLY: preview_reply,
    APPROVE_REPLY: approve_reply,
    RESUME: resume_case,
    REMIND_REQUESTER: remind_requester,
    SEND_CODE: send_code,
    OPEN_NEW_CASE: open_new_case,
    TASK_DONE: task_done,
    TASK_NOTHING: task_nothing_there,
    TASK_RECORD: task_record,
    TASK_RECORD_NOTHING: task_record_nothing_there,
}


def register(app: App, deps: BotDeps) -> None:
    """Attach each button; `id` and `id:REF` both match (list rows need unique ids)."""
    for action_id, handler in HANDLERS.items():
        app.action(re.compile(rf"^{re.escape(action_id)}(:.+)?$"))(_bind(deps, handler))


def _bind(deps: BotDeps, handler: Callable[..., None]) -> Listener:
    def listener(ack: Any, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        work = partial(handler, deps, body=body, client=client, respond=respond)
        run_guarded(work, ack=ack, body=body, respond=respond, client=client)

    listener.__name__ = handler.__name__  # Bolt names listeners in its logs by function name
    return listener
