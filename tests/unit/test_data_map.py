"""The data map (`[[systems]]`) in the controller config: what it accepts and refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.controller import load_controller_toml
from cases.errors import UserError
from cases.systems import ManualSystem, RegisterSystem, SqlSystem

EXAMPLE = (Path(__file__).resolve().parents[2] / "rightsdesk.example.toml").read_text("utf-8")

SYSTEMS = """
[[systems]]
name = "Asiakasrekisteri"
kind = "register"

[[systems]]
name = "Verkkokauppa"
kind = "sql"
url = "${SHOP_DATABASE_URL}"

[[systems]]
name = "Tilitoimisto Esimerkki Oy"
kind = "manual"
owner = "kirjanpito@example.com"
instructions = { access = "Vie asiakkaan laskut.", erasure = "Poista muut kuin tositteet." }
"""


def load_error(extra: str) -> str:
    with pytest.raises(UserError) as caught:
        load_controller_toml(EXAMPLE + extra)
    return str(caught.value)


def test_a_config_without_systems_maps_the_built_in_register_alone() -> None:
    config = load_controller_toml(EXAMPLE)
    assert config.systems_or_register() == [RegisterSystem(name=config.register_name.fi)]


def test_each_kind_of_system_is_read_with_its_own_fields() -> None:
    register, shop, accounting = load_controller_toml(EXAMPLE + SYSTEMS).systems_or_register()
    assert isinstance(register, RegisterSystem)
    assert isinstance(shop, SqlSystem) and shop.url == "${SHOP_DATABASE_URL}"
    assert isinstance(accounting, ManualSystem) and not accounting.owner_is_slack_user
    assert accounting.instructions["erasure"] == "Poista muut kuin tositteet."


def test_a_slack_user_id_owns_a_manual_system_too() -> None:
    system = ManualSystem(name="CRM", owner="U0123ABCD")
    assert system.owner_is_slack_user


def test_an_unknown_kind_names_the_system_entry() -> None:
    error = load_error('[[systems]]\nname = "X"\nkind = "ftp"\n')
    assert error.startswith("config: systems[0]") and "ftp" in error


def test_a_manual_system_needs_an_owner_it_can_reach() -> None:
    error = load_error('[[systems]]\nname = "CRM"\nkind = "manual"\nowner = "Pekka"\n')
    assert "systems[0].manual.owner" in error and "Slack user id" in error


def test_instructions_for_a_right_that_does_not_exist_are_refused() -> None:
    error = load_error(
        '[[systems]]\nname = "CRM"\nkind = "manual"\nowner = "crm@example.com"\n'
        'instructions = { forget = "x" }\n'
    )
    assert "unknown right forget" in error


def test_two_systems_with_one_name_are_refused() -> None:
    twice = '[[systems]]\nname = "Shop"\nkind = "sql"\nurl = "sqlite://"\n' * 2
    assert "system named more than once: Shop" in load_error(twice)


def test_categories_are_given_in_every_reply_language() -> None:
    error = load_error(
        '[[systems]]\nname = "Shop"\nkind = "sql"\nurl = "sqlite://"\n'
        'categories = { fi = ["Tilaukset"], sv = ["Beställningar"] }\n'
    )
    assert "categories.en" in error
