"""The dates of forwarded originals, as mail clients write them in a forward's header block."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mail_intake.forwarded import read_date

CASES = [
    # RFC 5322 with a zone is that zone; without one it is the controller's (Helsinki).
    ("Mon, 23 Nov 2026 14:05:00 +0200", datetime(2026, 11, 23, 12, 5, tzinfo=UTC)),
    ("Tue, 1 Dec 2026 23:30", datetime(2026, 12, 1, 21, 30, tzinfo=UTC)),
    # "-0000": the zone is unknown (RFC 5322 §3.3), read as UTC.
    ("Tue, 1 Dec 2026 23:30 -0000", datetime(2026, 12, 1, 23, 30, tzinfo=UTC)),
    ("ma 23.11.2026 klo 14.05", datetime(2026, 11, 23, 12, 5, tzinfo=UTC)),
    ("Monday, November 23, 2026 2:05 PM", datetime(2026, 11, 23, 12, 5, tzinfo=UTC)),
    ("den 23 november 2026 14:05", datetime(2026, 11, 23, 12, 5, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_forwards_date_line_is_read_in_the_zone_it_names_or_helsinki(
    text: str, expected: datetime
) -> None:
    assert read_date(text) == expected


def test_a_date_with_no_time_in_utc_is_unreadable_not_an_error() -> None:
    assert read_date("1.1.0001 0.00") is None
    assert read_date("31.2.2026 12.00") is None
