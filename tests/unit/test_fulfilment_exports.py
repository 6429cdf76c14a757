"""The machine-readable copies (Art. 15(3), Art. 20) and the rectification input."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from cases.errors import UserError
from cases.fulfilment.common import export_csv, export_json, exports
from cases.fulfilment.rectification import parse_corrections


def test_a_csv_export_opens_in_a_spreadsheet_with_nordic_letters_intact() -> None:
    rows = [
        {
            "name": "Matti Meikäläinen",
            "address": "Testitie 4, Åbo",
            "restricted": False,
            "since": date(2012, 2, 1),
            "phone": None,
        }
    ]
    data = export_csv(rows, ("name", "address", "restricted", "since", "phone"))
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM tells spreadsheets it is UTF-8
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed == [
        ["name", "address", "restricted", "since", "phone"],
        ["Matti Meikäläinen", "Testitie 4, Åbo", "false", "2012-02-01", ""],
    ]
    assert b"\r\n" in data  # RFC 4180 line ends


def test_a_json_export_writes_dates_and_times_as_iso_8601() -> None:
    at = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    data = json.loads(export_json({"on": date(2026, 3, 5), "at": at, "name": "Åsa"}))
    assert data == {"on": "2026-03-05", "at": "2026-03-05T10:00:00+00:00", "name": "Åsa"}


def test_the_export_has_one_json_and_a_csv_for_each_table_with_rows() -> None:
    files = exports(
        "DSR-2026-0001",
        {"customer": {"name": "A"}},
        {"customer": ([{"name": "A"}], ("name",)), "orders": ([], ("order_number",))},
    )
    assert [(f.filename, f.content_type) for f in files] == [
        ("dsr-2026-0001.json", "application/json"),
        ("dsr-2026-0001-customer.csv", "text/csv; charset=utf-8; header=present"),
    ]


def test_corrections_are_field_value_pairs_and_an_empty_value_clears_the_field() -> None:
    assert parse_corrections(["postal_address=Uusitie 5, Tampere", "phone="]) == {
        "postal_address": "Uusitie 5, Tampere",
        "phone": None,
    }


@pytest.mark.parametrize("bad", ["postal_address", "=value", ""])
def test_a_correction_without_a_field_and_an_equals_sign_is_refused(bad: str) -> None:
    with pytest.raises(UserError):
        parse_corrections([bad])


def test_csv_headers_are_in_the_reply_language_and_the_json_carries_the_labels() -> None:
    files = exports(
        "DSR-2026-0001",
        {"customer": {"name": "Åsa"}},
        {"customer": ([{"name": "Åsa", "email": "asa@example.com"}], ("name", "email"))},
        "sv",
    )
    header = files[1].data.decode("utf-8-sig").splitlines()[0]
    assert header == "namn,e-postadress"
    assert json.loads(files[0].data)["labels"] == {"sv": {"email": "e-postadress", "name": "namn"}}
