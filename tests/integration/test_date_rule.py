"""One rule for a date without a time: the terminal and Slack's forms take the same strings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot import modals
from bot.listeners.views import _new_case_errors
from rightsdesk.cli import main
from tests.replies_support import EXAMPLE_CONFIG, T0

# Today at the desk is Thursday 5 March 2026.
DATES = {
    "2026-03-04": True,
    " 2026-03-05 ": True,
    "2026-03-06": False,  # tomorrow: a request cannot arrive in the future
    "20260304": False,  # ISO 8601's basic form: Python reads it, people misread it
    "2026-W10-3": False,
    "2026-02-30": False,
    "2026-3-4": False,
    "4.3.2026": False,
    "soon": False,
}


def slack_form(day: str) -> dict[str, Any]:
    """The new-case modal as Slack submits it, with `day` in its date picker."""
    values = {
        "requester_name": {"type": "plain_text_input", "value": "Aino Laine"},
        "kinds": {"type": "multi_static_select", "selected_options": [{"value": "access"}]},
        "channel": {"type": "static_select", "selected_option": {"value": "letter"}},
        "received": {"type": "datepicker", "selected_date": day},
    }
    return {"state": {"values": {block: {"value": v} for block, v in values.items()}}}


@pytest.fixture
def terminal(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI on this store, on Thursday 5 March 2026."""
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("RIGHTSDESK_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("RIGHTSDESK_NOW", T0.isoformat())
    monkeypatch.chdir(tmp_path)


def test_the_terminal_and_slack_accept_and_refuse_the_same_dates(
    terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    for day, valid in DATES.items():
        opened = main(["cases", "open", "--kinds", "access", "--name", "Aino", "--received", day])
        errors, _ = _new_case_errors(slack_form(day), T0)
        assert (opened == 0, modals.RECEIVED not in errors) == (valid, valid), day
        if opened != 0:
            assert capsys.readouterr().err.count("\n") == 1  # one line, no traceback
    capsys.readouterr()


def test_a_bad_date_reads_the_same_at_the_terminal_and_in_slack(
    terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cases", "open", "--kinds", "restriction", "--name", "Aino"]) == 0
    reference = capsys.readouterr().out.split(":")[0]
    typed = main(["cases", "fulfil", reference, "--accuracy-check-until", "20260304"])
    errors, _ = _new_case_errors(slack_form("20260304"), T0)

    assert typed == 2
    said = "not a date (YYYY-MM-DD): '20260304'"
    assert capsys.readouterr().err == f"error: {said}\n"
    assert errors[modals.RECEIVED] == said
