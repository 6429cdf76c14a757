"""GDPR Art. 12(3) deadlines counted under Reg. 1182/71 Art. 3 with Finnish holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases import deadlines
from cases.deadlines import (
    HELSINKI,
    add_months_clamped,
    add_working_days,
    check_extension,
    deadline_instant,
    due_date,
    explain,
    extended_due_date,
    is_working_day,
    non_working_reason,
    receipt_date,
    roll_forward,
    subtract_working_days,
    working_days_between,
)
from cases.errors import UserError


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# received, paused days, due, extended due: design.md §1.1 (2026-03-31 and 2026-04-01 extended
# dates and the paused extended date are derived by the same rule).
DESIGN_EXAMPLES = [
    pytest.param(
        date(2027, 3, 5),
        0,
        date(2027, 4, 5),
        date(2027, 6, 7),
        id="a request received on 5 march 2027 is due on 5 april, extended to monday 7 june",
    ),
    pytest.param(
        date(2026, 3, 5),
        0,
        date(2026, 4, 7),
        date(2026, 6, 5),
        id="a request received on 5 march 2026 is due after easter sunday and monday on 7 april",
    ),
    pytest.param(
        date(2026, 1, 31),
        0,
        date(2026, 3, 2),
        date(2026, 4, 30),
        id="a request received on 31 january 2026 ends on saturday 28 february, rolled to 2 march",
    ),
    pytest.param(
        date(2026, 11, 24),
        0,
        date(2026, 12, 28),
        date(2027, 2, 24),
        id="a request received on 24 november 2026 is due after christmas on 28 december",
    ),
    pytest.param(
        date(2026, 3, 31),
        0,
        date(2026, 4, 30),
        date(2026, 6, 30),
        id="a request received on 31 march 2026 is due on 30 april which is a working day",
    ),
    pytest.param(
        date(2026, 4, 1),
        0,
        date(2026, 5, 4),
        date(2026, 7, 1),
        id="a request received on 1 april 2026 is due after may day and the weekend on 4 may",
    ),
    pytest.param(
        date(2026, 2, 23),
        11,
        date(2026, 4, 7),
        date(2026, 6, 3),
        id="a request received on 23 february 2026 paused 11 days is due after easter on 7 april",
    ),
    pytest.param(
        date(2027, 2, 28),
        0,
        date(2027, 3, 30),
        date(2027, 5, 28),
        id="a request received on 28 february 2027 is due after easter 2027, not at month end",
    ),
]


@pytest.mark.parametrize(("received", "paused", "due", "extended"), DESIGN_EXAMPLES)
def test_the_design_examples_give_the_documented_due_dates(
    received: date, paused: int, due: date, extended: date
) -> None:
    assert due_date(received, paused_days=paused) == due
    assert extended_due_date(received, paused_days=paused) == extended


@pytest.mark.parametrize(
    ("received", "wrong"),
    [
        pytest.param(
            date(2027, 3, 5),
            date(2027, 4, 6),
            id="starting the count the next day is not the rule",
        ),
        pytest.param(
            date(2026, 1, 31),
            date(2026, 3, 3),
            id="overflowing 31 february into march is not the rule",
        ),
        pytest.param(
            date(2027, 2, 28),
            date(2027, 3, 31),
            id="ending at the end of the next month is not the rule",
        ),
    ],
)
def test_the_wrong_answers_in_the_design_are_not_produced(received: date, wrong: date) -> None:
    assert due_date(received) != wrong


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        pytest.param(
            "2026-03-31T22:30:00+00:00",
            date(2026, 4, 1),
            id="half past ten utc on 31 march is 1 april in helsinki",
        ),
        pytest.param(
            "2026-03-28T21:59:59+00:00",
            date(2026, 3, 28),
            id="one second before helsinki midnight is still the same day",
        ),
        pytest.param(
            "2026-03-28T22:30:00+00:00",
            date(2026, 3, 29),
            id="the night the clocks go forward counts from helsinki midnight at utc+2",
        ),
        pytest.param(
            "2026-03-29T21:30:00+00:00",
            date(2026, 3, 30),
            id="the day after the clocks go forward helsinki midnight is at 21 utc",
        ),
        pytest.param(
            "2026-10-24T20:59:59+00:00",
            date(2026, 10, 24),
            id="one second before helsinki summer midnight is still the same day",
        ),
        pytest.param(
            "2026-10-24T21:30:00+00:00",
            date(2026, 10, 25),
            id="the night the clocks go back counts from helsinki midnight at utc+3",
        ),
        pytest.param(
            "2026-10-25T21:30:00+00:00",
            date(2026, 10, 25),
            id="after the clocks go back helsinki midnight is at 22 utc",
        ),
        pytest.param(
            "2026-06-30T23:30:00-05:00",
            date(2026, 7, 1),
            id="a timestamp in another zone is converted to the helsinki date",
        ),
    ],
)
def test_the_receipt_date_is_the_helsinki_calendar_date(received_at: str, expected: date) -> None:
    assert receipt_date(datetime.fromisoformat(received_at)) == expected


def test_a_naive_receipt_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        receipt_date(datetime(2026, 3, 31, 22, 30))


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        pytest.param(date(2026, 6, 19), "Midsummer Eve", id="midsummer eve 2026 is a holiday"),
        pytest.param(date(2026, 12, 24), "Christmas Eve", id="christmas eve is a holiday"),
        pytest.param(date(2026, 5, 1), "May Day", id="may day is a holiday"),
        pytest.param(date(2026, 4, 5), "Easter Sunday", id="a sunday holiday is named"),
        pytest.param(date(2026, 4, 4), "Saturday", id="a plain saturday is named saturday"),
        pytest.param(date(2026, 4, 12), "Sunday", id="a plain sunday is named sunday"),
        pytest.param(date(2026, 4, 30), None, id="30 april vappuaatto is a working day"),
        pytest.param(date(2026, 2, 5), None, id="runeberg day a flag day is a working day"),
        pytest.param(date(2026, 6, 4), None, id="defence forces flag day is a working day"),
        pytest.param(date(2026, 11, 6), None, id="swedish heritage day is a working day"),
    ],
)
def test_non_working_days_are_weekends_and_finnish_public_holidays(
    day: date, reason: str | None
) -> None:
    assert non_working_reason(day) == reason
    assert is_working_day(day) is (reason is None)


def test_christmas_eve_can_be_set_as_a_working_day() -> None:
    assert is_working_day(date(2026, 12, 24), christmas_eve_working=True)
    assert due_date(date(2026, 11, 24), christmas_eve_working=True) == date(2026, 12, 24)


def test_christmas_eve_on_a_saturday_is_still_not_a_working_day_when_set_as_working() -> None:
    assert non_working_reason(date(2022, 12, 24), christmas_eve_working=True) == "Saturday"


def test_christmas_day_stays_a_holiday_when_christmas_eve_is_set_as_working() -> None:
    assert not is_working_day(date(2026, 12, 25), christmas_eve_working=True)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 4, 30), date(2026, 4, 30), id="a working day is not moved"),
        pytest.param(date(2026, 4, 3), date(2026, 4, 7), id="good friday rolls past easter"),
        pytest.param(date(2026, 12, 24), date(2026, 12, 28), id="christmas eve rolls to monday"),
        pytest.param(date(2026, 6, 19), date(2026, 6, 22), id="midsummer eve rolls to monday"),
    ],
)
def test_a_period_ending_on_a_non_working_day_ends_on_the_next_working_day(
    day: date, expected: date
) -> None:
    assert roll_forward(day) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(
            date(2026, 8, 31), 1, date(2026, 9, 30), id="31 august plus a month is 30 sep"
        ),
        pytest.param(
            date(2028, 1, 31), 1, date(2028, 2, 29), id="31 jan 2028 plus a month is 29 feb"
        ),
        pytest.param(date(2026, 11, 30), 3, date(2027, 2, 28), id="30 nov plus 3 months is 28 feb"),
        pytest.param(date(2026, 12, 31), 1, date(2027, 1, 31), id="a month crosses the year"),
        pytest.param(date(2026, 3, 5), 1, date(2026, 4, 5), id="5 march plus a month is 5 april"),
        pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="negative months go back"),
    ],
)
def test_adding_months_keeps_the_day_number_clamped_to_the_month_end(
    day: date, months: int, expected: date
) -> None:
    assert add_months_clamped(day, months) == expected


def test_the_trace_of_a_paused_request_shows_each_step() -> None:
    trace = explain(date(2026, 2, 23), paused_days=11)
    assert (trace.base, trace.clamped, trace.after_pause, trace.due) == (
        date(2026, 3, 23),
        False,
        date(2026, 4, 3),
        date(2026, 4, 7),
    )
    assert trace.skipped == [
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 4), "Saturday"),
        (date(2026, 4, 5), "Easter Sunday"),
        (date(2026, 4, 6), "Easter Monday"),
    ]
    assert "Art. 12(3)" in trace.rule
    assert "1182/71" in trace.rule
    assert "Art. 3(4)" in trace.rule
    assert "11 days" in trace.rule


def test_the_trace_of_an_extension_from_31_january_shows_the_clamp() -> None:
    trace = explain(date(2026, 1, 31), months=3)
    assert (trace.months, trace.base, trace.clamped, trace.skipped, trace.due) == (
        3,
        date(2026, 4, 30),
        True,
        [],
        date(2026, 4, 30),
    )
    assert "no day 31" in trace.rule


def test_a_negative_pause_is_rejected() -> None:
    with pytest.raises(ValueError, match="paused_days"):
        due_date(date(2026, 3, 5), paused_days=-1)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        pytest.param(
            date(2026, 4, 7),
            datetime(2026, 4, 7, 20, 59, 59, tzinfo=UTC),
            id="a summer deadline ends at 20 59 59 utc",
        ),
        pytest.param(
            date(2026, 12, 28),
            datetime(2026, 12, 28, 21, 59, 59, tzinfo=UTC),
            id="a winter deadline ends at 21 59 59 utc",
        ),
        pytest.param(
            date(2026, 10, 25),
            datetime(2026, 10, 25, 21, 59, 59, tzinfo=UTC),
            id="a deadline on the day the clocks go back ends at 21 59 59 utc",
        ),
    ],
)
def test_the_deadline_is_the_last_second_of_the_due_date_in_helsinki(
    due: date, expected: datetime
) -> None:
    instant = deadline_instant(due)
    assert instant == expected
    assert instant.utcoffset() == timedelta(0)
    assert instant.astimezone(HELSINKI).date() == due


@pytest.mark.parametrize(
    "reason",
    [
        pytest.param(None, id="no reason"),
        pytest.param("", id="an empty reason"),
        pytest.param("  \n\t", id="a blank reason"),
    ],
)
def test_an_extension_without_a_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(UserError, match="reason"):
        check_extension(due=date(2026, 4, 7), now=_utc("2026-03-20T10:00:00"), reason=reason)


def test_an_extension_after_the_one_month_due_date_is_refused() -> None:
    with pytest.raises(UserError, match="Too late"):
        check_extension(
            due=date(2026, 4, 7), now=_utc("2026-04-07T21:00:00"), reason="Many requests."
        )


@pytest.mark.parametrize(
    "now",
    [
        pytest.param("2026-03-20T10:00:00", id="well within the month"),
        pytest.param("2026-04-07T20:59:59", id="in the last second of the due date"),
    ],
)
def test_an_extension_with_a_reason_on_or_before_the_due_date_is_accepted(now: str) -> None:
    due = date(2026, 4, 7)
    check_extension(due=due, now=_utc(now), reason="Many requests.")  # raises if refused
    assert _utc(now) <= deadline_instant(due)


# December 2026: Thu 24 Christmas Eve, Fri 25, Sat 26, Sun 27; Fri 1 Jan 2027; Wed 6 Epiphany.
@pytest.mark.parametrize(
    ("start", "n", "christmas_eve_working", "expected"),
    [
        pytest.param(date(2026, 12, 23), 1, False, date(2026, 12, 28), id="after 23 dec is 28"),
        pytest.param(date(2026, 12, 23), 1, True, date(2026, 12, 24), id="or 24 if it works"),
        pytest.param(date(2026, 12, 31), 1, False, date(2027, 1, 4), id="after 31 dec is 4 jan"),
        pytest.param(date(2026, 12, 23), 5, False, date(2027, 1, 4), id="5 after 23 dec is 4 jan"),
        pytest.param(date(2027, 1, 5), 1, False, date(2027, 1, 7), id="epiphany is skipped"),
        pytest.param(date(2026, 12, 25), 0, False, date(2026, 12, 25), id="zero stays put"),
    ],
)
def test_adding_working_days_skips_christmas_and_new_year(
    start: date, n: int, christmas_eve_working: bool, expected: date
) -> None:
    assert add_working_days(start, n, christmas_eve_working=christmas_eve_working) == expected


@pytest.mark.parametrize(
    ("due", "n", "christmas_eve_working", "expected"),
    [
        pytest.param(date(2026, 12, 28), 1, False, date(2026, 12, 23), id="1 before 28 dec is 23"),
        pytest.param(date(2026, 12, 28), 1, True, date(2026, 12, 24), id="or 24 if it works"),
        pytest.param(date(2027, 1, 7), 3, False, date(2026, 12, 31), id="3 before 7 jan is 31"),
        pytest.param(date(2027, 1, 7), 7, False, date(2026, 12, 23), id="7 before 7 jan is 23"),
    ],
)
def test_reminders_n_working_days_before_skip_christmas_and_new_year(
    due: date, n: int, christmas_eve_working: bool, expected: date
) -> None:
    assert subtract_working_days(due, n, christmas_eve_working=christmas_eve_working) == expected


@pytest.mark.parametrize(
    ("start", "end", "christmas_eve_working", "expected"),
    [
        pytest.param(date(2026, 12, 23), date(2027, 1, 7), False, 7, id="7 from 23 dec to 7 jan"),
        pytest.param(date(2026, 12, 23), date(2027, 1, 7), True, 8, id="8 if christmas eve works"),
        pytest.param(date(2027, 1, 7), date(2026, 12, 23), False, -7, id="negative when reversed"),
        pytest.param(date(2026, 12, 24), date(2026, 12, 27), False, 0, id="none over christmas"),
        pytest.param(date(2026, 12, 23), date(2026, 12, 23), False, 0, id="none on the same day"),
        pytest.param(date(2026, 12, 22), date(2026, 12, 23), False, 1, id="the end is counted"),
    ],
)
def test_working_days_between_counts_days_after_the_start_up_to_the_end(
    start: date, end: date, christmas_eve_working: bool, expected: int
) -> None:
    got = working_days_between(start, end, christmas_eve_working=christmas_eve_working)
    assert got == expected


receipts = st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31))


@given(receipt=receipts, paused=st.integers(min_value=0, max_value=60), ce=st.booleans())
def test_any_due_date_is_the_first_working_day_on_or_after_the_paused_base(
    receipt: date, paused: int, ce: bool
) -> None:
    trace = explain(receipt, paused_days=paused, christmas_eve_working=ce)
    due = due_date(receipt, paused_days=paused, christmas_eve_working=ce)
    extended = extended_due_date(receipt, paused_days=paused, christmas_eve_working=ce)
    assert due == trace.due
    assert is_working_day(due, christmas_eve_working=ce)
    assert due > receipt
    assert due >= add_months_clamped(receipt, 1)
    assert extended >= due
    assert is_working_day(extended, christmas_eve_working=ce)
    after_pause = add_months_clamped(receipt, 1) + timedelta(days=paused)
    assert trace.after_pause == after_pause
    before = after_pause - timedelta(days=1)
    assert working_days_between(before, due - timedelta(days=1), christmas_eve_working=ce) == 0
    assert [day for day, _ in trace.skipped] == [
        after_pause + timedelta(days=i) for i in range((due - after_pause).days)
    ]


@given(day=receipts, n=st.integers(min_value=1, max_value=30))
def test_adding_then_counting_working_days_gives_back_n(day: date, n: int) -> None:
    later = add_working_days(day, n)
    assert working_days_between(day, later) == n
    assert subtract_working_days(later, n) == roll_back(day)


def roll_back(day: date) -> date:
    """The last working day on or before `day`."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


ARRIVAL_NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def test_a_letter_received_today_starts_the_clock_now() -> None:
    assert deadlines.arrival_on(date(2026, 3, 10), ARRIVAL_NOW) == ARRIVAL_NOW


def test_a_letter_received_earlier_counts_from_noon_that_day_in_helsinki() -> None:
    assert deadlines.arrival_on(date(2026, 3, 2), ARRIVAL_NOW) == datetime(
        2026, 3, 2, 10, 0, tzinfo=UTC
    )


def test_a_received_date_in_the_future_is_refused() -> None:
    with pytest.raises(UserError, match="cannot be in the future"):
        deadlines.arrival_on(date(2026, 3, 11), ARRIVAL_NOW)


def test_the_terminal_and_slack_share_one_rule_for_a_date_without_a_time() -> None:
    assert deadlines.parse_arrival("2026-03-10", ARRIVAL_NOW) == ARRIVAL_NOW
    assert deadlines.parse_arrival("2026-03-02", ARRIVAL_NOW) == datetime(
        2026, 3, 2, 10, 0, tzinfo=UTC
    )
    assert deadlines.parse_arrival("2026-03-09T22:30:00Z", ARRIVAL_NOW) == datetime(
        2026, 3, 9, 22, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text", ["2026-03-11", "2026-03-10T11:00:00Z", "yesterday", "2026-03-09T10:00"]
)
def test_an_arrival_in_the_future_or_without_an_offset_is_refused(text: str) -> None:
    with pytest.raises(UserError):
        deadlines.parse_arrival(text, ARRIVAL_NOW)


def test_a_one_day_pause_reads_as_one_day_not_one_days() -> None:
    rule = explain(date(2026, 2, 23), paused_days=1).rule
    assert "paused for 1 day while" in rule
    assert "1 days" not in rule
