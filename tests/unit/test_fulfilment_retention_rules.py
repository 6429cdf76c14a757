"""What erasure must keep and for how long: legal claims and the Accounting Act periods."""

from __future__ import annotations

from datetime import date

import pytest

from cases.fulfilment.erasure import invoice_hold, phrase
from cases.fulfilment.retention import add_years
from store.models import Invoice


def _invoice(status: str, issued: date, paid: date | None = None) -> Invoice:
    return Invoice(
        customer_id=1, number="X-1", issued_on=issued, amount="10.00", status=status, paid_on=paid
    )


@pytest.mark.parametrize(
    ("status", "issued", "paid", "today", "reason"),
    [
        # Open and collected debts are legal claims however old (Art. 17(3)(e)).
        ("open", date(2015, 1, 1), None, date(2026, 3, 5), "open_invoice"),
        ("in_collection", date(2016, 6, 1), None, date(2026, 3, 5), "debt_collection"),
        # Vouchers: 6 years from the end of the year the financial year ended (KPL 2:10).
        ("paid", date(2020, 3, 1), date(2020, 3, 20), date(2026, 12, 31), "voucher"),
        ("paid", date(2020, 3, 1), date(2020, 3, 20), date(2027, 1, 1), "bookkeeping"),
        # Paid the next year: the payment's year counts.
        ("paid", date(2019, 12, 20), date(2020, 1, 10), date(2026, 6, 1), "voucher"),
        # Ledgers: 10 years from the end of the financial year.
        ("paid", date(2016, 5, 1), date(2016, 5, 9), date(2026, 12, 31), "bookkeeping"),
        ("paid", date(2015, 5, 6), date(2015, 5, 20), date(2026, 3, 5), None),
    ],
)
def test_an_invoice_is_kept_only_while_the_law_requires_it(
    status: str, issued: date, paid: date | None, today: date, reason: str | None
) -> None:
    assert invoice_hold(_invoice(status, issued, paid), today) == reason


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fi", "lasku 2025-0311"),
        ("sv", "faktura 2025-0311"),
        ("en", "invoice 2025-0311"),
        ("de", "lasku 2025-0311"),  # unknown languages fall back to Finnish
    ],
)
def test_an_erased_or_kept_item_is_named_in_the_replys_language(lang: str, expected: str) -> None:
    text = phrase("invoice", lang, number="2025-0311", day="1.1.2026", amount="1 €", status="x")
    assert text.startswith(expected)


def test_a_relationship_that_ended_on_a_leap_day_expires_on_the_28th_of_february() -> None:
    assert add_years(date(2016, 2, 29), 10) == date(2026, 2, 28)
    assert add_years(date(2016, 2, 29), 12) == date(2028, 2, 29)
    assert add_years(date(2015, 12, 31), 10) == date(2025, 12, 31)
