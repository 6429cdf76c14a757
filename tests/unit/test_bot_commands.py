"""The slash command's routing, called directly with recorders for ack and respond."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlmodel import Session

from bot.app import build_app
from bot.deps import BotDeps
from bot.errors import UsageError
from bot.listeners.commands import run_rights_command
from cases.controller import load_controller_toml
from cases.outbox import Sender
from cases.policy import DeskPolicy

EXAMPLE = Path(__file__).resolve().parents[2] / "rightsdesk.example.toml"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _no_database() -> Session:
    raise AssertionError("this answer must not need the database")


def make_deps(**overrides: Any) -> BotDeps:
    values: dict[str, Any] = {
        "session_factory": _no_database,
        "controller": load_controller_toml(EXAMPLE.read_text(encoding="utf-8")),
        "policy": DeskPolicy(),
        "sender": Sender("privacy@example.com", "Example Oy"),
        "clock": lambda: NOW,
        "allowed_users": frozenset({"U1"}),
        "channel": "C1",
        "bot_token": "xoxb-test",
        "signing_secret": "secret",
        "api_url": "http://127.0.0.1:9/api/",  # nothing listens: a call would fail loudly
    }
    values.update(overrides)
    return BotDeps(**values)


class Recorder:
    """Stands in for Bolt's ack or respond: remembers every call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def run(text: str, deps: BotDeps | None = None) -> tuple[Recorder, Recorder]:
    ack, respond = Recorder(), Recorder()
    run_rights_command(
        deps or make_deps(),
        ack=ack,
        command={"text": text, "user_id": "U1", "response_url": "http://127.0.0.1:9/webhook"},
        respond=respond,
        client=WebClient(base_url="http://127.0.0.1:9/api/"),
    )
    return ack, respond


def test_help_lists_every_subcommand_in_the_acknowledgement() -> None:
    ack, respond = run("help")

    text = ack.calls[0]["text"]
    for sub in ("list", "show", "new", "assign", "note", "verify", "pause", "resume", "extend"):
        assert f"`/rights {sub}" in text
    for sub in ("draft", "approve", "refuse", "close", "lift", "not-done", "search", "stats"):
        assert f"`/rights {sub}" in text
    assert ack.calls[0]["response_type"] == "ephemeral"
    assert respond.calls == []


def test_an_empty_command_is_help() -> None:
    ack, _ = run("   ")

    assert "`/rights list" in ack.calls[0]["text"]


def test_an_unknown_subcommand_gets_the_usage_without_touching_the_database() -> None:
    ack, respond = run("delete-everything DSR-2026-0001")

    assert ack.calls[0]["text"].startswith("Unknown subcommand `delete-everything`.")
    assert respond.calls == []


def test_the_command_name_is_configurable() -> None:
    ack, _ = run("help", make_deps(command="/oikeudet"))

    assert "`/oikeudet list" in ack.calls[0]["text"]


@pytest.mark.parametrize("text", ["show", "show 42", "show DSR-20-1", "list everything"])
def test_a_read_with_bad_arguments_raises_its_usage_before_the_acknowledgement(text: str) -> None:
    with pytest.raises(UsageError, match=r"^Usage: `/rights (show REF|list \[open)"):
        run(text)


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("assign DSR-2026-0001", "assign REF @user|me"),
        ("assign DSR-2026-0001 bob", "assign REF @user|me"),
        ("note DSR-2026-0001", "note REF TEXT"),
        ("verify DSR-2026-0001 manual", "verify REF [METHOD REASON]"),
        ("extend not-a-ref", "extend REF"),
        ("close", "close REF [OUTCOME]"),
    ],
)
def test_a_write_with_bad_arguments_is_acknowledged_then_answered_with_its_usage(
    text: str, usage: str
) -> None:
    ack = Recorder()
    with pytest.raises(UsageError) as raised:
        run_rights_command(
            make_deps(),
            ack=ack,
            command={"text": text, "user_id": "U1"},
            respond=Recorder(),
            client=WebClient(base_url="http://127.0.0.1:9/api/"),
        )

    assert ack.calls == [{}]  # acknowledged first: Slack's 3 s never depend on the work
    assert str(raised.value).startswith(f"Usage: `/rights {usage}` — ")


def test_the_app_is_built_without_calling_slack() -> None:
    app = build_app(deps=make_deps())  # the API URL points at nothing: a call would raise

    assert app.client.base_url == "http://127.0.0.1:9/api/"


def test_nobody_may_use_the_app_when_the_allow_list_is_empty() -> None:
    deps = make_deps(allowed_users=frozenset())

    assert not deps.is_allowed("U1")
    assert not deps.is_allowed(None)
    assert make_deps().is_allowed("U1")


def test_the_manifest_declares_what_the_app_listens_to_and_no_more_scopes() -> None:
    manifest = (EXAMPLE.parent / "slack" / "manifest.yaml").read_text(encoding="utf-8")

    assert "- command: /rights" in manifest
    assert "- app_home_opened" in manifest
    assert "socket_mode_enabled: true" in manifest
    assert "home_tab_enabled: true" in manifest
    scopes = manifest.split("bot:\n", 1)[1].split("settings:", 1)[0]
    listed = [line.strip() for line in scopes.splitlines() if line.strip()]
    assert [line.split("#")[0].strip() for line in listed if line.startswith("-")] == [
        "- commands",
        "- chat:write",
        "- im:write",
        "- channels:history",
        "- groups:history",
        "- im:history",
    ]
