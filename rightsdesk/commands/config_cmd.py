"""`rightsdesk init` writes the controller config; `rightsdesk config check` says what it lacks."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from cases.config_check import findings
from cases.controller import load_controller_toml
from cases.errors import UserError
from rightsdesk import wiring
from rightsdesk.settings import load_settings

config_app = typer.Typer(help="The controller config: what replies say about you.")

# The identity facts `init` asks for: (TOML key, question). The rest starts from the
# privacy notice's texts in the example and is listed by `config check` until confirmed.
QUESTIONS: dict[str, str] = {
    "name": "Company name",
    "business_id": "Business id (Y-tunnus)",
    "address": "Street address",
    "email": "General email address",
    "phone": "Phone number",
    "website": "Website (https://…, empty if none)",
    "privacy_email": "Address that receives the requests (the desk's mailbox)",
    "contact_name": "Contact person for the register: name",
    "contact_email": "Contact person: email",
    "contact_phone": "Contact person: phone",
}
_CONTACT = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone"}


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _set(text: str, key: str, value: str, *, table: str | None = None) -> str:
    """Replace `key = …` (or its commented-out form) at the top level or in [table]."""
    start, end = 0, len(text)
    if table is not None:
        start = text.index(f"[{table}]")
        following = re.search(r"^\[", text[start + 1 :], re.MULTILINE)
        end = start + 1 + following.start() if following else len(text)
    else:
        first_table = re.search(r"^\[", text, re.MULTILINE)
        end = first_table.start() if first_table else len(text)
    part = text[start:end]
    line = f"{key} = {_toml_string(value)}"
    pattern = re.compile(rf"^#?\s*{re.escape(key)}\s*=.*$", re.MULTILINE)
    part = (
        pattern.sub(lambda _: line, part, count=1) if pattern.search(part) else part + line + "\n"
    )
    return text[:start] + part + text[end:]


def render_config(answers: dict[str, str]) -> str:
    """The example config with the controller's own identity facts in place."""
    text = wiring.EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for key, value in answers.items():
        if not value:
            continue
        if key in _CONTACT:
            text = _set(text, _CONTACT[key], value, table="contact_person")
        else:
            text = _set(text, key, value)
    if answers.get("address"):
        text = _set(text, "address", answers["address"], table="contact_person")
    return text


def init(
    out: Annotated[Path, typer.Option("--out", help="Where to write.")] = Path("rightsdesk.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    name: Annotated[str | None, typer.Option("--name")] = None,
    business_id: Annotated[str | None, typer.Option("--business-id")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    website: Annotated[str | None, typer.Option("--website")] = None,
    privacy_email: Annotated[str | None, typer.Option("--privacy-email")] = None,
    contact_name: Annotated[str | None, typer.Option("--contact-name")] = None,
    contact_email: Annotated[str | None, typer.Option("--contact-email")] = None,
    contact_phone: Annotated[str | None, typer.Option("--contact-phone")] = None,
) -> None:
    """Write rightsdesk.toml: asks for the company's facts (or takes them as flags)."""
    if out.exists() and not force:
        raise UserError(f"{out} exists: use --force to overwrite it")
    given = {
        "name": name,
        "business_id": business_id,
        "address": address,
        "email": email,
        "phone": phone,
        "website": website,
        "privacy_email": privacy_email,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
    }
    answers: dict[str, str] = {}
    for key, question in QUESTIONS.items():
        value = given[key]
        if value is None and sys.stdin.isatty():
            value = typer.prompt(question, default="", show_default=False)
        answers[key] = (value or "").strip()
    required = ("name", "address", "email", "phone", "privacy_email")
    missing = [f"--{k.replace('_', '-')}" for k in required if not answers[k]]
    if missing:
        raise UserError(f"needed: {', '.join(missing)}")
    text = render_config(answers)
    config = load_controller_toml(text)  # a bad answer is one line naming the field
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}; {len(findings(config))} facts to check: rightsdesk config check")


@config_app.command("check")
def check() -> None:
    """List what the config lacks, still holds as an example, or needs you to confirm."""
    settings = load_settings()
    path = wiring.config_path(settings)
    found = findings(wiring.load_controller(settings))
    for finding in found:
        typer.echo(f"{path.name}: {finding.line()}")
    if found:
        raise typer.Exit(1)
    typer.echo(f"{path.name}: complete")


def register(app: typer.Typer) -> None:
    """Attach `init` and `config` to the root app."""
    app.command("init")(init)
    app.add_typer(config_app, name="config")
