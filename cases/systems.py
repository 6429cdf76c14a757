"""The data map: the company's systems that hold personal data, and how each is reached.

Fulfilling a right means acting wherever the data lives (Art. 15(1), 17(1), 19), not only
in the desk's own copy of the register. A system is the built-in `register`, a `sql`
database rightsdesk reaches itself, or a `manual` one a named owner handles as a task.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from cases.addresses import ascii_domain, canonical
from cases.localized import LocalizedList, StrictModel
from cases.sql_mapping import SqlHold, SqlTable, check_mapping

__all__ = [
    "RIGHTS",
    "ManualSystem",
    "RegisterSystem",
    "SqlSystem",
    "System",
    "SystemKind",
]

# The rights a system may be asked to carry out, as the kinds of task a person does for them.
RIGHTS: tuple[str, ...] = ("access", "erasure", "rectification", "restriction")

SystemKind = Literal["register", "sql", "manual"]

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class _Common(StrictModel):
    """What every system states: its name in replies and the categories it holds."""

    name: str  # shown in replies, Slack and the dossier
    # Art. 15(1)(b): the categories this system holds, in each reply language.
    categories: LocalizedList | None = None

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value


class RegisterSystem(_Common):
    """The built-in customer register (the desk's own copy, imported from CSV)."""

    kind: Literal["register"] = "register"


class SqlSystem(_Common):
    """A database rightsdesk connects to itself through any SQLAlchemy URL."""

    kind: Literal["sql"] = "sql"
    # `${VAR}` is taken from the environment when the connection is made, so the
    # secret never sits in the file.
    url: str
    # The mapping (cases/sql_mapping.py): where the person is and what each right does.
    tables: list[SqlTable] = Field(default_factory=list)
    holds: list[SqlHold] = Field(default_factory=list)

    @model_validator(mode="after")
    def _mapping_holds_together(self) -> SqlSystem:
        problems = check_mapping(self.tables, self.holds)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ManualSystem(_Common):
    """A system a person handles: each right becomes a task for its owner."""

    kind: Literal["manual"] = "manual"
    owner: str  # a Slack user id (U…) or an e-mail address
    # What the owner does for each right, in their own working language.
    instructions: dict[str, str] = Field(default_factory=dict)

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if _SLACK_USER.fullmatch(value):
            return value
        if not _EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is neither a Slack user id (U…) nor an e-mail address")
        try:
            ascii_domain(value)  # a non-ASCII domain without A-labels could never be mailed
        except ValueError as exc:
            raise ValueError(f"{value!r} cannot be mailed: {exc}") from exc
        # Kept in the one form tasks store and intake compares senders in (an IDN domain as
        # U-labels), whichever form the file gives: the owner's replies match either way.
        return canonical(value)

    @field_validator("instructions")
    @classmethod
    def _known_rights(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(RIGHTS))
        if unknown:
            raise ValueError(f"unknown right {', '.join(unknown)}; use {', '.join(RIGHTS)}")
        return {right: text.strip() for right, text in value.items() if text.strip()}

    @property
    def owner_is_slack_user(self) -> bool:
        """Whether the owner is reached in Slack rather than by mail."""
        return bool(_SLACK_USER.fullmatch(self.owner))


System = Annotated[RegisterSystem | SqlSystem | ManualSystem, Field(discriminator="kind")]
