"""Requests built and signed as Slack sends them, to POST over real HTTP to the app under test."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
_triggers = itertools.count(1)


def new_trigger_id() -> str:
    """A fresh trigger id, as Slack gives every command, click and submission its own."""
    return f"1337.{next(_triggers)}.abcdef"


JSON = "application/json"


def signed_headers(
    secret: str,
    body: str,
    timestamp: int | str | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """Slack's v0 signature headers for BODY (JSON bodies get a JSON content type)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    if content_type is None:
        content_type = JSON if body.lstrip().startswith("{") else FORM
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def slash_command_body(
    command: str = "/rights",
    text: str = "",
    *,
    user_id: str = "U1",
    user_name: str = "alice",
    channel_id: str = "C1",
    channel_name: str = "rights",
    team_id: str = "T1",
    response_url: str = "http://127.0.0.1:9/webhook/response",
    trigger_id: str | None = None,
) -> str:
    """A slash command as the urlencoded form Slack POSTs."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "example",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """An interaction (block action, view submission...) as `payload=<json>`."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(
    event: dict[str, Any], *, team_id: str = "T1", event_id: str = "Ev0001", api_app_id: str = "A1"
) -> str:
    """An Events API `event_callback` envelope around EVENT, as JSON."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "api_app_id": api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(str(event.get("event_ts", "1700000000")).split(".")[0]),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def block_actions_payload(
    action_id: str,
    value: str = "",
    *,
    block_id: str = "b1",
    user_id: str = "U1",
    channel_id: str = "C1",
    message_ts: str = "1700000000.000001",
    response_url: str = "http://127.0.0.1:9/webhook/response",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A `block_actions` payload for a button click in a channel message."""
    return {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "example"},
        "user": {"id": user_id, "username": "alice", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id or new_trigger_id(),
        "channel": {"id": channel_id, "name": "rights"},
        "message": {"type": "message", "ts": message_ts, "text": "", "blocks": []},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": "1700000001.000001",
            }
        ],
    }


def view_submission_payload(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    *,
    private_metadata: str = "",
    user_id: str = "U1",
    view_id: str = "V00000001",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A `view_submission` payload; VALUES is state.values: {block_id: {action_id: {...}}}."""
    return {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "example"},
        "user": {"id": user_id, "username": "alice", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": "T1",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "h1",
            "blocks": [],
        },
        "response_urls": [],
    }


@dataclass(frozen=True)
class Response:
    """What the app answered."""

    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def post_signed(
    url: str, secret: str, body: str, *, timestamp: int | str | None = None, timeout: float = 10.0
) -> Response:
    """POST BODY signed with SECRET to URL over real HTTP; HTTP errors are returned, not raised."""
    headers = signed_headers(secret, body, timestamp)
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode(), dict(error.headers))
