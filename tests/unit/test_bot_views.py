"""The modals: what a submission means, and errors keyed by the input block that is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot import modals
from bot.listeners.views import _new_case_errors

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def view(values: dict[str, dict[str, Any]], meta: str = "") -> dict[str, Any]:
    return {
        "private_metadata": meta,
        "state": {"values": {block: {"value": element} for block, element in values.items()}},
    }


def test_each_element_type_gives_its_value() -> None:
    submitted = view(
        {
            "a": {"type": "plain_text_input", "value": " text "},
            "b": {"type": "static_select", "selected_option": {"value": "letter"}},
            "c": {"type": "multi_static_select", "selected_options": [{"value": "access"}]},
            "d": {"type": "datepicker", "selected_date": "2026-03-02"},
            "e": {"type": "static_select", "selected_option": None},
        }
    )

    assert modals.text_value(submitted, "a") == "text"
    assert modals.value(submitted, "b") == "letter"
    assert modals.value(submitted, "c") == ["access"]
    assert modals.value(submitted, "d") == "2026-03-02"
    assert modals.value(submitted, "e") is None
    assert modals.value(submitted, "missing") is None


def test_an_incomplete_new_case_form_names_each_missing_field() -> None:
    errors, _ = _new_case_errors(
        view({"received": {"type": "datepicker", "selected_date": None}}), NOW
    )

    assert set(errors) == {modals.REQUESTER_NAME, modals.KINDS, modals.RECEIVED, modals.CHANNEL}


def test_a_complete_new_case_form_gives_the_fields_of_open_case() -> None:
    errors, fields = _new_case_errors(
        view(
            {
                "requester_name": {"type": "plain_text_input", "value": "Johan Lindqvist"},
                "requester_email": {"type": "email_text_input", "value": None},
                "kinds": {
                    "type": "multi_static_select",
                    "selected_options": [{"value": "erasure"}],
                },
                "channel": {"type": "static_select", "selected_option": {"value": "phone"}},
                "received": {"type": "datepicker", "selected_date": "2026-03-10"},
                "language": {"type": "static_select", "selected_option": {"value": "sv"}},
            }
        ),
        NOW,
    )

    assert errors == {}
    assert fields == {
        "requester_name": "Johan Lindqvist",
        "requester_email": None,
        "kinds": ["erasure"],
        "channel": "phone",
        "language": "sv",
        "received_at": NOW,
    }


def test_an_address_that_cannot_be_one_is_named_under_the_email_field() -> None:
    errors, _ = _new_case_errors(
        view(
            {
                "requester_name": {"type": "plain_text_input", "value": "Johan Lindqvist"},
                "requester_email": {"type": "email_text_input", "value": "johan@localhost"},
                "kinds": {"type": "multi_static_select", "selected_options": [{"value": "access"}]},
                "channel": {"type": "static_select", "selected_option": {"value": "phone"}},
                "received": {"type": "datepicker", "selected_date": "2026-03-10"},
            }
        ),
        NOW,
    )

    assert errors == {modals.REQUESTER_EMAIL: "not an e-mail address: 'johan@localhost'"}


def test_a_modal_carries_its_case_and_response_url_and_survives_bad_metadata() -> None:
    assert modals.metadata(view({}, '{"reference": "DSR-2026-0001"}')) == {
        "reference": "DSR-2026-0001"
    }
    assert modals.metadata(view({}, "not json")) == {}
    assert modals.metadata(view({}, "[1, 2]")) == {}


def test_the_new_case_form_starts_on_today_and_offers_every_kind() -> None:
    form = modals.new_case(date(2026, 3, 10), {"response_url": None})
    blocks = {b["block_id"]: b for b in form["blocks"]}

    assert blocks[modals.RECEIVED]["element"]["initial_date"] == "2026-03-10"
    options = [o["value"] for o in blocks[modals.KINDS]["element"]["options"]]
    assert "access" in options and "publication_opt_out" in options
    assert blocks[modals.REQUESTER_EMAIL]["optional"] is True
