"""`rightsdesk cases ...`: the whole lifecycle from the terminal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from cases import deadlines, identity, requester_reminder
from cases import operations as ops
from cases.errors import UserError
from cases.lifecycle import Status
from cases.views import case_detail, case_summary, list_cases
from rightsdesk.context import Desk, cli_actor
from store.models import Case

app = typer.Typer(help="Open, move and inspect cases.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(help="The case reference, e.g. DSR-2026-0001.")]
Actor = Annotated[str | None, typer.Option("--actor", help="Who acts (default: cli:<login>).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]

_COLUMNS = ("reference", "kinds", "status", "lang", "received", "due", "days left", "assignee")


def format_table(cases: list[Case], now: datetime) -> str:
    """The case table: reference, kinds, status, language, dates, days left, assignee."""
    rows: list[tuple[str, ...]] = [_COLUMNS]
    for case in cases:
        data = case_summary(case, now)
        left = data["days_left"]
        rows.append(
            (
                case.reference,
                ",".join(case.kinds) or "-",
                case.status + (" (paused)" if data["paused"] else ""),
                case.language,
                case.receipt_date.isoformat(),
                case.effective_due_date.isoformat() + (" ext" if case.extended_due_date else ""),
                "-" if left is None else (f"{-left} OVERDUE" if left < 0 else str(left)),
                case.assignee or "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def _print_case(desk: Desk, case: Case, as_json: bool = False) -> None:
    if as_json:
        with desk.session() as session:
            typer.echo(
                json.dumps(case_detail(session, case, desk.now()), ensure_ascii=False, indent=2)
            )
        return
    left = case_summary(case, desk.now())["days_left"]
    due = case.effective_due_date.isoformat()
    typer.echo(
        f"{case.reference}: {case.status}, due {due}"
        + (f" ({left} days left)" if left is not None else "")
    )


@app.command("list")
def list_command(
    status: Annotated[
        str | None, typer.Option("--status", help="A status, or 'open' / 'active'.")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only cases of this kind.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List cases, overdue and nearest due first."""
    if status and status not in ("open", "active") and status not in {s.value for s in Status}:
        raise UserError(
            f"unknown status {status!r}; use open, active or one of: "
            + ", ".join(s.value for s in Status)
        )
    desk = Desk()
    with desk.read_session() as session:
        cases = list_cases(session, status=status, kind=kind)
    now = desk.now()
    if as_json:
        typer.echo(json.dumps([case_summary(c, now) for c in cases], ensure_ascii=False, indent=2))
    elif cases:
        typer.echo(format_table(cases, now))
    else:
        typer.echo("no cases")


@app.command("show")
def show(reference: Ref, as_json: JsonFlag = False) -> None:
    """Show one case with its events."""
    desk = Desk()
    with desk.read_session() as session:
        case = ops.get_case(session, reference)
        data = case_detail(session, case, desk.now())
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key in (
        "reference",
        "status",
        "kinds",
        "language",
        "channel",
        "requester_name",
        "requester_email",
        "received_at",
        "receipt_date",
        "due_date",
        "extended_due_date",
        "extension_ground",
        "extension_reason",
        "days_left",
        "paused_days",
        "assignee",
        "identity_status",
        "identity_method",
        "sender_check",
        "outcome",
        "closed_at",
    ):
        value = data.get(key)
        if value not in (None, [], ""):
            typer.echo(f"{key:>18}: {', '.join(value) if isinstance(value, list) else value}")
    for other in data["related_cases"]:
        # The same person's other requests: read together, answered consistently.
        typer.echo(
            f"{'related case':>18}: {other['reference']} ({', '.join(other['kinds']) or '-'},"
            f" {other['status']}, received {other['receipt_date']})"
        )
    typer.echo("events:")
    for ev in data["events"]:
        detail = ", ".join(f"{k}={v}" for k, v in ev["detail"].items())
        typer.echo(f"  {ev['at']}  {ev['actor']:<20} {ev['action']:<18} {detail}")
    if data["mail"]:
        typer.echo("mail:")
    for mail in data["mail"]:
        when = mail["sent_at"] or mail["queued_at"]
        note = f"  ({mail['error']})" if mail["error"] else ""
        typer.echo(f"  {when}  {mail['purpose']:<20} {mail['delivery']:<11} {mail['to']}{note}")


def _run(operation: Any, /, *, with_policy: bool = False, **kwargs: Any) -> None:
    """Run one case operation in its own session and print the case's new state."""
    desk = Desk()
    if with_policy:
        kwargs["policy"] = desk.policy
    with desk.session() as session:
        case = operation(session, now=desk.now(), **kwargs)
    _print_case(desk, case)


@app.command("open")
def open_command(
    kinds: Annotated[str, typer.Option("--kinds", help="Comma-separated kind codes.")],
    email: Annotated[str | None, typer.Option("--email", help="Requester's email.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Requester's name.")] = None,
    language: Annotated[str, typer.Option("--language", help="fi, sv or en.")] = "fi",
    channel: Annotated[
        str, typer.Option("--channel", help="email, slack, letter or phone.")
    ] = "letter",
    received: Annotated[
        str | None, typer.Option("--received", help="Receipt date or datetime (default: now).")
    ] = None,
    actor: Actor = None,
    as_json: JsonFlag = False,
) -> None:
    """Open a case for a request received by letter, phone or mail."""
    desk = Desk()
    now = desk.now()
    received_at = deadlines.parse_arrival(received, now) if received else now
    with desk.session() as session:
        case = ops.open_case(
            session,
            kinds=kinds.split(","),
            received_at=received_at,
            now=now,
            actor=cli_actor(actor),
            requester_email=email,
            requester_name=name,
            language=language,
            channel=channel,
            policy=desk.policy,
        )
    _print_case(desk, case, as_json)


@app.command("assign")
def assign(reference: Ref, assignee: str, actor: Actor = None) -> None:
    """Make someone responsible."""
    _run(ops.assign, reference=reference, assignee=assignee, actor=cli_actor(actor))


@app.command("verify")
def verify(
    reference: Ref,
    method: Annotated[str, typer.Option("--method", help=", ".join(ops.IDENTITY_METHODS))],
    reason: Annotated[str, typer.Option("--reason", help="What was checked and why it suffices.")],
    actor: Actor = None,
) -> None:
    """Record the identity check (Art. 12(6)); identity documents are then deleted."""
    _run(
        identity.verify_manually,
        with_policy=True,
        reference=reference,
        method=method,
        reason=reason,
        actor=cli_actor(actor),
    )


@app.command("pause")
def pause(
    reference: Ref,
    reason: Annotated[str, typer.Option("--reason", help="What was asked of the requester.")],
    waiting_for: Annotated[
        str, typer.Option("--waiting-for", help="identity or clarification.")
    ] = "clarification",
    actor: Actor = None,
) -> None:
    """Stop the clock while waiting for the requester."""
    _run(
        ops.pause,
        reference=reference,
        waiting_for=waiting_for,
        reason=reason,
        actor=cli_actor(actor),
    )


@app.command("resume")
def resume(
    reference: Ref,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    actor: Actor = None,
) -> None:
    """Restart the clock."""
    _run(ops.resume, with_policy=True, reference=reference, reason=reason, actor=cli_actor(actor))


@app.command("extend")
def extend(
    reference: Ref,
    reason: Annotated[
        str, typer.Option("--reason", help="Why more time is needed (told to the requester).")
    ],
    ground: Annotated[
        str | None,
        typer.Option(
            "--ground",
            help="The Art. 12(3) ground: complexity or number-of-requests (required).",
        ),
    ] = None,
    actor: Actor = None,
) -> None:
    """Extend by two months on an Art. 12(3) ground, with reasons, within the first month."""
    from cases.decisions import extend_and_draft_notice  # drafting loads the templates

    desk = Desk()
    with desk.session() as session:
        case, notice = extend_and_draft_notice(
            session,
            reference=reference,
            reason=reason,
            ground=ground,
            actor=cli_actor(actor),
            now=desk.now(),
            policy=desk.policy,
            controller=desk.controller,
        )
    _print_case(desk, case)
    if notice is not None:
        typer.echo(
            f"the notice with the reasons is drafted: rightsdesk cases draft {case.reference},"
            f" then rightsdesk cases approve {case.reference}"
        )
    else:
        typer.echo("no address to mail: tell the requester the reasons by other means")


@app.command("note")
def note(
    reference: Ref, text: Annotated[str, typer.Argument(help="The note.")], actor: Actor = None
) -> None:
    """Add a note to the record."""
    _run(ops.note, reference=reference, text=text, actor=cli_actor(actor))


@app.command("triage")
def triage(
    reference: Ref, kinds: Annotated[str, typer.Option("--kinds")], actor: Actor = None
) -> None:
    """Set the kinds of a case (needs-triage cases start work)."""
    _run(ops.set_kinds, reference=reference, kinds=kinds.split(","), actor=cli_actor(actor))


@app.command("remind-requester")
def remind_requester_cmd(reference: Ref, actor: Actor = None) -> None:
    """Mail the requester our unanswered question once more (once per wait)."""
    from rightsdesk.mail_wiring import sender

    desk = Desk()
    with desk.session() as session:
        row = requester_reminder.remind_requester(
            session,
            reference=reference,
            actor=cli_actor(actor),
            now=desk.now(),
            sender=sender(desk),
        )
    typer.echo(f"{reference}: reminder queued to the requester ({row.subject})")


@app.command("respond")
def respond(
    reference: Ref, outcome: Annotated[str, typer.Option("--outcome")], actor: Actor = None
) -> None:
    """Record that the requester was answered outside rightsdesk (e.g. by letter)."""
    _run(ops.respond, reference=reference, outcome=outcome, actor=cli_actor(actor))


@app.command("withdraw")
def withdraw(
    reference: Ref, reason: Annotated[str, typer.Option("--reason")], actor: Actor = None
) -> None:
    """Record that the requester withdrew the request."""
    _run(ops.withdraw, reference=reference, reason=reason, actor=cli_actor(actor))


@app.command("dismiss")
def dismiss(
    reference: Ref,
    reason: Annotated[str, typer.Option("--reason", help="Why the mail asks for no right.")],
    actor: Actor = None,
) -> None:
    """Close a triage case that asks for no right (a greeting, thanks); no reply is sent."""
    _run(ops.dismiss, reference=reference, reason=reason, actor=cli_actor(actor))


@app.command("close")
def close(
    reference: Ref,
    outcome: Annotated[str | None, typer.Option("--outcome")] = None,
    actor: Actor = None,
) -> None:
    """Close an answered case."""
    _run(ops.close, reference=reference, outcome=outcome, actor=cli_actor(actor))


@app.command("reopen")
def reopen(
    reference: Ref, reason: Annotated[str, typer.Option("--reason")], actor: Actor = None
) -> None:
    """Reopen a case."""
    _run(ops.reopen, reference=reference, reason=reason, actor=cli_actor(actor))


def register(root: typer.Typer) -> None:
    """Attach `cases` to the root app."""
    root.add_typer(app, name="cases")
