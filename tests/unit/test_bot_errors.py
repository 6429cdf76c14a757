"""The error handler and the loggers: a short answer, a case reference, never personal data."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.access import requesting_user, surface
from bot.errors import answer_error, failure_text, reference_in, run_guarded
from bot.logs import WithholdBodies, slack_logger
from cases.errors import NotFound

CLIENT = WebClient(base_url="http://127.0.0.1:9/api/")  # nothing listens: a call would raise
COMMAND = {"command": "/rights", "text": "show dsr-2026-7", "user_id": "U1"}
CLICK = {
    "type": "block_actions",
    "user": {"id": "U2"},
    "actions": [{"action_id": "preview_reply", "value": "DSR-2026-0042"}],
    "response_url": "http://127.0.0.1:9/webhook",
}
SUBMIT = {
    "type": "view_submission",
    "user": {"id": "U3"},
    "view": {"type": "modal", "private_metadata": json.dumps({"reference": "DSR-2026-0005"})},
}
HOME = {"type": "event_callback", "event": {"type": "app_home_opened", "user": "U4"}}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@pytest.mark.parametrize(
    ("body", "reference", "user", "where"),
    [
        (COMMAND, "DSR-2026-0007", "U1", "command"),
        (CLICK, "DSR-2026-0042", "U2", "block_actions"),
        (SUBMIT, "DSR-2026-0005", "U3", "view_submission"),
        (HOME, None, "U4", "event:app_home_opened"),
    ],
)
def test_each_surface_names_its_user_and_the_case_it_is_about(
    body: dict[str, Any], reference: str | None, user: str, where: str
) -> None:
    assert reference_in(body) == reference
    assert requesting_user(body) == user
    assert surface(body) == where


def test_a_users_mistake_is_shown_as_is_and_our_failure_neutrally() -> None:
    assert failure_text(NotFound("no case DSR-2026-0009"), None) == "no case DSR-2026-0009"
    ours = failure_text(ValueError("aino@example.com violates unique"), "DSR-2026-0001")
    assert ours.startswith("Sorry, something went wrong on DSR-2026-0001.")
    assert "aino" not in ours


def test_an_error_before_the_acknowledgement_answers_in_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from slack_bolt import BoltResponse

    pending = BoltResponse(status=500)
    respond = Recorder()

    with caplog.at_level(logging.DEBUG):
        answer = answer_error(KeyError("aino@example.com"), COMMAND, pending, respond, CLIENT)

    assert answer is not None and answer.status == 200
    assert "Sorry, something went wrong on DSR-2026-0007" in str(answer.body)
    assert respond.calls == []
    assert "KeyError" in caplog.text and "DSR-2026-0007" in caplog.text
    assert "aino" not in caplog.text


def test_an_error_after_the_acknowledgement_goes_through_the_response_url() -> None:
    respond = Recorder()

    answer = answer_error(NotFound("no case DSR-2026-0042"), CLICK, None, respond, CLIENT)

    assert answer is None
    assert respond.calls == [
        {"text": "no case DSR-2026-0042", "response_type": "ephemeral", "replace_original": False}
    ]


def test_a_modal_that_fails_before_its_acknowledgement_is_replaced_by_the_message() -> None:
    from slack_bolt import BoltResponse

    answer = answer_error(RuntimeError("x"), SUBMIT, BoltResponse(status=500), None, CLIENT)

    assert answer is not None
    assert isinstance(answer.body, str)
    body = json.loads(answer.body)
    assert body["response_action"] == "update"
    assert "DSR-2026-0005" in json.dumps(body["view"])


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("Invalid request signature detected (signature: v0=1, timestamp: 1, body: %s)", ("x=1",)),
        ("Sending a request - url: https://slack.com/api/chat.postMessage, payload: %s", ("{}",)),
        ("A global middleware skipped calling next() for the request (%s)", ({"text": "Aino"},)),
    ],
)
def test_log_lines_that_quote_a_payload_are_withheld(message: str, args: tuple[Any, ...]) -> None:
    record = logging.LogRecord("slack_bolt.X", logging.WARNING, __file__, 1, message, args, None)

    assert WithholdBodies().filter(record) is True
    assert record.getMessage() == "slack_bolt.X: message withheld (it may quote a Slack payload)"


def test_the_slack_libraries_never_log_below_warning_and_bolt_gets_the_filter() -> None:
    logger = slack_logger(logging.DEBUG)

    assert logging.getLogger("slack_sdk.web.base_client").getEffectiveLevel() >= logging.WARNING
    assert logger.level >= logging.INFO
    assert any(isinstance(f, WithholdBodies) for f in logger.filters)


def test_a_failure_after_the_acknowledgement_is_answered_not_raised_into_bolt() -> None:
    # Bolt would replace the acknowledgement with None and Slack would see a 404.
    ack, respond = Recorder(), Recorder()

    def work(ack: Any) -> None:
        ack()
        raise NotFound("no case DSR-2026-0042")

    run_guarded(work, ack=ack, body=CLICK, respond=respond, client=CLIENT)

    assert ack.calls == [{}]
    assert respond.calls[0]["text"] == "no case DSR-2026-0042"


def test_a_failure_before_the_acknowledgement_is_left_to_bolts_error_handler() -> None:
    def work(ack: Any) -> None:
        raise NotFound("no case DSR-2026-0042")

    with pytest.raises(NotFound):
        run_guarded(work, ack=Recorder(), body=CLICK, respond=Recorder(), client=CLIENT)
