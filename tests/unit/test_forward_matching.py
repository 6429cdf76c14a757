"""Whether a stored mail is the one a colleague's forward shows: its time, zone and words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mail_intake.forward_matching import OriginalMatch, is_original
from mail_intake.forwarded import Original

WORDS = "Hello,\n\nplease delete my personal data from your register.\n\nJohn Customer"
# Outlook's Sent line as the forward shows it: 2:05 PM in Helsinki.
SHOWN = datetime(2026, 11, 20, 12, 5, tzinfo=UTC)


def _at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 20, hour, minute, second, tzinfo=UTC)


# (the stored mail's Date in UTC, whether it says the forward's words, how it matches)
MATCHES: list[tuple[datetime, bool, OriginalMatch | None]] = [
    (_at(12, 5, 41), False, "time"),  # the same minute: the very mail, whatever its words
    (_at(12, 4, 58), True, "near"),  # Outlook's store time a few seconds on, the next minute
    (_at(12, 6, 2), True, "near"),  # or the minute before
    (_at(12, 4, 58), False, None),  # other words a minute apart: another mail, not a copy
    (_at(12, 6, 2), False, None),
    (_at(13, 5, 12), True, "time"),  # a Stockholm colleague's clock, read as Helsinki's
    (_at(13, 4, 59), True, None),  # an hour and a minute: a zone and a slip are not combined
    (_at(13, 5, 12), False, None),  # another zone's clock is told only by the same words
    (_at(12, 3, 0), True, None),  # two minutes apart: the request repeated (Art. 12(3))
    (_at(12, 9, 0), True, None),
    (_at(12, 22, 0), True, None),  # a quarter hour and two minutes
    (datetime(2026, 11, 21, 12, 5, tzinfo=UTC), True, None),  # a day on: no zone is that far
]


@pytest.mark.parametrize(("sent_at", "same_words", "expected"), MATCHES)
def test_a_forwards_time_matches_the_same_words_a_minute_off_or_in_another_zones_clock(
    sent_at: datetime, same_words: bool, expected: OriginalMatch | None
) -> None:
    original = Original("john.customer@example.com", "John Customer", SHOWN, "inline", WORDS)
    body = WORDS if same_words else WORDS.replace("Hello,", "Hi, I wrote to you before.")
    assert is_original(original, sent_at, body) == expected


def test_a_forward_showing_no_time_matches_by_its_words_alone() -> None:
    original = Original("john.customer@example.com", None, None, "inline", WORDS)
    assert is_original(original, _at(9, 0), WORDS) == "words"
    assert is_original(original, _at(9, 0), "Another mail altogether.") is None
