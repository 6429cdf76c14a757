"""Lifting a restriction from Slack (Art. 18(3)): `/rights lift REF`, its form and answer.

`rightsdesk bot --http` runs as a subprocess over the example shop's data map, whose
`wp_users` maps a restriction; the case is made at the terminal as in
test_data_map_shop.py. Every Slack request is signed; the fake Slack API records what the
bot sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.e2e.slack_bot import (
    bot_environment,
    events,
    migrated_engine,
    running_bot,
    wait_for_event,
)
from tests.e2e.test_data_map_shop import (
    EXAMPLE,
    MAIJA,
    account_statuses,
    answered_restriction,
    confirm,
    deliver,
    maija_in_the_register,
    ok,
    open_case,
    register_flags,
    restricting,
)
from tests.e2e.test_slack_session import _command, _submit, _text, _view
from tests.servers import free_port
from tests.servers.slack_fake import FakeSlack
from tests.servers.smtp import SmtpSink

SHOP = "Verkkokauppa"
FIRM = "Tilitoimisto Esimerkki Oy"  # the example data map's manual system
TODAY = "2026-03-10"  # the bot's NOW (tests.e2e.slack_bot), the day the reply is approved


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def env(db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> dict[str, str]:
    shop = f"sqlite:///{tmp_path / 'shop.db'}"
    seed = [sys.executable, str(EXAMPLE / "seed.py"), shop]
    subprocess.run(seed, check=True, capture_output=True)
    mail = str(tmp_path / "mail")  # where `poll` sends the replies (no SMTP server set)
    both = bot_environment(db_url, fake_slack, SHOP_DATABASE_URL=shop, RIGHTSDESK_MAILDIR=mail)
    return restricting(both, tmp_path)


@pytest.fixture
def bot_url(engine: Engine, env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with running_bot(env, tmp_path) as url:
        yield url


def _day(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "datepicker", "selected_date": value}}


def _form(reason: str, told: str | None) -> dict[str, Any]:
    return {"lift_reason": _text(reason), "lift_informed": _day(told)}


def test_lifting_from_slack_puts_the_shop_account_back_and_says_what_it_did(
    env: dict[str, str], engine: Engine, bot_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    url = env["SHOP_DATABASE_URL"]
    maija_in_the_register(env, tmp_path)
    reference = answered_restriction(env, "en")
    assert (MAIJA, 1) in account_statuses(url) and register_flags(env) == [True]

    _command(bot_url, fake_slack, f"lift {reference}")
    form = fake_slack.wait_for("views.open")[0]
    told = next(b for b in _view(form)["blocks"] if b.get("block_id") == "lift_informed")
    # No day is filled in: that the person was told is attested by whoever picks it.
    assert told["element"] == {"type": "datepicker", "action_id": "value"}

    no_day = _submit(bot_url, form, _form("accuracy checked", None))
    no_reason = _submit(bot_url, form, _form("  ", TODAY))
    ahead = _submit(bot_url, form, _form("accuracy checked", "2026-03-11"))
    early = _submit(bot_url, form, _form("accuracy checked", "2026-03-09"))
    assert no_day.json() == {
        "response_action": "errors",
        "errors": {"lift_informed": "Pick the day the person was told of the lifting."},
    }
    assert no_reason.json() == {
        "response_action": "errors",
        "errors": {"lift_reason": "Say why the restriction ends."},
    }
    assert list(ahead.json()["errors"]) == ["lift_informed"]
    assert "not a day to come" in ahead.json()["errors"]["lift_informed"]
    assert early.json() == {
        "response_action": "errors",
        "errors": {
            "lift_informed": "The restriction was confirmed to the person on 2026-03-10: they"
            " are told of the lifting after that, and before it is lifted (GDPR Art. 18(3))."
        },
    }
    assert (MAIJA, 1) in account_statuses(url)  # refused forms changed nothing

    given = _submit(bot_url, form, _form("accuracy checked", TODAY))

    assert given.body == ""  # the modal closes; the answer follows
    lifted = wait_for_event(engine, reference, "restriction_lifted")
    assert lifted.actor == "slack:U1"
    assert (lifted.full_detail["reason"], lifted.full_detail["systems_lifted"]) == (
        "accuracy checked",
        [SHOP],
    )
    assert lifted.full_detail["informed_at"].startswith(TODAY)
    assert {s for _, s in account_statuses(url)} == {0} and register_flags(env) == [False]
    tasks = json.loads(ok(env, "tasks", "list", "--case", reference, "--json"))
    (by_hand,) = [t for t in tasks if t["kind"] == "lift_restriction"]
    answer = fake_slack.wait_for("webhook")[0].body["text"]
    assert answer.splitlines() == [
        f"Lifted the restriction of {reference} (Art. 18(3)).",
        "• C-1: restriction lifted in the register",
        f"• {SHOP}: restriction lifted in 1 row(s)",
        f"• task {by_hand['id']}: lift the restriction in {FIRM} by hand, for"
        f" {by_hand['owner']}, due {by_hand['due']}",
    ]
    assert MAIJA not in answer

    _command(bot_url, fake_slack, f"lift {reference}")
    again = fake_slack.wait_for("webhook", 2)[1].body["text"]
    assert again == f"{reference}: the restriction is already lifted"
    assert len(fake_slack.calls("views.open")) == 1


def test_a_restriction_not_yet_confirmed_to_the_person_is_not_lifted_from_slack(
    env: dict[str, str], bot_url: str, fake_slack: FakeSlack
) -> None:
    """Lifted while its reply waited, the approval would tell her "restricted" of rows
    already back: the form is not even opened, and the answer says what to do first."""
    reference = open_case(env, "restriction")
    ok(env, "cases", "fulfil", reference)

    _command(bot_url, fake_slack, f"lift {reference}")

    answer = fake_slack.wait_for("webhook")[0].body["text"]
    assert answer.startswith(
        f"{reference}: the restriction has not been confirmed to the person yet"
    )
    assert f"`/rights approve {reference}`" in answer and "Art. 18(3)" in answer
    assert fake_slack.calls("views.open") == []
    assert (MAIJA, 1) in account_statuses(env["SHOP_DATABASE_URL"])


def test_a_restriction_whose_confirmation_still_waits_in_the_outbox_is_not_lifted_from_slack(
    env: dict[str, str], engine: Engine, fake_slack: FakeSlack, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """Approved is not sent: lifted while the mail server could not be reached, the person
    would be told "restricted" after being told it was lifted. The form opens once it went."""
    down = {
        **env,
        "RIGHTSDESK_SMTP_HOST": "127.0.0.1",
        "RIGHTSDESK_SMTP_PORT": str(free_port()),  # nothing listens: the bot's outbox retries
        "RIGHTSDESK_SMTP_SECURITY": "plain",
        "RIGHTSDESK_SMTP_AUTH": "none",
        "RIGHTSDESK_MAIL_FROM": "privacy@example.com",
    }
    reference = open_case(down, "restriction")
    ok(down, "cases", "fulfil", reference)
    with running_bot(down, tmp_path) as bot_url:
        confirm(down, reference, sent=False)

        _command(bot_url, fake_slack, f"lift {reference}")

        answer = fake_slack.wait_for("webhook")[0].body["text"]
        assert answer.startswith(
            f"{reference}: the reply confirming the restriction is approved but not delivered"
            " yet (outbox mail "
        )
        assert ": pending" in answer and "so the restriction cannot be lifted now" in answer
        assert answer.endswith(
            "The outbox keeps trying and sends it once the mail server answers; lift the"
            " restriction after that"
        )
        assert fake_slack.calls("views.open") == []
        assert (MAIJA, 1) in account_statuses(env["SHOP_DATABASE_URL"])
        assert "restriction_lifted" not in [e.action for e in events(engine, reference)]

        # The server answers again: the outbox's next try, its backoff passed, delivers it.
        up = {**down, "RIGHTSDESK_SMTP_PORT": str(smtp_sink.port)}
        deliver({**up, "RIGHTSDESK_NOW": "2026-03-10T11:00:00+00:00"})
        assert len(smtp_sink.wait_for(2)) == 2  # the task's mail to its owner, and the reply
        _command(bot_url, fake_slack, f"lift {reference}")
        form = fake_slack.wait_for("views.open")[0]
        assert json.loads(_view(form)["private_metadata"])["reference"] == reference
        assert len(fake_slack.calls("webhook")) == 1  # no refusal this time


def test_lift_without_a_reference_or_for_a_case_without_a_restriction_is_refused(
    env: dict[str, str], bot_url: str, fake_slack: FakeSlack
) -> None:
    reference = open_case(env, "access")

    _command(bot_url, fake_slack, "lift")
    usage = fake_slack.wait_for("webhook")[0].body["text"]
    _command(bot_url, fake_slack, f"lift {reference}")
    no_restriction = fake_slack.wait_for("webhook", 2)[1].body["text"]

    assert usage.startswith("Usage: `/rights lift REF`")
    assert no_restriction == f"{reference}: no restriction was made for this case"
    assert fake_slack.calls("views.open") == []
