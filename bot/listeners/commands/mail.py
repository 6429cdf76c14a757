"""`/rights mail` and `/rights from-mail`: mail the intake set aside, for a person to judge."""

from __future__ import annotations

from datetime import timedelta

from bot.blocks import Block, Reply, due_text, escape, section
from bot.listeners.commands.call import Call
from cases import deadlines
from cases.mail_review import (
    REVIEW_DAYS,
    non_requests,
    open_case_from_message,
    open_quarantine,
)


def review(call: Call) -> Reply:
    """Quarantined mail and mail read as not a request (last 14 days); private to the asker."""
    now = call.deps.clock()
    with call.deps.session_factory() as session:
        stuck = open_quarantine(session, limit=10)
        others = non_requests(session, since=now - timedelta(days=REVIEW_DAYS), limit=15)
    lines: list[str] = []
    for q in stuck:
        day = deadlines.receipt_date(q.created_at).isoformat()
        lines.append(f"⚠️ quarantine {q.id} · {day} · {escape(q.reason)}")
    for m in others:
        day = deadlines.receipt_date(m.received_at).isoformat()
        who = escape(m.from_addr or "unknown sender")
        lines.append(f"✉️ mail {m.id} · {day} · {who} · {escape(m.subject or '(no subject)')}")
    if not lines:
        return Reply(
            f"Nothing set aside: no quarantined mail, no non-request in {REVIEW_DAYS} days."
        )
    hint = (
        f"A mail that does ask for a right: `{call.deps.command} from-mail ID KIND[,KIND]`;"
        " its clock started when it arrived. Quarantined mail: `rightsdesk quarantine retry ID`."
    )
    blocks: list[Block] = [section("*Mail set aside by the intake*")]
    blocks += [section(line) for line in lines] + [section(hint)]
    return Reply("Mail set aside by the intake:\n" + "\n".join(lines), blocks)


def from_mail(call: Call) -> Reply:
    """`from-mail ID KIND[,KIND]`: open the case a mail read as not a request asked for."""
    words = call.split(2, 2)
    message_id = call.number(words[0])
    deps = call.deps
    with deps.session_factory() as session:
        case = open_case_from_message(
            session,
            message_id=message_id,
            kinds=[k for k in words[1].replace(" ", ",").split(",") if k],
            actor=call.actor,
            now=deps.clock(),
            controller=deps.controller,
            sender=deps.sender,
            policy=deps.policy,
            daily_cap=deps.daily_cap,
        )
    return Reply(
        f"Opened {case.reference} from mail {words[0]}, received"
        f" {case.receipt_date.isoformat()}, due {due_text(case)}; the requester is acknowledged."
    )
