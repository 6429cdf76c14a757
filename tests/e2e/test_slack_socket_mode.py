"""Socket Mode: `rightsdesk bot` connects to the URL apps.connections.open gives and acks."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.e2e.slack_bot import (
    ALICE,
    APP_TOKEN,
    bot_environment,
    bot_process,
    migrated_engine,
    open_case,
)
from tests.servers.slack_fake import FakeSlack


class SocketModeServer:
    """A WebSocket server on loopback that plays Slack's side: hello, envelopes, acks."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.envelopes = envelopes
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self._server: Server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/"

    def __enter__(self) -> SocketModeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def _session(self, websocket: ServerConnection) -> None:
        websocket.send(json.dumps({"type": "hello", "num_connections": 1}))
        for envelope in self.envelopes:
            websocket.send(json.dumps(envelope))
        try:
            while True:
                self.acks.put(json.loads(websocket.recv(timeout=60)))
        except (ConnectionClosed, TimeoutError):
            return


def _slash_command_envelope(envelope_id: str, text: str, user: str) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "legacy-verification-token",
            "team_id": "T1",
            "team_domain": "example",
            "channel_id": "C1",
            "channel_name": "rights",
            "user_id": user,
            "user_name": "alice",
            "command": "/rights",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/webhook/response",
            "trigger_id": "1337.42.abcdef",
        },
    }


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


def test_a_slash_command_over_socket_mode_is_acknowledged_with_its_answer(
    engine: Engine, db_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    ref = open_case(engine, received=datetime(2026, 3, 5, 9, tzinfo=UTC))
    envelopes = [
        _slash_command_envelope("env-allowed", "list", "U1"),
        _slash_command_envelope("env-refused", "list", "U9"),
    ]
    with SocketModeServer(envelopes) as slack:
        fake_slack.socket_mode_url = slack.url
        env = bot_environment(
            db_url, fake_slack, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""
        )
        with bot_process(env, tmp_path):
            acks: dict[str, dict[str, Any]] = {}
            while len(acks) < 2:
                ack = slack.acks.get(timeout=30)
                acks[ack["envelope_id"]] = ack

    opened = fake_slack.calls("apps.connections.open")
    assert opened and opened[0].token == APP_TOKEN
    assert ref in acks["env-allowed"]["payload"]["text"]
    refused = json.dumps(acks["env-refused"])
    assert "only for the people designated" in refused
    assert ref not in refused and ALICE[1] not in refused
