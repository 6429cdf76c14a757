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

from bot.app import build_app
from rightsdesk import bot_wiring, wiring
from rightsdesk.context import Desk
from rightsdesk.notifier_wiring import start_channel_notifier
from rightsdesk.outbox_component import run_outbox
from rightsdesk.service import run_bot
from rightsdesk.supervisor import Supervised

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"  # Bolt's default path for commands, interactivity and events


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
    deps = bot_wiring.bot_deps(desk, http=True)
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
