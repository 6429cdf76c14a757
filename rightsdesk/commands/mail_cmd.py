"""Mail commands: poll, classify, quarantine."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session, col, select

from cases.classify.dictionaries import use_index_cache
from cases.errors import NotFound, UserError
from mail_intake.intake import process_message
from mail_intake.poller import poll_once
from mail_intake.understand import classify_json
from rightsdesk import mail_wiring, wiring
from rightsdesk.context import Desk
from rightsdesk.outbox_component import deliver_until
from rightsdesk.settings import load_settings
from store.engine import new_session
from store.models import Quarantine

quarantine_app = typer.Typer(help="Mail intake could not process.", no_args_is_help=True)


def poll(
    once: Annotated[
        bool, typer.Option("--once", help="Take in everything new, send, and exit.")
    ] = False,
) -> None:
    """Take in new mail from IMAP (or the local Maildir) and send the outbox."""
    desk = Desk()
    wiring.require_own_config(desk.settings)
    source = mail_wiring.mail_source(desk)
    deps = mail_wiring.intake_deps(desk)

    def factory() -> Session:
        return new_session(desk.engine)

    if not once:
        # Here only: the long-running intake brings the Slack notifier; a single pass does not.
        from rightsdesk.service import run_intake

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            run_intake(desk, stop)
        except KeyboardInterrupt:
            stop.set()
        return
    source.connect()
    # The outbox sends while intake runs, woken by each batch's commit, as under `run`;
    # it ends with a pass after intake's last commit, so every acknowledgement is sent.
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["sent"] = deliver_until(desk, done)
        except BaseException as exc:  # re-raised below, in the command's own thread
            outcome["error"] = exc

    sender = threading.Thread(target=send, name="outbox", daemon=True)
    sender.start()
    try:
        stats = poll_once(source, factory, deps, desk.now)
    finally:
        done.set()
        sender.join()
        source.close()
    if "error" in outcome:
        raise outcome["error"]
    sent: dict[str, int] = outcome["sent"]
    summary = ", ".join(f"{v} {k}" for k, v in sorted(stats.counts.items())) or "nothing new"
    typer.echo(
        f"intake: {summary}; outbox: {sent['sent']} sent, {sent['deferred']} deferred,"
        f" {sent['failed']} failed"
    )


def classify(
    files: Annotated[list[Path], typer.Argument(help="RFC 5322 files (.eml).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Classify mail files: kinds, language, machine mail. No database needed."""
    colleagues: frozenset[str] = frozenset()
    try:
        settings = load_settings()
    except UserError:  # classifying needs no settings: a bad one costs only the saved index
        use_index_cache(None)
    else:
        use_index_cache(settings.cache_path)
        # A colleague's forward reads as intake reads it, where the config says who is one.
        with contextlib.suppress(UserError):
            colleagues = wiring.load_controller(settings).colleague_domains()
    for path in files:
        try:
            result = classify_json(path, colleague_domains=colleagues)
        except OSError as exc:
            raise UserError(f"{path}: cannot read ({exc.strerror})") from None
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            kinds = ",".join(result["kinds"]) or "-"
            typer.echo(
                f"{path}: kinds={kinds} language={result['language']}"
                f" auto_reply={str(result['auto_reply']).lower()}"
            )


@quarantine_app.command("list")
def quarantine_list(
    all_rows: Annotated[bool, typer.Option("--all", help="Include resolved ones.")] = False,
) -> None:
    """List quarantined messages with their reasons."""
    desk = Desk()
    with desk.read_session() as session:
        query = select(Quarantine).order_by(col(Quarantine.id))
        if not all_rows:
            query = query.where(col(Quarantine.resolved_at).is_(None))
        rows = session.exec(query).all()
    if not rows:
        typer.echo("quarantine is empty")
    for q in rows:
        state = "resolved" if q.resolved_at else "open"
        typer.echo(
            f"{q.id}  {q.created_at:%Y-%m-%d %H:%M}  {q.source}  {q.size} bytes  {state}"
            f"  {q.reason}"
        )


@quarantine_app.command("retry")
def quarantine_retry(
    quarantine_id: Annotated[int, typer.Argument(help="The quarantine ID.")],
) -> None:
    """Run a quarantined message through intake again (e.g. after an upgrade)."""
    desk = Desk()
    with desk.session() as session:
        q = session.get(Quarantine, quarantine_id)
        if q is None:
            raise NotFound(f"no quarantine record {quarantine_id}")
        if not q.raw:
            raise UserError(
                f"quarantine {quarantine_id} has no stored message (it was over the"
                " size limit); fetch it from the Failed folder"
            )
        now = desk.now()
        q.retried_at = now
        session.add(q)
        session.commit()
        result = process_message(
            session,
            q.raw,
            source=q.source,
            folder=q.folder,
            uid=q.source_uid,
            now=now,
            deps=mail_wiring.intake_deps(desk),
            received_at=q.created_at,  # the request's clock started when it first arrived
        )
        if result.outcome != "quarantined":
            q = session.get(Quarantine, quarantine_id)
            assert q is not None
            q.resolved_at = now
            session.add(q)
            session.commit()
    typer.echo(
        f"quarantine {quarantine_id}: {result.outcome}"
        + (f" {result.reference}" if result.reference else "")
        + (f" ({result.reason})" if result.reason else "")
    )


def register(app: typer.Typer) -> None:
    """Attach the mail commands."""
    app.command("poll")(poll)
    app.command("classify")(classify)
    app.add_typer(quarantine_app, name="quarantine")
