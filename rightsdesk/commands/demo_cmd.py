"""`rightsdesk demo`: the whole desk offline, in one directory."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from cases.deadlines import HELSINKI, add_working_days, is_working_day
from cases.errors import UserError
from cases.fulfilment.retention import sweep
from cases.reminders import digest_due, sending_day
from cases.views import list_cases
from mail_intake.outbox_sender import deliver_pending, subject_of
from mail_intake.poller import poll_once
from rightsdesk import demo, demo_mail, mail_wiring
from rightsdesk.commands.cases_cmd import format_table
from rightsdesk.context import Desk
from rightsdesk.demo_replies import run_replies
from rightsdesk.reminding import preview_lines, reminder_config
from rightsdesk.settings import load_settings
from store.audit import verify_chain
from store.engine import new_session
from store.models import Customer, Outbox


def _intake(desk: Desk, directory: Path) -> None:
    """Drop sample requests into the Maildir, take them in, and write the acknowledgements."""
    maildir = directory / "mail"
    domain = mail_wiring.sender(desk).domain
    count = demo_mail.drop_samples(maildir, desk.now(), domain)
    typer.echo(f"\nMail: {count} messages dropped into {maildir}/inbox (fi, sv, en, an auto-reply)")

    def factory() -> Session:
        return new_session(desk.engine)

    source = mail_wiring.mail_source(desk)
    source.connect()
    stats = poll_once(source, factory, mail_wiring.intake_deps(desk), desk.now)
    sent = deliver_pending(
        factory, mail_wiring.transport(desk), desk.now, on_sent=source.store_sent
    )
    typer.echo("intake: " + ", ".join(f"{v} {k}" for k, v in sorted(stats.counts.items())))
    outbox = mailbox.Maildir(maildir / "outbox", factory=None, create=True)
    typer.echo(f"acknowledgements written to {maildir}/outbox: {sent['sent']}")
    for key in sorted(outbox.keys()):
        typer.echo(f"  - {subject_of(outbox.get_bytes(key))}")


MARKER = ".rightsdesk-demo"  # written into the directory the demo made; a rerun may reset it


def _claim_dir(directory: Path) -> None:
    """Make the demo directory, or reuse one a demo made; never empty someone else's."""
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise UserError(f"--dir {directory} is not a directory; choose another --dir")
    marker = directory / MARKER
    ours = marker.is_file() and not marker.is_symlink()
    # The demo replaces its store and mail: refuse rather than delete foreign files.
    if directory.exists() and not ours and any(directory.iterdir()):
        raise UserError(
            f"--dir {directory} is not empty and was not made by `rightsdesk demo`;"
            " choose a new or empty directory"
        )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    marker.write_text("made by `rightsdesk demo`; a rerun replaces this directory's demo data\n")


def demo_command(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps everything.")
    ] = Path("demo"),
) -> None:
    """Run the offline demo: register, cases, mail intake, deadlines and the audit check."""
    _claim_dir(directory)
    db_path = demo.prepare_dir(directory)
    desk = Desk(
        load_settings(
            database_url=f"sqlite:///{db_path}",
            maildir=directory / "mail",
            trusted_authserv_ids=demo_mail.DEMO_AUTHSERV_ID,
        )
    )
    now = desk.now()
    typer.echo(f"rightsdesk demo in {directory}/ (controller: {desk.controller.name})")
    with desk.session() as session:
        counts = demo.seed_register(session, now)
        typer.echo("register: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
        for spec in demo.DEMO_CASES:
            demo.run_case(session, spec, now, desk)
    _intake(desk, directory)
    with desk.session() as session:
        for line in run_replies(session, desk, now, directory):
            typer.echo(line)
        replies = session.exec(
            select(Outbox).where(Outbox.purpose != "acknowledgement").order_by(col(Outbox.id))
        ).all()
        for row in replies:
            typer.echo(f"  - {row.purpose}: {row.subject}")
    with desk.session() as session:
        cases = list_cases(session)
        typer.echo("\nCases (overdue first, then by due date; answered and closed last):")
        typer.echo(format_table(cases, now))
        report = verify_chain(session)
    typer.echo(
        f"\naudit trail: {'intact' if report.ok else 'BROKEN'}, {report.checked} events verified"
    )
    _reminders(desk, now)
    _retention(desk, now)


def _retention(desk: Desk, now: datetime) -> None:
    """Flag every customer past the register's retention (GDPR Art. 5(1)(e)); change nothing."""
    years = desk.controller.retention_years
    with desk.session() as session:
        report = sweep(session, now=now, controller=desk.controller, dry_run=True)
        ended = {
            c.customer_number: c.relationship_end
            for c in session.exec(select(Customer)).all()
            if c.relationship_end is not None
        }
    typer.echo(f"\nRetention: customers are kept {years} years after the relationship ended.")
    for number in report.anonymised:
        typer.echo(
            f"  PAST RETENTION: {number} (relationship ended {ended.get(number)}):"
            " `rightsdesk retention sweep` anonymises it"
        )
    for number, why in report.held:
        typer.echo(
            f"  PAST RETENTION, held: {number} (relationship ended {ended.get(number)}): {why}"
        )
    if not report.anonymised and not report.held:
        typer.echo("  no customer is past the register's retention")


def _reminders(desk: Desk, now: datetime) -> None:
    """The reminders due now and the digest; outside working hours, the next morning's."""
    config = reminder_config(desk)
    when = now
    if sending_day(now, config) is None or digest_due(now, config) is None:
        local = now.astimezone(HELSINKI)
        day = local.date()
        if local.time() >= config.digest_time or not is_working_day(day):
            day = add_working_days(day, 1)
        when = datetime.combine(day, config.digest_time, HELSINKI).astimezone(UTC)
        typer.echo(
            "\nReminders and digest at the next working morning,"
            f" {when.astimezone(HELSINKI):%Y-%m-%d %H:%M} Helsinki:"
        )
    else:
        typer.echo("\nReminders due now and the digest:")
    for line in preview_lines(desk, when):
        typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    """Attach the demo command."""
    app.command("demo")(demo_command)
