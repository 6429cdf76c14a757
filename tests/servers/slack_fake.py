"""A fake Slack Web API on loopback: records each call and answers like Slack (design.md §3)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

WEBHOOK = "webhook"  # the method name recorded for POSTs to /webhook/* (response_url)


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    path: str
    method: str  # "chat.postMessage", or "webhook" for /webhook/*
    body: dict[str, Any]  # query parameters, then the form or JSON body
    token: str | None  # from "Authorization: Bearer ...", else a "token" field
    headers: dict[str, str]
    raw: bytes


@dataclass
class _Override:
    payload: dict[str, Any]
    status: int
    headers: dict[str, str]
    remaining: int | None  # None: for good
    lost: bool = False  # do the work, then drop the connection before answering


@dataclass(frozen=True)
class _Refusal:
    method: str
    when: Callable[[Call], bool]
    payload: dict[str, Any]


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    answers: list[tuple[Call, dict[str, Any]]] = field(default_factory=list)
    overrides: dict[str, list[_Override]] = field(default_factory=dict)
    refusals: list[_Refusal] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    messages: list[dict[str, Any]] = field(default_factory=list)  # what chat.postMessage posted
    files: dict[str, bytes] = field(default_factory=dict)  # uploads, by path under /files/
    delays: dict[str, float] = field(default_factory=dict)  # seconds before answering, by method


LOST = -1  # the status _handle returns when the answer is to be lost
# What a proxy in front of Slack sends with a 5xx: a page, not JSON (the body Slack's client
# then quotes in its error, which must never reach health or a log).
ERROR_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>maija@example.com</body>"
_PAGE = "__page__"  # a payload key: answer with ERROR_PAGE as text/html


class FakeSlack:
    """ThreadingHTTPServer on 127.0.0.1:0; `url` is a base_url for slack_sdk's WebClient."""

    def __init__(self, *, socket_mode_url: str = "ws://127.0.0.1:9/") -> None:
        self.socket_mode_url = socket_mode_url  # what apps.connections.open answers
        self._state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen on a free loopback port."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-slack", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL, ending in /api/ as WebClient(base_url=...) expects."""
        return f"{self.base}/api/"

    def webhook_url(self, name: str = "response") -> str:
        """A response_url that this fake records."""
        return f"{self.base}/webhook/{name}"

    def add_file(self, name: str, data: bytes, mimetype: str = "text/csv") -> dict[str, Any]:
        """A file a user uploaded in a modal, as file_input's state carries it."""
        file_id = f"F{len(self._state.files) + 1:08d}"
        with self._state.cond:
            self._state.files[f"/files/{file_id}/{name}"] = data
        return {
            "id": file_id,
            "name": name,
            "mimetype": mimetype,
            "size": len(data),
            "url_private_download": f"{self.base}/files/{file_id}/{name}",
        }

    # assertions -----------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, optionally only those of METHOD."""
        with self._state.cond:
            return [c for c in self._state.calls if method is None or c.method == method]

    def wait_for(self, method: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until METHOD was called N times; returns those calls, raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._state.cond:
            while True:
                found = [c for c in self._state.calls if c.method == method]
                if len(found) >= n:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{method}: expected {n} calls, got {len(found)}")
                self._state.cond.wait(remaining)

    def clear(self) -> None:
        """Forget recorded calls (overrides stay)."""
        with self._state.cond:
            self._state.calls.clear()
            self._state.answers.clear()

    def set_response(
        self,
        method: str,
        payload: Mapping[str, Any],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer METHOD with PAYLOAD, for TIMES calls (None: until reset); overrides queue up.

        E.g. a rate limit: set_response("chat.postMessage", {"ok": False, "error": "ratelimited"},
        status=429, headers={"Retry-After": "1"}, times=1).
        """
        override = _Override(dict(payload), status, dict(headers or {}), times)
        with self._state.cond:
            self._state.overrides.setdefault(method, []).append(override)

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        retry_after: float | None = None,
        times: int | None = None,
    ) -> None:
        """Refuse METHOD with Slack's ERROR (429 with Retry-After for "ratelimited")."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        payload = {"ok": False, "error": error}
        self.set_response(method, payload, status=status, headers=headers, times=times)

    def lose_answer(self, method: str, *, times: int = 1, status: int | None = None) -> None:
        """Do what METHOD asks (a post is posted), then close the connection unanswered, or
        with `status` answer that HTTP status with ERROR_PAGE (Slack failing after acting).
        """
        override = _Override({}, LOST if status is None else status, {}, times, lost=True)
        with self._state.cond:
            self._state.overrides.setdefault(method, []).append(override)

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted so far (channel, ts, thread_ts, text, blocks, metadata)."""
        with self._state.cond:
            return [m for m in self._state.messages if channel in (None, m["channel"])]

    def refuse_when(
        self, method: str, when: Callable[[Call], bool], error: str = "invalid_blocks"
    ) -> None:
        """Answer every call of METHOD for which WHEN is true with `ok: false` and ERROR, for good.

        E.g. Slack refusing one case's message while it still accepts every other post.
        """
        refusal = _Refusal(method, when, {"ok": False, "error": error})
        with self._state.cond:
            self._state.refusals.append(refusal)

    def answers(self, method: str | None = None) -> list[tuple[Call, dict[str, Any]]]:
        """(call, what the fake answered) pairs, optionally only those of METHOD."""
        with self._state.cond:
            return [(c, a) for c, a in self._state.answers if method is None or c.method == method]

    def slow_down(self, method: str, seconds: float) -> None:
        """Answer METHOD only after SECONDS (Slack slow, but within the client's timeout)."""
        with self._state.cond:
            self._state.delays[method] = seconds

    def reset_responses(self) -> None:
        """Back to the canned answers, at full speed."""
        with self._state.cond:
            self._state.overrides.clear()
            self._state.refusals.clear()
            self._state.delays.clear()

    # serving --------------------------------------------------------------------------------

    def _handle(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._state.cond:
            delay = self._state.delays.get(call.method, 0.0)
        time.sleep(delay)  # in this request's own thread: other calls are answered meanwhile
        status, headers, payload = self._answer(call)
        with self._state.cond:
            self._state.answers.append((call, payload))
        return status, headers, payload

    def _answer(self, call: Call) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._state.cond:
            self._state.calls.append(call)
            self._state.cond.notify_all()
            for refusal in self._state.refusals:
                if refusal.method == call.method and refusal.when(call):
                    return 200, {}, dict(refusal.payload)
            queue = self._state.overrides.get(call.method, [])
            after: int | None = None  # the status to answer once the work is done
            if queue:
                override = queue[0]
                if override.remaining is not None:
                    override.remaining -= 1
                    if override.remaining <= 0:
                        queue.pop(0)
                if not override.lost:
                    return override.status, override.headers, override.payload
                after = override.status
            n = next(self._state.counter)
            payload = self._canned(call, n)
        if after is None:
            return 200, {}, payload
        return after, {}, (payload if after == LOST else {_PAGE: True})

    def _canned(self, call: Call, n: int) -> dict[str, Any]:
        answer = _CANNED.get(call.method)
        payload = answer(self, call.body, n) if answer else {}
        return {"ok": True, **payload}


def _ts(n: int) -> str:
    return f"1700000000.{n:06d}"


def _post_message(fake: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    channel = str(body.get("channel", "C1"))
    if channel[:1] in ("U", "W"):  # Slack posts to a user id in the app's DM with them
        channel = f"D{channel}"
    message = {"type": "message", "text": body.get("text", ""), "user": "UBOT", "ts": _ts(n)}
    fake._state.messages.append(
        {
            "channel": channel,
            "ts": _ts(n),
            "thread_ts": body.get("thread_ts"),
            "text": body.get("text", ""),
            "blocks": body.get("blocks"),
            "metadata": body.get("metadata"),
        }
    )
    return {"channel": channel, "ts": _ts(n), "message": message}


def _history(fake: FakeSlack, body: dict[str, Any], n: int, *, thread: bool) -> dict[str, Any]:
    """conversations.history (top-level, newest first) or .replies (one thread, oldest first)."""
    channel, ts = body.get("channel"), body.get("ts")
    if str(channel)[:1] in ("U", "W"):  # a user id is no conversation: Slack refuses it
        return {"ok": False, "error": "channel_not_found"}
    found = [
        m
        for m in fake._state.messages
        if m["channel"] == channel
        and ((m["thread_ts"] == ts or m["ts"] == ts) if thread else not m["thread_ts"])
    ]
    with_metadata = str(body.get("include_all_metadata", "")).lower() in ("true", "1")
    messages = [
        {
            "type": "message",
            "ts": m["ts"],
            "text": m["text"],
            **({"thread_ts": m["thread_ts"]} if m["thread_ts"] else {}),
            **({"metadata": m["metadata"]} if with_metadata and m["metadata"] else {}),
        }
        for m in (found if thread else reversed(found))
    ]
    return {"messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}}


def _replies(fake: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    return _history(fake, body, n, thread=True)


def _channel_history(fake: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    return _history(fake, body, n, thread=False)


def _update(_: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    return {"channel": body.get("channel", "C1"), "ts": body.get("ts", _ts(n)), "text": ""}


def _view(_: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    view = body.get("view", {})
    if isinstance(view, str):
        view = json.loads(view)
    return {"view": {**view, "id": body.get("view_id") or f"V{n:08d}", "hash": f"h{n}"}}


def _auth_test(_: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "url": "https://example.invalid/",
        "team": "Example",
        "user": "rightsdesk",
        "team_id": "T1",
        "user_id": "UBOT",
        "bot_id": "B1",
        "is_enterprise_install": False,
    }


def _conversations_open(_: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    users = body.get("users", "U1")
    first = users[0] if isinstance(users, list) else str(users).split(",")[0]
    return {"channel": {"id": f"D{first}"}}


def _users_info(_: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    user = str(body.get("user", "U1"))
    name = f"user-{user.lower()}"
    profile = {"real_name": f"Test User {user}", "email": f"{name}@example.com"}
    return {
        "user": {
            "id": user,
            "team_id": "T1",
            "name": name,
            "real_name": profile["real_name"],
            "tz": "Europe/Helsinki",
            "is_bot": False,
            "profile": profile,
        }
    }


def _connections_open(fake: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    return {"url": fake.socket_mode_url}


def _ephemeral(_: FakeSlack, body: dict[str, Any], n: int) -> dict[str, Any]:
    return {"message_ts": _ts(n)}


_CANNED: dict[str, Callable[[FakeSlack, dict[str, Any], int], dict[str, Any]]] = {
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "conversations.replies": _replies,
    "conversations.history": _channel_history,
    "chat.postEphemeral": _ephemeral,
    "views.open": _view,
    "views.publish": _view,
    "views.update": _view,
    "views.push": _view,
    "auth.test": _auth_test,
    "conversations.open": _conversations_open,
    "users.info": _users_info,
    "apps.connections.open": _connections_open,
}


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return {}


def _handler_class(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output free of request lines (and the data in them)

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
            body.update(_parse_body(self.headers.get("Content-Type", ""), raw))
            if parts.path.startswith("/files/"):
                self._file(parts.path)
                return
            if parts.path.startswith("/api/"):
                method = parts.path.removeprefix("/api/")
            elif parts.path.startswith("/webhook/"):
                method = WEBHOOK
            else:
                self._reply(404, {}, {"ok": False, "error": "unknown_path"})
                return
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
            if token is None and isinstance(body.get("token"), str):
                token = body["token"]
            headers = {k.lower(): v for k, v in self.headers.items()}
            call = Call(parts.path, method, body, token, headers, raw)
            status, extra_headers, payload = fake._handle(call)
            if status == LOST:  # Slack did it, but the answer never reaches the client
                self.close_connection = True
                return
            self._reply(status, extra_headers, payload)

        def _file(self, path: str) -> None:
            """A private file: only with a bot token, as files.slack.com wants."""
            with fake._state.cond:
                data = fake._state.files.get(path)
                fake._state.calls.append(
                    Call(path, "files", {}, self.headers.get("Authorization"), {}, b"")
                )
                fake._state.cond.notify_all()
            if data is None or not self.headers.get("Authorization", "").startswith("Bearer xoxb-"):
                self._reply(404, {}, {"ok": False, "error": "file_not_found"})
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reply(self, status: int, headers: dict[str, str], payload: dict[str, Any]) -> None:
            page = payload.get(_PAGE) is True
            data = ERROR_PAGE.encode() if page else json.dumps(payload).encode()
            self.send_response(status)
            kind = "text/html" if page else "application/json"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
