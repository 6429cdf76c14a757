"""When an answer is due: GDPR Art. 12(3) periods counted under Regulation 1182/71 Art. 3."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from cases.errors import UserError

HELSINKI = ZoneInfo("Europe/Helsinki")

ONE_MONTH = 1
# GDPR Art. 12(3): "extended by two further months", i.e. three months after receipt.
EXTENDED_MONTHS = 3
_END_OF_DAY = time(23, 59, 59)
# ISO 8601's extended calendar date only: fromisoformat alone also takes 20260305 and 2026-W10-1.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CHRISTMAS_EVE = (12, 24)


@lru_cache(maxsize=64)
def _finnish_holidays(year: int) -> Mapping[date, str]:
    """Finnish public holidays of one year, by date, with English names."""
    # Default (public) category only: it includes Midsummer Eve and Christmas Eve, which
    # Act 150/1930 s. 5 treats as non-working; "workday"/"unofficial" hold flag days, which
    # are working days. Checked on holidays 0.109.
    found = holidays.country_holidays("FI", years=year, categories=("public",), language="en_US")
    return MappingProxyType({day: str(name) for day, name in found.items()})


def receipt_date(received_at: datetime) -> date:
    """The Helsinki calendar date on which a request reached an official channel."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return received_at.astimezone(HELSINKI).date()


def non_working_reason(day: date, *, christmas_eve_working: bool = False) -> str | None:
    """Why `day` is not a working day ("Saturday", "Sunday" or the holiday's name), else None."""
    # Reg. 1182/71 Art. 3(4): Saturdays, Sundays and public holidays are not working days.
    # A holiday's name wins over the weekday: "Easter Sunday" says more than "Sunday".
    holiday = _finnish_holidays(day.year).get(day)
    if christmas_eve_working and (day.month, day.day) == _CHRISTMAS_EVE:
        # Contested: the EU list of holidays for 1182/71 omits Christmas Eve (design §1.1).
        holiday = None
    if holiday is not None:
        return holiday
    if day.weekday() == calendar.SATURDAY:
        return "Saturday"
    if day.weekday() == calendar.SUNDAY:
        return "Sunday"
    return None


def is_working_day(day: date, *, christmas_eve_working: bool = False) -> bool:
    """True unless `day` is a Saturday, a Sunday or a Finnish public holiday."""
    return non_working_reason(day, christmas_eve_working=christmas_eve_working) is None


def roll_forward(day: date, *, christmas_eve_working: bool = False) -> date:
    """`day` if it is a working day, else the next working day (Reg. 1182/71 Art. 3(4))."""
    return _roll(day, christmas_eve_working=christmas_eve_working)[0]


def _roll(day: date, *, christmas_eve_working: bool) -> tuple[date, list[tuple[date, str]]]:
    """The first working day on or after `day`, and the non-working days passed over."""
    skipped: list[tuple[date, str]] = []
    while reason := non_working_reason(day, christmas_eve_working=christmas_eve_working):
        skipped.append((day, reason))
        day += timedelta(days=1)
    return day, skipped


def add_months_clamped(day: date, months: int) -> date:
    """The same day-number `months` later, or the last day of that month if it is shorter."""
    # Reg. 1182/71 Art. 3(2)(c): 31 August + 1 month = 30 September.
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DeadlineTrace:
    """Each step from the receipt date to the due date, for the dossier."""

    receipt: date
    months: int
    paused_days: int
    base: date
    clamped: bool
    after_pause: date
    skipped: list[tuple[date, str]]
    due: date
    rule: str


def explain(
    receipt: date,
    *,
    months: int = ONE_MONTH,
    paused_days: int = 0,
    christmas_eve_working: bool = False,
) -> DeadlineTrace:
    """The due date `months` after `receipt`, with each step of the reckoning."""
    if months < 1:
        raise ValueError("months must be at least 1")
    if paused_days < 0:
        raise ValueError("paused_days must not be negative")
    # Reg. 1182/71 Art. 3(1): the day of receipt is not counted, so the period ends on the
    # same day-number, not the day after (EDPB Guidelines 01/2022 Example 32; CJEU C-171/03).
    try:
        base = add_months_clamped(receipt, months)
        # EDPB Guidelines 01/2022 §159: a pause suspends the clock; it does not restart it.
        after_pause = base + timedelta(days=paused_days)
        due, skipped = _roll(after_pause, christmas_eve_working=christmas_eve_working)
    except (ValueError, OverflowError):  # past date.max: no calendar to count in
        raise UserError(
            f"the period from {receipt.isoformat()} ends after the year {MAXYEAR}"
        ) from None
    clamped = base.day != receipt.day
    trace = DeadlineTrace(
        receipt=receipt,
        months=months,
        paused_days=paused_days,
        base=base,
        clamped=clamped,
        after_pause=after_pause,
        skipped=skipped,
        due=due,
        rule="",
    )
    return replace(trace, rule=_rule_text(trace))


def _rule_text(trace: DeadlineTrace) -> str:
    """One paragraph of English saying how `trace.due` was reached."""
    period = {1: "one month", 3: "three months"}.get(trace.months, f"{trace.months} months")
    extended = (
        " (one month extended by two further months)" if trace.months == EXTENDED_MONTHS else ""
    )
    parts = [f"GDPR Art. 12(3) sets a period of {period} from receipt{extended}."]
    parts.append(
        f"Under Regulation 1182/71 Art. 3(1) the day of receipt, {trace.receipt.isoformat()}, "
        "is not counted, and under Art. 3(2)(c) the period ends on the day with the same "
        "day-number"
        + (
            f"; that month has no day {trace.receipt.day}, so it ends on its last day, "
            f"{trace.base.isoformat()}."
            if trace.clamped
            else f", {trace.base.isoformat()}."
        )
    )
    if trace.paused_days:
        parts.append(
            f"The clock was paused for {trace.paused_days} "
            + ("day" if trace.paused_days == 1 else "days")
            + " while waiting for information "
            + "from the requester (EDPB Guidelines 01/2022 §159), moving the end to "
            f"{trace.after_pause.isoformat()}."
        )
    if trace.skipped:
        days = [f"{day.isoformat()} ({reason})" for day, reason in trace.skipped]
        passed = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
        parts.append(
            f"Because {passed} "
            + ("is not a working day" if len(trace.skipped) == 1 else "are not working days")
            + f", Art. 3(4) moves the end to the next working day, {trace.due.isoformat()}."
        )
    else:
        parts.append(f"{trace.due.isoformat()} is a working day, so Art. 3(4) does not move it.")
    parts.append(f"The answer is due by 23:59:59 Helsinki time on {trace.due.isoformat()}.")
    return " ".join(parts)


def due_date(receipt: date, *, paused_days: int = 0, christmas_eve_working: bool = False) -> date:
    """One month after receipt, plus pauses, rolled to a working day (GDPR Art. 12(3))."""
    return explain(
        receipt,
        months=ONE_MONTH,
        paused_days=paused_days,
        christmas_eve_working=christmas_eve_working,
    ).due


def extended_due_date(
    receipt: date, *, paused_days: int = 0, christmas_eve_working: bool = False
) -> date:
    """Three months after receipt, plus pauses, rolled to a working day (GDPR Art. 12(3))."""
    return explain(
        receipt,
        months=EXTENDED_MONTHS,
        paused_days=paused_days,
        christmas_eve_working=christmas_eve_working,
    ).due


def deadline_instant(due: date) -> datetime:
    """The last second of the due date in Helsinki, as an aware UTC datetime."""
    # Reg. 1182/71 Art. 3(2)(c): the period ends "with the expiry of the last hour" of the day.
    return datetime.combine(due, _END_OF_DAY, tzinfo=HELSINKI).astimezone(UTC)


def parse_day(text: str) -> date:
    """A date without a time, as typed at the terminal or picked in Slack: YYYY-MM-DD only.

    The one rule for both, so a date one of them takes the other takes too.
    """
    value = text.strip()
    if _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:  # 2026-02-30: the right shape, no such day
            pass
    raise UserError(f"not a date (YYYY-MM-DD): {value!r}")


def parse_receipt_date(text: str) -> date:
    """A receipt date from the user: a Helsinki date (2026-03-05) or an aware ISO-8601 moment."""
    value = text.strip()
    if "T" not in value and " " not in value:
        try:
            return parse_day(value)
        except UserError:
            raise UserError(
                f"not a date: {text!r} (use YYYY-MM-DD or an ISO-8601 datetime)"
            ) from None
    return receipt_date(_aware_moment(text))


def _aware_moment(text: str) -> datetime:
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"not a datetime: {text!r} (use e.g. 2026-03-31T22:30:00Z)") from None
    if moment.tzinfo is None:
        raise UserError(f"datetime {text!r} needs an offset such as Z or +02:00")
    return moment.astimezone(UTC)


def arrival_on(day: date, now: datetime, *, what: str = "received") -> datetime:
    """When a request that arrived on `day` (no time known) arrived: now if today, else noon.

    The one rule for "a date without a time", for the terminal and Slack alike: noon in
    Helsinki keeps the receipt date whatever the offset, and today means now, so a letter
    opened today is never dated before an acknowledgement sent for it.
    """
    if day > receipt_date(now):
        raise UserError(f"The {what} date cannot be in the future.")
    if day == receipt_date(now):
        return now
    return datetime.combine(day, time(12, 0), HELSINKI).astimezone(UTC)


def parse_arrival(text: str, now: datetime, *, what: str = "received") -> datetime:
    """The moment something happened (a request arrived; a person was told), from a date (see
    `arrival_on`) or an aware datetime; never in the future. `what` names it in the errors."""
    value = text.strip()
    if "T" in value or " " in value:
        moment = _aware_moment(value)
        if moment > now:
            raise UserError(f"The {what} time cannot be in the future.")
        return moment
    return arrival_on(parse_receipt_date(value), now, what=what)


def check_extension(*, due: date, now: datetime, reason: str | None) -> None:
    """Refuse an extension without reasons or after the one-month due date (GDPR Art. 12(3))."""
    if reason is None or not reason.strip():
        raise UserError(
            "An extension needs a reason: GDPR Art. 12(3) requires telling the requester why."
        )
    if receipt_date(now) > due:
        raise UserError(
            f"Too late to extend: the one-month deadline was {due.isoformat()}, and GDPR "
            "Art. 12(3) allows an extension only within the first month."
        )


def working_days_between(start: date, end: date, *, christmas_eve_working: bool = False) -> int:
    """Working days d with start < d <= end; if end < start, minus those with end < d <= start."""
    if end < start:
        return -working_days_between(end, start, christmas_eve_working=christmas_eve_working)
    return sum(
        is_working_day(start + timedelta(days=offset), christmas_eve_working=christmas_eve_working)
        for offset in range(1, (end - start).days + 1)
    )


def add_working_days(day: date, n: int, *, christmas_eve_working: bool = False) -> date:
    """The n-th working day after `day` (`day` itself if n == 0; before it if n < 0)."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day, christmas_eve_working=christmas_eve_working):
            remaining -= 1
    return day


def subtract_working_days(day: date, n: int, *, christmas_eve_working: bool = False) -> date:
    """The n-th working day before `day`, e.g. the date of a reminder n working days before due."""
    return add_working_days(day, -n, christmas_eve_working=christmas_eve_working)
