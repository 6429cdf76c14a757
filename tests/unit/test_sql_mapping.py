"""The sql mapping of a data-map system: what the config accepts and refuses, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.controller import load_controller_toml
from cases.errors import UserError
from cases.sql_connector import expand_url
from cases.systems import SqlSystem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "rightsdesk.example.toml").read_text("utf-8")
SHOP = '[[systems]]\nname = "Shop"\nkind = "sql"\nurl = "sqlite://"\n'


def load_error(extra: str) -> str:
    with pytest.raises(UserError) as caught:
        load_controller_toml(EXAMPLE + SHOP + extra)
    return str(caught.value)


def test_the_woocommerce_example_maps_every_table_it_names() -> None:
    text = (ROOT / "examples" / "woocommerce" / "rightsdesk.toml").read_text("utf-8")
    shop = load_controller_toml(text).systems[1]
    assert isinstance(shop, SqlSystem)
    assert [t.table for t in shop.tables] == [
        "wp_users",
        "wp_usermeta",
        "wp_wc_customer_lookup",
        "wp_wc_orders",
        "wp_wc_order_addresses",
        "wp_wc_orders_meta",
    ]
    assert {h.law for h in shop.holds} == {
        "Laki velan vanhentumisesta 728/2003",
        "Kirjanpitolaki 1336/1997 2:10 §",
    }


def test_a_join_to_a_table_that_is_not_mapped_is_refused() -> None:
    error = load_error(
        '[[systems.tables]]\ntable = "orders"\nkey = "id"\n'
        'join = { column = "user_id", to = "users.id" }\n'
    )
    assert "table orders joins users.id, which is not mapped" in error


def test_a_table_the_person_cannot_be_found_in_is_refused() -> None:
    error = load_error('[[systems.tables]]\ntable = "orders"\nkey = "id"\n')
    assert "say how the person is found" in error


def test_an_unknown_erasure_is_refused() -> None:
    error = load_error(
        '[[systems.tables]]\ntable = "users"\nkey = "id"\nemail = ["email"]\n'
        'erase = { email = "shred" }\n'
    )
    assert (
        error.startswith("config: systems[0]") and "email = 'shred': use null, mask, hash" in error
    )
    assert 'use "delete" or' in load_error(
        '[[systems.tables]]\ntable = "users"\nkey = "id"\nemail = ["email"]\nerase = "drop"\n'
    )


def test_a_hold_needs_exactly_one_condition() -> None:
    error = load_error(
        '[[systems.tables]]\ntable = "orders"\nkey = "id"\nemail = ["email"]\n'
        '[[systems.holds]]\ntable = "orders"\ncolumn = "created"\nreason = "voucher"\n'
        'law = "Kirjanpitolaki 1336/1997 2:10 §"\n'
    )
    assert "give either values or years" in error


def test_a_name_that_is_not_an_sql_identifier_is_refused() -> None:
    error = load_error('[[systems.tables]]\ntable = "users; DROP TABLE x"\nkey = "id"\n')
    assert "is not a table or column name" in error


def test_a_restriction_sets_named_columns_that_systems_check_looks_for() -> None:
    controller = load_controller_toml(
        EXAMPLE + SHOP + '[[systems.tables]]\ntable = "contacts"\nkey = "id"\nemail = ["email"]\n'
        'restrict = { status = "restricted", marketing_allowed = false, flags = 2 }\n'
    )
    (table,) = controller.systems[0].tables  # type: ignore[union-attr]
    assert table.restrict == {"status": "restricted", "marketing_allowed": False, "flags": 2}
    assert {"status", "marketing_allowed", "flags"} <= set(table.columns())
    contacts = '[[systems.tables]]\ntable = "contacts"\nkey = "id"\nemail = ["email"]\n'
    assert "is not a table or column name" in load_error(
        contacts + 'restrict = { "status; --" = "x" }\n'
    )


def test_a_restriction_that_would_rewrite_what_finds_the_person_is_refused() -> None:
    error = load_error(
        '[[systems.tables]]\ntable = "contacts"\nkey = "id"\nemail = ["email"]\n'
        'restrict = { email = "restricted@example.invalid" }\n'
    )
    assert "restrict must not set email, which finds the person's rows" in error


def test_url_variables_come_from_the_mapping_given_not_the_process() -> None:
    url = "mysql+pymysql://shop:${SHOP_PW}@127.0.0.1/shop"
    assert expand_url(url, {"SHOP_PW": "s3cret"}) == "mysql+pymysql://shop:s3cret@127.0.0.1/shop"
    with pytest.raises(UserError, match="SHOP_PW"):
        expand_url(url, {})
