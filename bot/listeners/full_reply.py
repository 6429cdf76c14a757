"""The full text of a reply too long for its preview message, page by page in a modal."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import BotDeps
from bot.errors import run_guarded
from bot.reply_view import SHOW_FULL_REPLY, page_view, parse_page_value
from cases import operations as ops
from cases import replies
from cases.errors import UserError


def show_page(deps: BotDeps, *, ack: Any, body: dict[str, Any], client: WebClient) -> None:
    """Open the modal at the page asked for, or turn the page of the open one."""
    ack()
    action = (body.get("actions") or [{}])[0]
    reference, draft_id, page = parse_page_value(str(action.get("value") or ""))
    with deps.session_factory() as session:
        case = ops.get_case(session, reference)
        draft = replies.pending_draft(session, reference=case.reference)
        if draft is None or draft.id != draft_id:
            raise UserError(
                f"The reply to {case.reference} changed since you previewed it:"
                " preview it again before approving."
            )
        view = page_view(draft.body_text, reference=case.reference, draft_id=draft.id, page=page)
    opened = body.get("view") or {}
    if opened.get("type") == "modal" and opened.get("id"):
        client.views_update(view_id=opened["id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, deps: BotDeps) -> None:
    """Attach the page buttons (`show_full_reply:PAGE`)."""

    @app.action(re.compile(rf"^{SHOW_FULL_REPLY}:\d+$"))
    def show_full_reply(ack: Any, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        work = partial(show_page, deps, body=body, client=client)
        run_guarded(work, ack=ack, body=body, respond=respond, client=client)
