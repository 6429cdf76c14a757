"""Modal submissions: new case, extend, refuse, verify, lift; errors are keyed by input block."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import modals
from bot.blocks import due_text
from bot.deps import BotDeps
from bot.errors import run_guarded
from bot.respond import check_webhook
from bot.tasks import (
    TASK_MAILED,
    TASK_MODAL,
    TASK_NOTE,
    chosen_file,
    closed_text,
    has_upload,
    submitted_file,
    waiting_text,
)
from cases import deadlines, decisions, identity
from cases import operations as ops
from cases.errors import UserError, Waiting
from cases.fulfilment.lifting import Lifted, lift_case, report_lines
from cases.fulfilment.restriction_state import check_liftable, told_too_early
from cases.task_work import finish_task
from cases.tasks import TaskFile, get_task
from store.models import Case
from store.sanitise import clean_line

Errors = dict[str, str]


def _user(body: dict[str, Any]) -> str:
    return str(body.get("user", {}).get("id") or "")


def _tell(body: dict[str, Any], view: dict[str, Any], client: WebClient, text: str) -> None:
    """Answer where the modal was opened from: its response URL, else a direct message."""
    url = modals.metadata(view).get("response_url")
    if url:
        answer = WebhookClient(url).send(
            text=text, response_type="ephemeral", replace_original=False
        )
        check_webhook(answer, modals.metadata(view).get("reference"))
    elif _user(body):
        client.chat_postMessage(channel=_user(body), text=text)


def _new_case_errors(view: dict[str, Any], now: datetime) -> tuple[Errors, dict[str, Any]]:
    """Check the form; return the errors by block id and the parsed fields."""
    errors: Errors = {}
    name = clean_line(modals.text_value(view, modals.REQUESTER_NAME))
    if not name:
        errors[modals.REQUESTER_NAME] = "Give the requester's name."
    kinds = modals.value(view, modals.KINDS)
    if not isinstance(kinds, list) or not kinds:
        errors[modals.KINDS] = "Choose at least one kind of request."
    if not modals.text_value(view, modals.CHANNEL):
        errors[modals.CHANNEL] = "Choose how the request arrived."
    day_text = modals.text_value(view, modals.RECEIVED)
    arrived: datetime | None = None
    if not day_text:
        errors[modals.RECEIVED] = "Pick the date the request arrived."
    else:
        try:  # the terminal's rule for a date without a time (cases.deadlines)
            arrived = deadlines.arrival_on(deadlines.parse_day(day_text), now)
        except UserError as exc:
            errors[modals.RECEIVED] = str(exc)
    email = modals.text_value(view, modals.REQUESTER_EMAIL) or None
    if email:
        try:
            ops.check_address(email)
        except UserError as exc:
            errors[modals.REQUESTER_EMAIL] = str(exc)
    fields = {
        "requester_name": name,
        "requester_email": email,
        "kinds": kinds if isinstance(kinds, list) else [],
        "channel": modals.text_value(view, modals.CHANNEL),
        "language": modals.text_value(view, modals.LANGUAGE) or "fi",
        "received_at": arrived,
    }
    return errors, fields


def submit_new_case(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Open a case from the form; the clock started when the letter or call arrived."""
    now = deps.clock()
    errors, fields = _new_case_errors(view, now)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        with deps.session_factory() as session:
            case = ops.open_case(
                session, now=now, actor=deps.actor(_user(body)), policy=deps.policy, **fields
            )
    except UserError as exc:
        ack(response_action="errors", errors={modals.REQUESTER_NAME: str(exc)})
        return
    ack()
    _tell(body, view, client, f"Opened {case.reference}, due {due_text(case)}.")


def _reference(view: dict[str, Any]) -> str:
    return str(modals.metadata(view).get("reference") or "")


def _reasoned(
    deps: BotDeps,
    *,
    ack: Any,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    block_id: str,
    missing: str,
    act: Callable[[str, str], str],
) -> None:
    """A form whose one required field is the reasons: check, act, or key the error."""
    reasons = modals.text_value(view, block_id)
    if not reasons:
        ack(response_action="errors", errors={block_id: missing})
        return
    try:
        answer = act(reasons, deps.actor(_user(body)))
    except UserError as exc:
        ack(response_action="errors", errors={block_id: str(exc)})
        return
    ack()
    _tell(body, view, client, answer)


def submit_extend(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Extend by two months on a ground with the reasons (Art. 12(3)); too late is refused."""
    ground = modals.text_value(view, modals.EXTEND_GROUND)
    if not ground:
        ack(
            response_action="errors",
            errors={
                modals.EXTEND_GROUND: "Choose the ground: complexity or the number of requests."
            },
        )
        return

    def act(reasons: str, actor: str) -> str:
        with deps.session_factory() as session:
            case, notice = decisions.extend_and_draft_notice(
                session,
                reference=_reference(view),
                reason=reasons,
                ground=ground,
                actor=actor,
                now=deps.clock(),
                policy=deps.policy,
                controller=deps.controller,
            )
        told = (
            "The notice with your reasons is drafted: Preview reply, then Approve sends it."
            if notice is not None
            else "There is no address to mail: tell the requester the reasons by other means."
        )
        return f"Extended {case.reference} to {due_text(case)}. {told} (Art. 12(3))"

    _reasoned(
        deps,
        ack=ack,
        body=body,
        view=view,
        client=client,
        block_id=modals.EXTEND_REASONS,
        missing="GDPR Art. 12(3) requires the reasons: the requester is told them.",
        act=act,
    )


def submit_refuse(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Refuse with reasons (Art. 12(4))."""

    def act(reasons: str, actor: str) -> str:
        reference = _reference(view)
        with deps.session_factory() as session:
            draft = decisions.draft_refusal(
                session,
                reference=reference,
                reasons=reasons,
                actor=actor,
                now=deps.clock(),
                controller=deps.controller,
            )
        if draft is None:
            return f"Refused {reference}; there is no address: send the reasons by letter."
        return (
            f"The refusal of {reference} is drafted with your reasons and the remedies"
            " (Art. 12(4)): Preview reply, then Approve sends it and refuses the case."
        )

    _reasoned(
        deps,
        ack=ack,
        body=body,
        view=view,
        client=client,
        block_id=modals.REFUSE_REASONS,
        missing="A refusal needs its reasons (GDPR Art. 12(4)).",
        act=act,
    )


def submit_verify(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Record the identity check (Art. 12(6))."""
    method = modals.text_value(view, modals.VERIFY_METHOD) or "manual"

    def act(reason: str, actor: str) -> str:
        with deps.session_factory() as session:
            case = identity.verify_manually(
                session,
                reference=_reference(view),
                method=method,
                reason=reason,
                actor=actor,
                now=deps.clock(),
                policy=deps.policy,
            )
        return f"Identity verified for {case.reference} ({method})."

    _reasoned(
        deps,
        ack=ack,
        body=body,
        view=view,
        client=client,
        block_id=modals.VERIFY_REASON,
        missing="Say what was checked and why it suffices.",
        act=act,
    )


def _lift_errors(
    deps: BotDeps, view: dict[str, Any], now: datetime
) -> tuple[Errors, str, datetime | None]:
    """Check the lifting form: the reason, and a day told neither ahead nor too early."""
    errors: Errors = {}
    reason = modals.text_value(view, modals.LIFT_REASON)
    if not reason:
        errors[modals.LIFT_REASON] = "Say why the restriction ends."
    day_text = modals.text_value(view, modals.LIFT_INFORMED)
    told: datetime | None = None
    if not day_text:
        errors[modals.LIFT_INFORMED] = "Pick the day the person was told of the lifting."
    else:
        try:  # the terminal's rule for a date without a time (cases.deadlines)
            told = deadlines.arrival_on(deadlines.parse_day(day_text), now)
        except UserError:
            errors[modals.LIFT_INFORMED] = (
                "Pick the day the person was told: not a day to come, they are told before the"
                " restriction is lifted (GDPR Art. 18(3))."
            )
    if told is None:
        return errors, reason, None
    with deps.session_factory() as session:
        case = ops.get_case(session, _reference(view))
        # Checked again: the case may have changed since the form opened.
        approve = f"`{deps.command} approve {case.reference}`"
        confirmed = told_too_early(check_liftable(session, case, approve_with=approve), told)
    if confirmed is not None:
        errors[modals.LIFT_INFORMED] = (
            f"The restriction was confirmed to the person on {confirmed.isoformat()}: they are"
            " told of the lifting after that, and before it is lifted (GDPR Art. 18(3))."
        )
    return errors, reason, told


def lift_text(lifted: Lifted) -> str:
    """What lifting did in each system, as `cases lift-restriction` says it, one bullet each."""
    reference = lifted.case.reference
    if lifted.still_restricted_by:
        head = f"Lifting {reference} is recorded, nothing more yet:"
    else:
        head = f"Lifted the restriction of {reference} (Art. 18(3))."
    lines = [head]
    if lifted.customer_number:
        lines.append(f"• {lifted.customer_number}: restriction lifted in the register")
    lines += [f"• {line}" for line in report_lines(lifted)]
    return "\n".join(lines)


def submit_lift(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Lift the case's restriction as `cases lift-restriction` does (Art. 18(3)).

    The form's checks run before the modal closes; lifting writes to every system the
    restriction marked, which may take longer than Slack's 3 seconds, so the answer
    follows as a message.
    """
    now = deps.clock()
    try:
        errors, reason, told = _lift_errors(deps, view, now)
    except UserError as exc:
        ack(response_action="errors", errors={modals.LIFT_REASON: str(exc)})
        return
    if errors or told is None:
        ack(response_action="errors", errors=errors)
        return
    ack()
    reference = _reference(view)
    try:
        with deps.session_factory() as session:
            lifted = lift_case(
                session,
                reference=reference,
                reason=reason,
                informed_at=told,
                actor=deps.actor(_user(body)),
                now=now,
                controller=deps.controller,
                env=deps.system_env,
                sender=deps.sender,
            )
            text = lift_text(lifted)
    except Waiting as waiting:
        # Nothing is recorded as lifted; the systems put back stay so, and lifting again
        # finishes the rest (cases.fulfilment.lifting).
        text = (
            f"{reference} is not lifted yet: {waiting}. The systems already put back stay so;"
            f" try `{deps.command} lift {reference}` again once it is back."
        )
    except UserError as exc:
        text = str(exc)
    _tell(body, view, client, text)


def submit_task_done(
    deps: BotDeps, *, ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Record the note (and file); a pending reply of that right is drafted again.

    The owner answers in their DM; the contact person records an owner's mailed answer,
    choosing which file the owner mailed goes with the copy, as `tasks done` does.
    Slack wants the acknowledgement within 3 seconds, and fetching the export or reading a
    slow system may take longer: the modal closes first, the answer follows as a message.
    A failure after that reaches the user the same way (bot.errors.run_guarded).
    """
    meta = modals.metadata(view)
    task_id, desk = int(meta.get("task_id") or 0), bool(meta.get("desk"))
    note = modals.text_value(view, TASK_NOTE)
    if not note:
        missing = "Say what the owner found or did." if desk else "Say what you found or did."
        ack(response_action="errors", errors={TASK_NOTE: missing})
        return
    mailed, errors = _mailed_file(deps, view, task_id)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        attached = submitted_file(deps, view) or mailed
    except (ValueError, OSError) as exc:
        raise UserError(
            f"task {task_id}: the file could not be fetched; nothing was recorded"
        ) from exc
    with deps.session_factory() as session:
        task, case, draft, waiting = finish_task(
            session,
            task_id=task_id,
            outcome="done",
            note=note,
            actor=deps.actor(_user(body)),
            now=deps.clock(),
            controller=deps.controller,
            file=attached,
            env=deps.system_env,
        )
        text = f"Thank you: task {task.id} ({case.reference}) is done."
        if desk:
            text = f"Task {task.id} ({case.reference}) is recorded as done"
            text += f", with {mailed.name} as the owner mailed it." if mailed else "."
            text += " The reply is drafted again with the answer." if draft else ""
        text += waiting_text(waiting)
    _tell(body, view, client, text)


def _mailed_file(
    deps: BotDeps, view: dict[str, Any], task_id: int
) -> tuple[TaskFile | None, Errors]:
    """The file the owner mailed that the form chose (or None), else the form's errors.

    A task that is done, or whose case ended, is refused before the modal closes, so the
    modal itself says why and nothing is recorded.
    """
    choice = modals.value(view, TASK_MAILED)
    with deps.session_factory() as session:
        task = get_task(session, task_id)
        closed = closed_text(task, session.get(Case, task.case_id))
        if closed is not None:
            raise UserError(closed)
        try:
            found = chosen_file(
                session,
                task,
                choice if isinstance(choice, str) else None,
                uploaded=has_upload(view),
            )
        except UserError as exc:
            # Keyed by the choice when the form shows it (a file mailed since it opened: the note).
            shown = view.get("state", {}).get("values", {})
            return None, {TASK_MAILED if TASK_MAILED in shown else TASK_NOTE: str(exc)}
    return found, {}


HANDLERS: dict[str, Callable[..., None]] = {
    modals.NEW_CASE: submit_new_case,
    modals.EXTEND_CASE: submit_extend,
    modals.REFUSE_CASE: submit_refuse,
    modals.VERIFY_CASE: submit_verify,
    modals.LIFT_CASE: submit_lift,
    TASK_MODAL: submit_task_done,
}


def register(app: App, deps: BotDeps) -> None:
    """Attach each modal's submission."""
    for callback_id, handler in HANDLERS.items():
        app.view(callback_id)(_bind(deps, handler))


def _bind(deps: BotDeps, handler: Callable[..., None]) -> Callable[..., None]:
    def listener(ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        work = partial(handler, deps, body=body, view=view, client=client)
        run_guarded(work, ack=ack, body=body, respond=None, client=client)

    listener.__name__ = handler.__name__
    return listener
