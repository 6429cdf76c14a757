"""The controller config: nothing is sent from the example's facts by default; init and check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "rightsdesk.example.toml"
IDENTITY = (
    "--name", "Kirjakauppa Esimerkki Oy",
    "--business-id", "1234567-8",
    "--address", "Kauppakatu 1, 00100 Helsinki",
    "--email", "info@kirjakauppa.example.com",
    "--phone", "+358 9 000 0000",
    "--website", "https://kirjakauppa.example.com",
    "--privacy-email", "tietosuoja@kirjakauppa.example.com",
    "--contact-name", "Maija Esimerkki",
    "--contact-email", "maija@kirjakauppa.example.com",
    "--contact-phone", "+358 40 000 0000",
)  # fmt: skip


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    base.update(
        RIGHTSDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.db'}",
        RIGHTSDESK_MAILDIR=str(tmp_path / "mail"),
        PYTHONPATH=str(ROOT),  # this tree's code, not an editable install's elsewhere
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", *args],
        env=base,
        cwd=tmp_path,  # no rightsdesk.toml here
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.mark.parametrize(
    "command", [["poll", "--once"], ["run"], ["bot", "--http", "0"], ["remind", "--once"]]
)
def test_a_service_without_a_controller_config_refuses_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    done = _cli(tmp_path, *command)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: no controller config: run `rightsdesk init` to write rightsdesk.toml, or name"
        " one with RIGHTSDESK_CONFIG"
    ]
    assert not (tmp_path / "mail" / "outbox").exists()  # nothing sent


def test_naming_the_example_on_purpose_works_with_a_warning(tmp_path: Path) -> None:
    done = _cli(tmp_path, "poll", "--once", RIGHTSDESK_CONFIG=str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "using the example controller config" in done.stderr


def test_init_writes_the_config_and_check_lists_what_the_controller_must_still_give(
    tmp_path: Path,
) -> None:
    done = _cli(tmp_path, "init", *IDENTITY)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "rightsdesk.toml").read_text(encoding="utf-8")
    assert 'name = "Kirjakauppa Esimerkki Oy"' in written
    assert 'privacy_email = "tietosuoja@kirjakauppa.example.com"' in written
    check = _cli(tmp_path, "config", "check")
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    assert "rightsdesk.toml: confirm: legal_basis" in "\n".join(lines)
    assert any(
        "recipients[0].name: 'Esimerkki Tilitoimisto Oy' is a placeholder" in x for x in lines
    )
    assert any("example value: automated_decision_making" in x for x in lines)
    assert not any("missing: business_id" in x for x in lines)
    # The service starts from it (no warning: it is the controller's own file).
    started = _cli(tmp_path, "poll", "--once")
    assert started.returncode == 0 and "example controller config" not in started.stderr


def test_a_config_with_every_fact_given_and_confirmed_checks_complete(tmp_path: Path) -> None:
    assert _cli(tmp_path, "init", *IDENTITY).returncode == 0
    path = tmp_path / "rightsdesk.toml"
    text = path.read_text(encoding="utf-8").replace("Esimerkki ", "Oikea ")
    text = text.replace("confirmed = []", 'confirmed = ["legal_basis", "transfers",'
                        ' "automated_decision_making", "recipients"]')  # fmt: skip
    text = text.replace(
        'placeholders = ["transfer_safeguards", "automated_decision_making"]', "placeholders = []"
    )
    path.write_text(text, encoding="utf-8")
    check = _cli(tmp_path, "config", "check")
    assert check.returncode == 0, check.stdout
    assert check.stdout.strip() == "rightsdesk.toml: complete"


def test_init_never_overwrites_and_names_the_missing_facts(tmp_path: Path) -> None:
    first = _cli(tmp_path, "init", "--name", "Yritys Oy")
    assert first.returncode == 2
    assert "needed: --address, --email, --phone, --privacy-email" in first.stderr
    assert not (tmp_path / "rightsdesk.toml").exists()
    assert _cli(tmp_path, "init", *IDENTITY).returncode == 0
    again = _cli(tmp_path, "init", *IDENTITY)
    assert again.returncode == 2 and "use --force" in again.stderr


def _manual_system(name: str, owner: str) -> str:
    return f'\n[[systems]]\nname = "{name}"\nkind = "manual"\nowner = "{owner}"\n'


def test_an_owner_written_with_u_labels_or_a_labels_loads_as_one_address(tmp_path: Path) -> None:
    """An IDN domain is one domain in either form (RFC 5890): config holds the canonical one."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text += _manual_system("Kirjanpito", "Omistaja@Tilitoimisto-ÄÖ.example")
    text += _manual_system("Palkanlaskenta", "omistaja@xn--tilitoimisto--nfb4y.example")
    (tmp_path / "rightsdesk.toml").write_text(text, encoding="utf-8")
    listed = _cli(tmp_path, "systems", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    owners = {s["name"]: s["owner"] for s in json.loads(listed.stdout) if s["kind"] == "manual"}
    assert owners == {
        "Kirjanpito": "omistaja@tilitoimisto-äö.example",
        "Palkanlaskenta": "omistaja@tilitoimisto-äö.example",
    }


def test_an_owner_whose_domain_could_never_be_mailed_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text += _manual_system("Kirjanpito", "omistaja@-tilitoimisto-äö.invalid")
    (tmp_path / "rightsdesk.toml").write_text(text, encoding="utf-8")
    check = _cli(tmp_path, "config", "check")
    assert check.returncode == 2
    assert check.stderr.strip().splitlines() == [
        "error: config: systems[0].manual.owner: 'omistaja@-tilitoimisto-äö.invalid' cannot be"
        " mailed: the address's domain is not a valid internationalised domain name"
        " (IDNA2008, RFC 5891)"
    ]
