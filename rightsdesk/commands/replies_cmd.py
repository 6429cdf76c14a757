"""`rightsdesk cases draft|approve|fulfil|identify|send-code|link`, `register suppressed`,
`retention sweep` and `dossier`: finishing a case from the terminal."""

from __future__ import annotations

import errno
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from cases import deadlines, identity
from cases import operations as ops
from cases.decisions import draft_refusal
from cases.dossier import build_dossier
from cases.drafts import notice_warnings
from cases.errors import UserError
from cases.fulfilment.lifting import Lifted, lift_case, lift_restriction, report_lines
from cases.fulfilment.rectification import parse_corrections
from cases.fulfilment.retention import sweep
from cases.fulfilment.runner import draft_next, draft_template, fulfil
from cases.fulfilment.suppression import is_suppressed
from cases.kinds import task_right
from cases.register_lookup import link_customer
from cases.replies import approve_draft, pending_drafts
from cases.tasks import open_tasks
from rightsdesk import mail_wiring
from rightsdesk.commands.admin import register_app
from rightsdesk.commands.cases_cmd import Actor, Ref, app
from rightsdesk.context import Desk, cli_actor
from store.models import Draft

retention_app = typer.Typer(help="Storage limitation: the retention sweep.", no_args_is_help=True)


def format_draft(draft: Draft) -> str:
    """A draft as the contact person reviews it: headers, the exact text, the files."""
    lines = [
        f"--- draft {draft.id}: {draft.template} ({draft.language}), {draft.status}",
        f"To: {draft.to_addr}",
        f"Subject: {draft.subject}",
        "",
        draft.body_text.rstrip(),
    ]
    for att in draft.attachments:
        lines.append(
            f"[attachment] {att['filename']} ({att['size']} bytes, sha256 {att['sha256'][:16]}…)"
        )
    return "\n".join(lines)


def _show_pending(session: Session, reference: str) -> None:
    drafts = pending_drafts(session, reference=reference)
    case = ops.get_case(session, reference)
    for draft in drafts:
        typer.echo(format_draft(draft))
        typer.echo("")
    for line in notice_warnings(session, case):
        typer.echo(f"note: {line}")
    typer.echo(f"approve with: rightsdesk cases approve {case.reference}")


@app.command("draft")
def draft_command(
    reference: Ref,
    template: Annotated[
        str | None, typer.Option("--template", help="Draft this reply instead of the next one.")
    ] = None,
    reasons: Annotated[
        str | None, typer.Option("--reasons", help="Refusal reasons (Art. 12(4)).")
    ] = None,
    partial: Annotated[bool, typer.Option("--partial", help="A partial refusal.")] = False,
    questions: Annotated[
        str | None, typer.Option("--questions", help="What to ask (identity or clarification).")
    ] = None,
    actor: Actor = None,
) -> None:
    """Show the pending draft, drafting the reply the case needs if none is pending."""
    desk = Desk()
    with desk.session() as session:
        args: dict[str, Any] = {
            "reference": reference,
            "actor": cli_actor(actor),
            "now": desk.now(),
            "controller": desk.controller,
            "env": desk.system_env(),
        }
        if template is not None:
            extra: dict[str, Any] = {"questions": questions}
            if template == "refusal":
                if not (reasons or "").strip():
                    raise UserError("a refusal needs --reasons (GDPR Art. 12(4))")
                extra.update(refusal_reasons=reasons, partial=partial)
            draft_template(session, template=template, extra_context=extra, **args)
        elif not pending_drafts(session, reference=reference):
            draft_next(session, **args)
        _show_pending(session, reference)


@app.command("refuse")
def refuse_command(
    reference: Ref,
    reasons: Annotated[str, typer.Option("--reasons", help="Why (GDPR Art. 12(4)).")],
    partial: Annotated[bool, typer.Option("--partial", help="A partial refusal.")] = False,
    actor: Actor = None,
) -> None:
    """Refuse with reasons: drafts the refusal reply, which `cases approve` sends and which
    refuses the case; a case without an address is refused at once."""
    # Art. 12(4): the requester is told the reasons and the right to complain (as in Slack).
    if not reasons.strip():
        raise UserError("a refusal needs --reasons (GDPR Art. 12(4))")
    desk = Desk()
    with desk.session() as session:
        draft = draft_refusal(
            session,
            reference=reference,
            reasons=reasons,
            actor=cli_actor(actor),
            now=desk.now(),
            controller=desk.controller,
            partial=partial,
        )
        if draft is not None:
            _show_pending(session, reference)
            return
        case = ops.get_case(session, reference)
    typer.echo(f"{case.reference}: {case.status} (no address: tell the requester the reasons)")


@app.command("approve")
def approve_command(reference: Ref, actor: Actor = None) -> None:
    """Approve the pending draft: queue it in the outbox exactly as shown, and move the case on."""
    desk = Desk()
    with desk.session() as session:
        row = approve_draft(
            session,
            reference=reference,
            actor=cli_actor(actor),
            now=desk.now(),
            sender=mail_wiring.sender(desk),
            daily_cap=desk.settings.daily_auto_mail_cap,
        )
        case = ops.get_case(session, reference)
    typer.echo(f"queued {row.purpose} to {row.to_addr}: {row.subject} <{row.message_id}>")
    typer.echo(f"{case.reference}: {case.status}; the outbox sender delivers it")


def _day(text: str | None) -> date | None:
    """A YYYY-MM-DD option, or a one-line error (the rule Slack's date pickers follow too)."""
    return None if text is None else deadlines.parse_day(text)


@app.command("fulfil")
def fulfil_command(
    reference: Ref,
    kind: Annotated[str | None, typer.Option("--kind", help="Which of the case's rights.")] = None,
    corrections: Annotated[
        list[str] | None,
        typer.Option("--set", help="A rectification, FIELD=VALUE (repeatable)."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why processing is restricted.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show per system what would change; change nothing.")
    ] = False,
    accuracy_check_until: Annotated[
        str | None,
        typer.Option(
            "--accuracy-check-until",
            help="The person contests accuracy: the date (YYYY-MM-DD) by which we check it"
            " (Art. 18(1)(a)).",
        ),
    ] = None,
    actor: Actor = None,
) -> None:
    """Carry out the next right of the case in every system of the data map; draft the reply."""
    desk = Desk()
    with desk.session() as session:
        if dry_run:
            from cases.fulfilment.preview import preview

            for line in preview(
                session,
                reference=reference,
                controller=desk.controller,
                env=desk.system_env(),
                now=desk.now(),
                kind=kind,
                corrections=parse_corrections(corrections) if corrections else None,
            ):
                typer.echo(line)
            return
        fulfil(
            session,
            reference=reference,
            actor=cli_actor(actor),
            now=desk.now(),
            controller=desk.controller,
            kind=kind,
            corrections=parse_corrections(corrections) if corrections else None,
            reason=reason,
            env=desk.system_env(),
            sender=mail_wiring.sender(desk),
            accuracy_check_until=_day(accuracy_check_until),
        )
        _show_pending(session, reference)
        for task in open_tasks(session, ops.get_case(session, reference)):
            owner = task.owner
            typer.echo(
                f"task {task.id}: {task_right(task.kind)} in {task.system} for {owner}, due"
                f" {task.due_date.isoformat()}; the reply waits for it"
                f" (rightsdesk tasks done {task.id} --note TEXT)"
            )


@app.command("identify")
def identify_command(reference: Ref, actor: Actor = None) -> None:
    """Verify by sender match, or mail a one-time code to the register's address (Art. 12(6))."""
    desk = Desk()
    with desk.session() as session:
        args: dict[str, Any] = {
            "reference": reference,
            "actor": cli_actor(actor),
            "now": desk.now(),
        }
        case = identity.verify_sender_match(session, policy=desk.policy, **args)
        if case is not None:
            typer.echo(f"{case.reference}: verified, the sender address matches the register")
            return
        row = identity.send_code(
            session,
            sender=mail_wiring.sender(desk),
            controller=desk.controller,
            policy=desk.policy,
            daily_cap=desk.settings.daily_auto_mail_cap,
            **args,
        )
    if row is None:
        raise UserError("the daily cap of automatic mail to that address is reached; try tomorrow")
    typer.echo(f"{reference}: one-time code queued to the address in the register; case paused")


@app.command("link")
def link_command(
    reference: Ref,
    customer_number: Annotated[str, typer.Argument(help="The register row the request is about.")],
    actor: Actor = None,
) -> None:
    """Tell rightsdesk which register row the requester is, when the search was ambiguous."""
    desk = Desk()
    with desk.session() as session:
        case = ops.get_case(session, reference)
        link_customer(
            session,
            case=case,
            customer_number=customer_number,
            actor=cli_actor(actor),
            now=desk.now(),
        )
    typer.echo(f"{case.reference}: linked to {customer_number}")


@register_app.command("suppressed")
def suppressed_command(email: Annotated[str, typer.Argument(help="The address to check.")]) -> None:
    """Print the suppression scopes of EMAIL; exit 0 if it is suppressed, 1 if not."""
    desk = Desk()
    with desk.session() as session:
        scopes = is_suppressed(session, email)
    if not scopes:
        typer.echo("not suppressed")
        raise typer.Exit(1)
    typer.echo(" ".join(scopes))


InformedAt = Annotated[
    str,
    typer.Option(
        "--informed-at",
        help="When the person was told it ends (Art. 18(3)): YYYY-MM-DD or an ISO datetime"
        " with its offset.",
    ),
]


def _told(desk: Desk, informed_at: str) -> datetime:
    """The terminal's one rule for a typed moment: a date (noon in Helsinki, or now if today)
    or an ISO datetime with its offset; never in the future (Art. 18(3): told beforehand)."""
    return deadlines.parse_arrival(informed_at, desk.now(), what="--informed-at")


def _report_lift(lifted: Lifted) -> None:
    """What lifting did in each system: rows put back, rows left, tasks ended and opened."""
    for line in report_lines(lifted, close_hint=" (rightsdesk tasks done {id} --note TEXT)"):
        typer.echo(line)


@register_app.command("lift-restriction")
def lift_restriction_command(
    customer_number: Annotated[str, typer.Argument(help="The customer number, e.g. C-1001.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the restriction ends.")],
    informed_at: InformedAt,
    actor: Actor = None,
) -> None:
    """Lift a customer's restriction (Art. 18(3)), and the systems of the cases that set it."""
    desk = Desk()
    told = _told(desk, informed_at)
    with desk.session() as session:
        customer, cases = lift_restriction(
            session,
            customer_number=customer_number,
            reason=reason,
            informed_at=told,
            actor=cli_actor(actor),
            now=desk.now(),
            controller=desk.controller,
            env=desk.system_env(),
            sender=mail_wiring.sender(desk),
            on_wait=_waiting_for_another_lift,
        )
    typer.echo(
        f"{customer.customer_number}: still restricted"
        if customer.restricted
        else f"{customer.customer_number}: restriction lifted"
    )
    for lifted in cases:
        typer.echo(f"{lifted.case.reference}: restriction lifted")
        _report_lift(lifted)


def _waiting_for_another_lift(reference: str) -> None:
    # Up to a minute of silence would look like a hang (lifting.OTHER_LIFT_WAIT).
    typer.echo(f"{reference}: waiting for another lift of this restriction to end", err=True)


@app.command("lift-restriction")
def lift_case_command(
    reference: Ref,
    reason: Annotated[str, typer.Option("--reason", help="Why the restriction ends.")],
    informed_at: InformedAt,
    actor: Actor = None,
) -> None:
    """Lift the case's restriction (Art. 18(3)) in the register and every system it marked."""
    desk = Desk()
    told = _told(desk, informed_at)
    with desk.session() as session:
        lifted = lift_case(
            session,
            reference=reference,
            reason=reason,
            informed_at=told,
            actor=cli_actor(actor),
            now=desk.now(),
            controller=desk.controller,
            env=desk.system_env(),
            sender=mail_wiring.sender(desk),
            on_wait=_waiting_for_another_lift,
        )
    typer.echo(f"{lifted.case.reference}: restriction lifted")
    if lifted.customer_number:
        typer.echo(f"{lifted.customer_number}: restriction lifted in the register")
    _report_lift(lifted)


@retention_app.command("sweep")
def sweep_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only; change nothing.")
    ] = False,
    actor: Actor = None,
) -> None:
    """Anonymise expired customers and purge expired case records."""
    desk = Desk()
    with desk.session() as session:
        report = sweep(
            session,
            now=desk.now(),
            controller=desk.controller,
            actor=cli_actor(actor),
            dry_run=dry_run,
        )
    verb = "would anonymise" if dry_run else "anonymised"
    typer.echo(f"{verb} {len(report.anonymised)} customers: {', '.join(report.anonymised) or '-'}")
    for number, why in report.held:
        typer.echo(f"held {number}: {why}")
    verb = "would purge" if dry_run else "purged"
    typer.echo(
        f"{verb} {len(report.purged_cases)} case records: {', '.join(report.purged_cases) or '-'}"
    )
    for reference, why in report.held_cases:
        typer.echo(f"held {reference}: {why}")


def check_target(path: Path, *, force: bool) -> None:
    """Refuse a symbolic link always, and an existing file unless FORCE."""
    if path.is_symlink():
        raise UserError(f"{path} is a symbolic link; give the real path of the file to write")
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass --force to overwrite it")


def write_private(path: Path, text: str, *, force: bool) -> None:
    """Write TEXT to PATH, 0600; never through a symbolic link, never over a file unless FORCE."""
    check_target(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_NOFOLLOW and O_EXCL close the gap between the checks above and the open.
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as exc:
        raise UserError(f"{path} exists; pass --force to overwrite it") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError(f"{path} is a symbolic link; give the real path") from exc
        raise UserError(f"cannot write {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an overwritten file keeps its old mode otherwise
        handle.write(text)


def dossier_command(
    reference: Ref,
    out: Annotated[
        Path | None, typer.Option("--out", help="The HTML file (default: REF.html).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the file if it exists.")
    ] = False,
) -> None:
    """Write the case's dossier for a regulator: one self-contained HTML file."""
    desk = Desk()
    with desk.session() as session:
        case = ops.get_case(session, reference)
        path = out or Path(f"{case.reference}.html")
        check_target(path, force=force)
        html = build_dossier(
            session, reference=case.reference, now=desk.now(), controller=desk.controller
        )
    write_private(path, html, force=force)
    typer.echo(str(path))


def register(root: typer.Typer) -> None:
    """Attach the root-level commands (the `cases` and `register` ones attach on import)."""
    root.add_typer(retention_app, name="retention")
    root.command("dossier")(dossier_command)
