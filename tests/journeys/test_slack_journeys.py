"""Journeys through Slack: the contact person clicks in the channel, the requester gets mail."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.journeys.desk import EARLIER, USER, Desk, mail, text_of
from tests.servers.slack_fake import Call

pytestmark = pytest.mark.dovecot  # and PostgreSQL, through the desk's parameter

LIISA = ("Liisa Korhonen", "liisa.korhonen@example.com")
OLIVER = ("Oliver Brown", "oliver.brown@example.com")
NOAH = ("Noah Nieminen", "noah.nieminen@example.invalid")
MIKKO_AT_HOME = ("Mikko Virtanen", "mikko.home@example.invalid")
MIKKO_IN_REGISTER = "mikko.virtanen@example.com"
ELIN = ("Elin Korhonen", "elin.korhonen@example.invalid")
AINO = ("Aino Virtanen", "aino.virtanen@example.invalid")
ANNA = ("Anna Nieminen", "anna.nieminen@example.invalid")

ACCESS_FI = (
    "Tietopyyntö",
    "Hei,\n\npyydän tietosuoja-asetuksen 15 artiklan nojalla kopion kaikista minua koskevista"
    " henkilötiedoista.\n\nTerveisin\n{name}\n",
)
ACCESS_EN = (
    "Subject access request",
    "Dear Sir or Madam,\n\nunder Article 15 GDPR I request a copy of all personal data you hold"
    " about me.\n\nYours faithfully,\n{name}\n",
)


def _request(desk: Desk, who: tuple[str, str], template: tuple[str, str]) -> str:
    """WHO mails a request; returns the reference of the case intake opens for it."""
    subject, body = template
    desk.send(mail(who, subject, body.format(name=who[0])))
    reference: str = desk.case_from(who[1])["reference"]
    return reference


def _blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = body.get("blocks") or []
    parsed: list[dict[str, Any]] = json.loads(blocks) if isinstance(blocks, str) else blocks
    return parsed


def _button(answer: Call, action_id: str) -> dict[str, Any]:
    """The button ACTION_ID in the blocks of a bot's answer."""
    for block in _blocks(answer.body):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {answer.body}")


def _approve_in_slack(desk: Desk, reference: str, ts: str) -> Call:
    """Preview reply on the channel message, then Approve under the preview."""
    preview = desk.click("preview_reply", reference, ts=ts)
    approve = _button(preview, "approve_reply")
    return desk.click("approve_reply", str(approve["value"]), ts=ts)


def test_a_reply_approved_in_slack_reaches_the_requester(desk: Desk) -> None:
    reference = _request(desk, LIISA, ACCESS_FI)
    ts = desk.root_ts(reference)
    desk.cli("cases", "fulfil", reference)

    done = _approve_in_slack(desk, reference, ts)

    assert f"the reply to {reference} is queued" in done.body["text"]
    reply = desk.mail_to(LIISA[1], f"[{reference}]", "Vastaus tietojen tarkastuspyyntöösi")
    assert text_of(reply).startswith("Hei Liisa Korhonen")
    desk.wait(
        lambda: any(f"reply approved by <@{USER}>" in line for line in desk.thread_lines(ts)),
        "the approval in the case's thread",
    )


def test_an_extension_given_in_slack_is_notified_to_the_requester_with_its_reasons(
    desk: Desk,
) -> None:
    reference = _request(desk, OLIVER, ACCESS_EN)
    ts = desk.root_ts(reference)
    reasons = "Your orders are kept in three archived systems that we must search one by one."

    form = desk.click_for_modal("extend_case", reference, ts)
    given = desk.submit(
        form,
        {
            "extend_reasons": {"value": {"type": "plain_text_input", "value": reasons}},
            "extend_ground": {
                "value": {"type": "radio_buttons", "selected_option": {"value": "complexity"}}
            },
        },
    )
    assert given.body == ""  # the modal closes
    assert desk.show(reference)["extended_due_date"] == "2027-03-09"
    _approve_in_slack(desk, reference, ts)

    notice = desk.mail_to(OLIVER[1], f"[{reference}]", "extending the time limit")
    # The ground is Art. 12(3)'s; the reasons are quoted as the contact person's own words.
    assert "by two months, because your request is complex" in text_of(notice)
    lines = text_of(notice).replace("\r\n", "\n")
    assert f"In our case handler's own words:\n\n    “{reasons}”" in lines
    assert "9 March 2027" in text_of(notice)
    assert desk.show(reference)["extension_notified_at"] is not None


def test_a_follow_up_mail_in_the_thread_appears_in_the_cases_slack_thread(desk: Desk) -> None:
    reference = _request(desk, NOAH, ACCESS_EN)
    ts = desk.root_ts(reference)
    ack = desk.mail_to(NOAH[1], f"[{reference}]")

    desk.send(
        mail(
            NOAH,
            f"Re: {ack.message['Subject']}",
            "Hello again,\n\nmy customer number might help: I have none, I only used the shop"
            " as a guest.\n\nNoah\n",
            reply_to=ack,
        )
    )

    line = desk.wait(
        lambda: next((t for t in desk.thread_lines(ts) if "message received" in t), None),
        f"a thread line for the follow-up of {reference}",
    )
    assert NOAH[1] not in line and NOAH[0] not in line  # the channel never names the requester


def test_a_requester_who_does_not_answer_brings_a_dm_and_from_it_a_reminder_mail(
    desk: Desk,
) -> None:
    # Eight days ago a letter came in from Mikko; the code went to the register's address.
    opened = desk.cli(
        "cases", "open", "--kinds", "access", "--name", MIKKO_AT_HOME[0],
        "--email", MIKKO_AT_HOME[1], "--channel", "letter", "--received", EARLIER[:10],
        "--json", now=EARLIER,
    )  # fmt: skip
    reference = json.loads(opened)["reference"]
    desk.cli("cases", "assign", reference, f"slack:{USER}", now=EARLIER)
    desk.cli("cases", "link", reference, "C-3005", now=EARLIER)
    desk.cli("cases", "identify", reference, now=EARLIER)
    code_mail = desk.mail_to(MIKKO_IN_REGISTER, f"[{reference}]", "Vahvistuskoodi")

    desk.cli("remind", "--once", ok=False)  # what the scheduler of `run` does every minute

    def direct_message() -> tuple[Call, dict[str, Any]] | None:
        for call, answer in desk.slack.answers("chat.postMessage"):
            ids = [b.get("block_id") for b in _blocks(call.body)]
            if f"reminder:awaiting_requester:{reference}" in ids:
                return call, answer
        return None

    dm, answer = desk.wait(direct_message, f"the reminder of {reference}")
    assert dm.body["channel"] == f"D{USER}"  # the fake opens D<user> for conversations.open
    assert MIKKO_AT_HOME[0] not in json.dumps(dm.body)
    remind = _button(dm, "remind_requester")

    desk.click("remind_requester", str(remind["value"]), channel=f"D{USER}", ts=answer["ts"])

    reminder = desk.mail_to(MIKKO_IN_REGISTER, f"[{reference}]", "Muistutus")
    assert text_of(reminder).startswith("Muistutamme alla olevasta viestistämme")
    assert text_of(code_mail).strip() in text_of(reminder)
    assert MIKKO_AT_HOME[1] not in reminder.rcpt_tos


def test_a_case_due_today_brings_its_assignee_a_reminder_by_direct_message(desk: Desk) -> None:
    # A letter received a month ago (9 November) is due today, Wednesday 9 December.
    # `run`'s own scheduler sweeps every minute: when it comes between the opening and the
    # assignment, the unassigned case's reminder rightly goes to the channel, once that day.
    # Such a case proves nothing here, so a new one is opened (three tries in a row).
    for _attempt in range(3):
        opened = desk.cli(
            "cases", "open", "--kinds", "erasure", "--name", ANNA[0], "--email", ANNA[1],
            "--channel", "letter", "--received", "2026-11-09", "--json", now=EARLIER,
        )  # fmt: skip
        reference = json.loads(opened)["reference"]
        desk.cli("cases", "assign", reference, f"slack:{USER}", now=EARLIER)

        desk.cli("remind", "--once", ok=False)  # what the scheduler of `run` does every minute

        def reminder(reference: str = reference) -> Call | None:
            for call in desk.slack.calls("chat.postMessage"):
                ids = [b.get("block_id") for b in _blocks(call.body)]
                if f"reminder:due_today:{reference}" in ids:
                    return call
            return None

        dm = desk.wait(reminder, f"the due-today reminder of {reference}")
        if dm.body["channel"] == f"D{USER}":
            break
    assert dm.body["channel"] == f"D{USER}"
    assert reference in dm.body["text"]
    assert ANNA[0] not in json.dumps(dm.body) and ANNA[1] not in json.dumps(dm.body)
    assert _button(dm, "preview_reply")["value"] == reference


_PUBLICATION_POST = re.compile(r"^DSR-\d{4}-\d+: publication opt out, due ")


def _publication_opt_out_post(call: Call) -> bool:
    """The channel message of a publication opt-out case (its thread lines pass)."""
    text = str(call.body.get("text", ""))
    return not call.body.get("thread_ts") and bool(_PUBLICATION_POST.match(text))


def test_a_case_slack_refuses_to_post_does_not_hold_back_later_cases(desk: Desk) -> None:
    desk.slack.refuse_when("chat.postMessage", _publication_opt_out_post, "invalid_blocks")
    try:
        refused = _request(
            desk,
            ELIN,
            (
                "Förbud mot publicering",
                "Hej,\n\njag förbjuder att mina uppgifter publiceras i förteckningar eller på"
                " adressetiketter.\n\n{name}\n",
            ),
        )
        desk.wait(
            lambda: any(
                c.body.get("text", "").startswith(f"{refused}:")
                for c in desk.slack.calls("chat.postMessage")
            ),
            f"the attempt to post {refused}",
        )
        later = _request(desk, AINO, ACCESS_FI)

        assert desk.root_ts(later)
    finally:
        desk.slack.reset_responses()  # Slack accepts it again: the shared desk goes on
