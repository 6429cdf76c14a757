"""Preview the pending reply of a case and approve it: the approved text is what goes out."""

from __future__ import annotations

from bot.blocks import APPROVE_REPLY, MESSAGE_BLOCKS, Block, Reply, escape, row_id, section
from bot.deps import BotDeps
from bot.reply_view import preview_body
from cases import operations as ops
from cases import replies
from cases.drafts import is_notice, notice_warnings, pending_drafts
from store.models import Draft


def preview(deps: BotDeps, reference: str) -> Reply:
    """The pending draft, shown privately to the allowed user who asked, with Approve."""
    with deps.session_factory() as session:
        case = ops.get_case(session, reference)
        draft = replies.pending_draft(session, reference=case.reference)
        if draft is None:
            return Reply(f"{case.reference} has no reply waiting for approval.")
        heading = (
            f"*Reply to {case.reference}* ({escape(draft.template)}, {draft.language})\n"
            f"To: {escape(draft.to_addr or case.requester_email or 'no address')}\n"
            f"Subject: {escape(draft.subject)}"
        )
        names = [str(a.get("filename") or "attachment") for a in draft.attachments or []]
        after: list[Block] = []
        if names:
            after.append(section("Attachments: " + ", ".join(escape(n) for n in names)))
        # Approval also sends the Art. 19 notices: the approver sees whom they go to.
        notices = [d for d in pending_drafts(session, reference=case.reference) if is_notice(d)]
        for notice in notices:
            after.append(
                section(
                    f"Also sent on approval: Art. 19 notice to {escape(notice.to_addr or '?')}"
                    f" ({escape(notice.subject)})"
                )
            )
        for line in notice_warnings(session, case):
            after.append(section(f"⚠️ {escape(line)}"))
        after.append(approve_button(case.reference, draft.id))
        # The reply exactly as it is mailed, in what room one message leaves (50 blocks).
        room = MESSAGE_BLOCKS - 1 - len(after)
        body = preview_body(draft.body_text, room=room, reference=case.reference, draft_id=draft.id)
        blocks: list[Block] = [section(heading), *body, *after]
        return Reply(f"Reply to {case.reference}: {escape(draft.subject)}", blocks)


def approve_button(reference: str, draft_id: int | None) -> Block:
    """Approve and send, behind a confirmation: the mail cannot be called back."""
    return {
        "type": "actions",
        "block_id": f"approve:{reference}",
        "elements": [
            {
                "type": "button",
                "style": "primary",
                "text": {"type": "plain_text", "text": "Approve and send"},
                "action_id": APPROVE_REPLY,
                "value": f"{reference}#{draft_id}",
                "confirm": {
                    "title": {"type": "plain_text", "text": "Send this reply?"},
                    "text": {"type": "mrkdwn", "text": f"The reply to {reference} is mailed."},
                    "confirm": {"type": "plain_text", "text": "Send"},
                    "deny": {"type": "plain_text", "text": "Not yet"},
                },
            }
        ],
    }


def approve(deps: BotDeps, reference: str, *, user: str, draft_id: int | None = None) -> Reply:
    """Approve the pending draft; with `draft_id`, only if it is still the one previewed."""
    with deps.session_factory() as session:
        case = ops.get_case(session, reference)
        if draft_id is not None:
            current = replies.pending_draft(session, reference=case.reference)
            if current is None or current.id != draft_id:
                previewed = session.get(Draft, draft_id)
                if previewed and previewed.case_id == case.id and previewed.status == "approved":
                    return Reply(
                        f"{case.reference}: the reply was already approved by"
                        f" {previewed.approved_by}; nothing more was sent."
                    )
                return Reply(
                    f"The reply to {case.reference} changed since you previewed it:"
                    " preview it again before approving."
                )
        outbox = replies.approve_draft(
            session,
            reference=case.reference,
            actor=deps.actor(user),
            now=deps.clock(),
            sender=deps.sender,
            daily_cap=deps.daily_cap,
        )
        return Reply(
            f"Approved: the reply to {case.reference} is queued for sending (outbox #{outbox.id})."
        )


def parse_approve_value(value: str) -> tuple[str, int | None]:
    """The reference and draft id an Approve button carries (`REF#ID`)."""
    reference, _, draft = value.partition("#")
    return reference, row_id(draft)
