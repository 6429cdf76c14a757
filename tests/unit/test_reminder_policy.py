"""The reminder policy, walked day by day with a frozen clock over Finnish holidays."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from cases.deadlines import HELSINKI, due_date
from cases.reminder_texts import digest_lines, reminder_text
from cases.reminders import (
    CaseSnapshot,
    Reminder,
    ReminderConfig,
    digest,
    digest_due,
    due_reminders,
    rebuild,
)

RECEIVED = date(2026, 11, 24)  # due 2026-12-28: Christmas Eve, Christmas, Boxing Day, Sunday
DUE = date(2026, 12, 28)


def _case(**changes: object) -> CaseSnapshot:
    base = CaseSnapshot(
        id=1,
        reference="DSR-2026-0001",
        status="in_progress",
        receipt_date=RECEIVED,
        due_date=DUE,
        effective_due_date=DUE,
        assignee="slack:U0PASI",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), HELSINKI).astimezone(UTC)


def _walk(
    case: CaseSnapshot,
    start: date,
    end: date,
    config: ReminderConfig | None = None,
    runs_per_day: int = 2,
) -> list[tuple[date, str, int]]:
    """Run the policy each day (twice, like a restart) with a ledger of keys already sent."""
    sent: set[tuple[int, str, date, date]] = set()
    out: list[tuple[date, str, int]] = []
    day = start
    while day <= end:
        for run in range(runs_per_day):
            for r in due_reminders(case, _at(day, 9 + run), config or ReminderConfig()):
                key = (r.case_id, r.kind, r.due_date, r.day)
                if key not in sent:
                    sent.add(key)
                    out.append((day, r.kind, r.days))
        day += timedelta(days=1)
    return out


def test_the_example_due_date_is_the_monday_after_christmas() -> None:
    assert due_date(RECEIVED) == DUE


def test_an_assigned_case_due_after_christmas_is_reminded_on_exactly_these_working_days() -> None:
    sent = _walk(_case(), RECEIVED, date(2027, 1, 8))
    assert sent == [
        (date(2026, 12, 15), "before_7", 7),
        (date(2026, 12, 21), "before_3", 3),
        (date(2026, 12, 23), "before_1", 1),
        # 24-27 Dec: Christmas Eve, Christmas Day, Boxing Day, Sunday: no reminders
        (date(2026, 12, 28), "due_today", 0),
        (date(2026, 12, 29), "overdue", 1),
        (date(2026, 12, 30), "overdue", 2),
        (date(2026, 12, 31), "overdue", 3),
        # 1 Jan New Year's Day, 2-3 Jan weekend
        (date(2027, 1, 4), "overdue", 7),
        (date(2027, 1, 5), "overdue", 8),
        # 6 Jan Epiphany
        (date(2027, 1, 7), "overdue", 10),
        (date(2027, 1, 8), "overdue", 11),
    ]


def test_with_the_safe_date_setting_reminders_aim_at_christmas_eve() -> None:
    config = ReminderConfig(christmas_eve_working=True)
    sent = _walk(_case(), date(2026, 12, 1), date(2026, 12, 29), config)
    assert sent == [
        (date(2026, 12, 15), "before_7", 7),
        (date(2026, 12, 21), "before_3", 3),
        (date(2026, 12, 23), "before_1", 1),
        (date(2026, 12, 24), "due_today", 0),
        (date(2026, 12, 28), "overdue", 4),
        (date(2026, 12, 29), "overdue", 5),
    ]


def test_nothing_is_sent_before_the_morning_or_on_a_weekend() -> None:
    config = ReminderConfig()
    assert due_reminders(_case(), _at(date(2026, 12, 15), 7, 59), config) == []
    assert due_reminders(_case(), _at(date(2026, 12, 15), 8, 0), config) != []
    assert due_reminders(_case(), _at(date(2026, 12, 19)), config) == []  # Saturday


def test_a_run_that_missed_a_step_sends_the_newest_step_late_and_only_once() -> None:
    # The service was down from 14 to 21 December: on the 22nd only before_3 goes out.
    sent = _walk(_case(), date(2026, 12, 22), date(2026, 12, 22))
    assert sent == [(date(2026, 12, 22), "before_3", 2)]


def test_an_unassigned_case_goes_to_the_channel_after_one_working_day() -> None:
    case = _case(
        assignee=None,
        receipt_date=date(2026, 12, 10),
        due_date=date(2027, 1, 11),
        effective_due_date=date(2027, 1, 11),
    )
    sent = _walk(case, date(2026, 12, 10), date(2026, 12, 14))
    assert sent == [(date(2026, 12, 11), "unassigned", 1)]
    reminders = due_reminders(case, _at(date(2026, 12, 11)))
    assert [r.target for r in reminders] == [None]


def test_a_case_received_on_saturday_is_unassigned_on_monday() -> None:
    case = _case(
        assignee=None,
        receipt_date=date(2026, 12, 12),
        due_date=date(2027, 1, 12),
        effective_due_date=date(2027, 1, 12),
    )
    assert _walk(case, date(2026, 12, 12), date(2026, 12, 15)) == [
        (date(2026, 12, 14), "unassigned", 1)
    ]


def test_a_paused_case_gets_one_nudge_after_five_working_days_and_no_countdown() -> None:
    paused_at = _at(date(2026, 12, 10), 14)  # Thursday
    case = _case(status="awaiting_identity", paused_since=paused_at)
    sent = _walk(case, date(2026, 12, 10), date(2026, 12, 31))
    # 11, 14, 15, 16, 17 December are the five working days: nudge on the 17th, once.
    assert sent == [(date(2026, 12, 17), "awaiting_requester", 5)]
    reminder = due_reminders(case, _at(date(2026, 12, 17)))[0]
    assert reminder.text_key == "awaiting_identity"


def test_a_complex_unextended_case_is_reminded_of_the_extension_window_once() -> None:
    sent = _walk(_case(is_complex=True), date(2026, 12, 14), date(2026, 12, 18))
    # 17 Dec is five working days before 28 Dec (23, 22, 21, 18, 17).
    assert (date(2026, 12, 17), "extension_window", 5) in sent
    assert [kind for _, kind, _ in sent].count("extension_window") == 1


def test_an_extended_case_whose_requester_was_not_told_is_reminded_to_send_the_notice() -> None:
    case = _case(extended_due_date=date(2027, 2, 24), effective_due_date=date(2027, 2, 24))
    reminders = due_reminders(case, _at(date(2026, 12, 21)))
    notices = [r for r in reminders if r.kind == "extension_window"]
    assert [(r.text_key, r.due_date) for r in notices] == [("extension_notify", DUE)]
    told = replace(case, extension_notified=True)
    assert [r.kind for r in due_reminders(told, _at(date(2026, 12, 21)))] == []


def test_an_extended_case_counts_down_to_the_extended_date() -> None:
    case = _case(
        extended_due_date=date(2027, 2, 24),
        effective_due_date=date(2027, 2, 24),
        extension_notified=True,
    )
    sent = _walk(case, date(2027, 2, 10), date(2027, 2, 25))
    assert [(d, k) for d, k, _ in sent] == [
        (date(2027, 2, 15), "before_7"),
        (date(2027, 2, 19), "before_3"),
        (date(2027, 2, 23), "before_1"),
        (date(2027, 2, 24), "due_today"),
        (date(2027, 2, 25), "overdue"),
    ]


@pytest.mark.parametrize("status", ["responded", "refused", "withdrawn", "closed"])
def test_an_answered_case_gets_no_reminders(status: str) -> None:
    assert due_reminders(_case(status=status), _at(DUE)) == []


def test_offsets_are_configurable() -> None:
    config = ReminderConfig(before=(2,), on_day=False, overdue_daily=False)
    sent = _walk(_case(), date(2026, 12, 1), date(2027, 1, 8), config)
    assert sent == [(date(2026, 12, 22), "before_2", 2)]


def test_a_retry_rebuilds_the_claimed_reminder_with_todays_counts() -> None:
    again = rebuild(
        _case(), kind="overdue", due_date=DUE, day=date(2026, 12, 29), now=_at(date(2026, 12, 30))
    )
    assert (again.kind, again.day, again.days, again.text_key) == (
        "overdue",
        date(2026, 12, 29),
        2,
        "overdue",
    )


def test_reminder_text_names_the_reference_and_date_but_no_person() -> None:
    reminder = Reminder(
        1, "DSR-2026-0001", "before_3", DUE, date(2026, 12, 21), "slack:U0PASI", "before_3", 3
    )
    text = reminder_text(reminder)
    assert "DSR-2026-0001" in text and "2026-12-28" in text and "3 working days" in text
    assert "U0PASI" not in text


def test_the_digest_sorts_cases_into_due_this_week_overdue_awaiting_and_drafts() -> None:
    now = _at(date(2026, 12, 21))
    cases = [
        _case(id=1, reference="DSR-2026-0001"),  # due 28 Dec: this week
        _case(
            id=2,
            reference="DSR-2026-0002",
            due_date=date(2026, 12, 17),
            effective_due_date=date(2026, 12, 17),
        ),
        _case(
            id=3,
            reference="DSR-2026-0003",
            status="awaiting_clarification",
            paused_since=_at(date(2026, 12, 14)),
        ),
        _case(
            id=4,
            reference="DSR-2026-0004",
            due_date=date(2027, 1, 20),
            effective_due_date=date(2027, 1, 20),
            pending_drafts=1,
        ),
        _case(id=5, reference="DSR-2026-0005", status="closed"),
    ]
    d = digest(cases, now)
    assert [i.reference for i in d.due_this_week] == ["DSR-2026-0001"]
    assert [(i.reference, i.days) for i in d.overdue] == [("DSR-2026-0002", -4)]
    assert [(i.reference, i.days) for i in d.awaiting_requester] == [("DSR-2026-0003", 5)]
    assert [i.reference for i in d.drafts_waiting] == ["DSR-2026-0004"]
    text = "\n".join(digest_lines(d))
    assert "DSR-2026-0002: due 2026-12-17, 4 days overdue" in text
    assert "U0PASI" not in text


def test_the_digest_goes_out_at_nine_on_working_days_only() -> None:
    assert digest_due(_at(date(2026, 12, 21), 8, 59)) is None
    assert digest_due(_at(date(2026, 12, 21), 9, 0)) == date(2026, 12, 21)
    assert digest_due(_at(date(2026, 12, 24), 10)) is None  # Christmas Eve
    assert digest_due(_at(date(2026, 12, 24), 10), ReminderConfig(christmas_eve_working=True))
