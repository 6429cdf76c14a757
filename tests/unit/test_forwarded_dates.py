"""Forwarded originals as mail clients show them: their dates, and hostile header blocks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mail_intake.forwarded import read_date
from mail_intake.parsing import parse_message

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


@pytest.mark.timeout(20)  # a guard against quadratic matching, not a speed target
def test_a_forward_block_with_a_huge_line_of_spaces_is_read_in_linear_time() -> None:
    # Read by the old pattern, this one line cost about 30 s of every intake pass.
    hostile = "From" + " " * 190_000 + "x"
    raw = (
        "From: Mikko <mikko@targetpartners.example>\nTo: privacy@targetpartners.example\n"
        "Subject: Fwd: x\nMessage-ID: <hostile@example.com>\n\n"
        f"---------- Forwarded message ---------\n{hostile}\n"
    ).encode()
    assert parse_message(raw).forwarded == ()
