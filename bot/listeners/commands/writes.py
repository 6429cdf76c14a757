"""Subcommands that change a case: acknowledged first, answered through the response URL."""

from __future__ import annotations

from bot import drafts, openers
from bot.blocks import Reply, due_text, parse_mention, status_label
from bot.listeners.commands.call import Call
from cases import identity
from cases import operations as ops
from cases.task_work import finish_task
from cases.tasks import open_tasks
from store.models import Case


def _done(what: str, case: Case) -> Reply:
    return Reply(f"{what} {case.reference}: {status_label(case)}, due {due_text(case)}.")


def assign(call: Call) -> Reply:
    """`assign REF @user|me`: Slack sends the mention escaped as <@U123|name>."""
    ref, target = call.split(2, 2)
    reference = call.reference(ref)
    user = call.user if target.strip().lower() == "me" else parse_mention(target)
    if user is None:
        raise call.fail()
    with call.deps.session_factory() as session:
        case = ops.assign(
            session,
            reference=reference,
            assignee=call.deps.actor(user),
            actor=call.actor,
            now=call.deps.clock(),
        )
    return Reply(f"Assigned {case.reference} to <@{user}>.")


def note(call: Call) -> Reply:
    """`note REF TEXT`."""
    ref, text = call.split(2, 2)
    reference = call.reference(ref)
    with call.deps.session_factory() as session:
        case = ops.note(
            session,
            reference=reference,
            text=text,
            actor=call.actor,
            now=call.deps.clock(),
        )
    return Reply(f"Noted on {case.reference}.")


def verify(call: Call) -> Reply | None:
    """`verify REF METHOD REASON`, or `verify REF` for the form."""
    words = call.split(1, 3)
    ref = call.reference(words[0])
    if len(words) == 1:
        openers.open_verify(
            call.deps, call.client, trigger_id=call.trigger_id or "", reference=ref, meta=call.meta
        )
        return None
    if len(words) < 3:
        raise call.fail()
    with call.deps.session_factory() as session:
        case = identity.verify_manually(
            session,
            reference=ref,
            method=words[1],
            reason=words[2],
            actor=call.actor,
            now=call.deps.clock(),
            policy=call.deps.policy,
        )
    return _done("Identity verified for", case)


def pause(call: Call) -> Reply:
    """`pause REF [identity|clarification] [REASON]` (EDPB 01/2022 §159)."""
    words = call.split(1, 3)
    waiting_for = "clarification"
    if len(words) > 1 and words[1].lower() in ("identity", "clarification"):
        waiting_for = words.pop(1).lower()
    reason = " ".join(words[1:]) or f"waiting for the requester's {waiting_for}"
    reference = call.reference(words[0])
    with call.deps.session_factory() as session:
        case = ops.pause(
            session,
            reference=reference,
            waiting_for=waiting_for,
            reason=reason,
            actor=call.actor,
            now=call.deps.clock(),
        )
    return _done("Clock paused for", case)


def resume(call: Call) -> Reply:
    """`resume REF [REASON]`."""
    words = call.split(1, 2)
    reference = call.reference(words[0])
    with call.deps.session_factory() as session:
        case = ops.resume(
            session,
            reference=reference,
            reason=words[1] if len(words) > 1 else None,
            actor=call.actor,
            now=call.deps.clock(),
            policy=call.deps.policy,
        )
    return _done("Clock restarted for", case)


def close(call: Call) -> Reply:
    """`close REF [OUTCOME]`."""
    words = call.split(1, 2)
    reference = call.reference(words[0])
    with call.deps.session_factory() as session:
        case = ops.close(
            session,
            reference=reference,
            outcome=words[1] if len(words) > 1 else None,
            actor=call.actor,
            now=call.deps.clock(),
        )
    return _done("Closed", case)


def draft(call: Call) -> Reply:
    """`draft REF`: the pending reply, privately, with an Approve button."""
    (ref,) = call.split(1, 1)
    return drafts.preview(call.deps, call.reference(ref))


def approve(call: Call) -> Reply:
    """`approve REF`: the pending reply is queued for sending."""
    (ref,) = call.split(1, 1)
    return drafts.approve(call.deps, call.reference(ref), user=call.user)


def new(call: Call) -> None:
    """`new`: the form for a letter or a phone call."""
    openers.open_new_case(call.deps, call.client, trigger_id=call.trigger_id or "", meta=call.meta)


def _case_form(call: Call, opener: openers.CaseFormOpener) -> None:
    """`SUB REF`: open the case's form (the opener checks first what can be checked)."""
    (ref,) = call.split(1, 1)
    opener(
        call.deps,
        call.client,
        trigger_id=call.trigger_id or "",
        reference=call.reference(ref),
        meta=call.meta,
    )


def extend(call: Call) -> None:
    """`extend REF`: the form that requires the reasons, or why it is too late."""
    _case_form(call, openers.open_extend)


def refuse(call: Call) -> None:
    """`refuse REF`: the form for the reasons (Art. 12(4))."""
    _case_form(call, openers.open_refuse)


def lift(call: Call) -> None:
    """`lift REF`: the form for the reason and the day the person was told (Art. 18(3))."""
    _case_form(call, openers.open_lift)


def not_done(call: Call) -> Reply:
    """`not-done TASK REASON`: the task will not be done, and why, as `tasks not-done` does."""
    number, reason = call.split(2, 2)
    task_id = call.number(number)
    with call.deps.session_factory() as session:
        _, case, draft, waiting = finish_task(
            session,
            task_id=task_id,
            outcome="not_done",
            note=reason,
            actor=call.actor,
            now=call.deps.clock(),
            controller=call.deps.controller,
            env=call.deps.system_env,
        )
        left = len(open_tasks(session, case))
        reference = case.reference
    lines = [f"Task {task_id} ({reference}) is recorded as not done, with your reason."]
    if draft is not None:
        preview = f"`{call.deps.command} draft {reference}`"
        lines.append(f"The reply of {reference} is drafted again with it: {preview}.")
    if waiting is not None:
        # The answer is kept; only the redraft waits for the system (as at the terminal).
        lines.append(f"{reference} waits for a system: {waiting}; the reply is drafted later.")
    if left:
        lines.append(f"{reference}: {left} task(s) still open.")
    return Reply("\n".join(lines))
