"""`rightsdesk bot [--http PORT]`: the Slack app, in Socket Mode or behind an HTTP endpoint."""

from __future__ import annotations

import logging
import signal
import threading
from socketserver import ThreadingMixIn
from typing import Annotated, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import typer
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlmodel import Session

from bot.app import build_app
from bot.deps import BotDeps
from cases.errors import UserError
from rightsdesk import mail_wiring, wiring
from rightsdesk.context import Desk
from rightsdesk.notifier_wiring import start_channel_notifier
from rightsdesk.outbox_component import run_outbox
from rightsdesk.supervisor import Supervised
from store.engine import new_session

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"  # Bolt's default path for commands, interactivity and events


def required_secret(value: Any, variable: str) -> str:
    """A secret setting's value, or a one-line error naming the missing variable."""
    if value is None or not value.get_secret_value().strip():
        raise UserError(f"{variable} is not set")
    return str(value.get_secret_value()).strip()


def app_token(desk: Desk) -> str:
    """The Socket Mode token; a bot token (xoxb-) here is one clear line, not a restart loop."""
    token = required_secret(desk.settings.slack_app_token, "SLACK_APP_TOKEN")
    if not token.startswith("xapp-"):
        kind = token.split("-", 1)[0] + "-" if "-" in token else "an unknown token"
        raise UserError(
            f"SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write,"
            f" not {kind}"
        )
    return token


def bot_deps(desk: Desk, *, http: bool) -> BotDeps:
    """The bot's collaborators from the settings; HTTP mode needs the signing secret."""
    s = desk.settings
    token = required_secret(s.slack_bot_token, "SLACK_BOT_TOKEN")
    secret = required_secret(s.slack_signing_secret, "SLACK_SIGNING_SECRET") if http else ""
    engine = desk.engine

    def session_factory() -> Session:
        return new_session(engine)

    return BotDeps(
        session_factory=session_factory,
        controller=desk.controller,
        policy=desk.policy,
        sender=mail_wiring.sender(desk),
        clock=desk.now,
        allowed_users=s.allowed_slack_users,
        channel=s.slack_channel or None,
        command=s.slack_command,
        show_identity=s.slack_show_identity,
        api_url=s.slack_api_url or None,
        bot_token=token,
        signing_secret=secret,
        daily_cap=s.daily_auto_mail_cap,
        system_env=desk.system_env(),
    )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request: Slack waits at most 3 s for each acknowledgement."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """No access log: it would only repeat the path, and nothing of the body belongs in it."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve_http(app: App, *, host: str, port: int, stop: threading.Event) -> None:
    """Serve Bolt at /slack/events; Bolt verifies each signature (5-minute replay window)."""
    server = make_server(
        host,
        port,
        SlackRequestHandler(app, path=EVENTS_PATH),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )

    def shut_down_on_stop() -> None:
        stop.wait()
        server.shutdown()

    threading.Thread(target=shut_down_on_stop, daemon=True).start()
    typer.echo(f"rightsdesk bot: listening on http://{host}:{server.server_port}{EVENTS_PATH}")
    with server:
        server.serve_forever(poll_interval=0.2)


def bot(
    http: Annotated[
        int | None,
        typer.Option("--http", min=0, max=65535, help="Serve HTTP on PORT instead of Socket Mode."),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on in HTTP mode.")
    ] = "127.0.0.1",
) -> None:
    """Run the Slack bot: Socket Mode (SLACK_APP_TOKEN) or HTTP (SLACK_SIGNING_SECRET)."""
    desk = Desk()
    wiring.require_own_config(desk.settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The same outbox component `rightsdesk run` supervises: replies approved here go out.
    outbox = Supervised("outbox", run_outbox)
    outbox.thread = threading.Thread(
        target=outbox.loop, args=(desk, stop), kwargs={"max_backoff": 60.0}, name="outbox"
    )
    if http is None:  # the same component `rightsdesk run` supervises, health beats included
        from rightsdesk.service import run_bot

        typer.echo("rightsdesk bot: Socket Mode (stop with SIGTERM or Ctrl-C)")
        outbox.thread.start()
        try:
            run_bot(desk, stop)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            outbox.thread.join(timeout=30)
        return
    deps = bot_deps(desk, http=True)
    app = build_app(deps=deps)
    stop_notifier = start_channel_notifier(desk, deps, app)
    outbox.thread.start()
    try:
        serve_http(app, host=host, port=http, stop=stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        stop_notifier()
        outbox.thread.join(timeout=30)


def register(app: typer.Typer) -> None:
    """Attach `rightsdesk bot` to the root app."""
    app.command("bot")(bot)
