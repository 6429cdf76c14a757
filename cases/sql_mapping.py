"""The declarative mapping of a `sql` system: where the person is and what each right does.

A table is reached in one of two ways: its own columns match the person (e-mail first, then
name), or it joins a mapped table (`join = { column = "order_id", to = "wp_wc_orders.id" }`).
Each table names the columns an access copy (Art. 15(3)) and a portability export (Art. 20)
carry, what erasure does to it (Art. 17), what rectification may change (Art. 16), what
restriction marks in it (Art. 18) and the holds that keep rows while the law says so
(Art. 17(3)(b), (e)).
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator

from cases.localized import StrictModel

__all__ = [
    "ColumnErasure",
    "RestrictValue",
    "SqlHold",
    "SqlJoin",
    "SqlTable",
    "check_mapping",
    "join_order",
]

ColumnErasure = Literal["null", "mask", "hash"]
# What a restriction writes in a column: a status text, a number or a flag (TOML has no null).
RestrictValue = bool | int | str
# The desk's field names a rectification may carry (`cases fulfil --set FIELD=VALUE`).
RECTIFIABLE = ("name", "email", "postal_address", "phone", "organisation", "www")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,63}$")


def _ident(value: str) -> str:
    if not _IDENT.fullmatch(value):
        raise ValueError(f"{value!r} is not a table or column name")
    return value


class SqlJoin(StrictModel):
    """Rows of this table whose `column` equals `to` (TABLE.COLUMN) of the person's rows there."""

    column: str
    to: str

    @field_validator("column")
    @classmethod
    def _column(cls, value: str) -> str:
        return _ident(value)

    @field_validator("to")
    @classmethod
    def _target(cls, value: str) -> str:
        table, dot, column = value.partition(".")
        if not dot:
            raise ValueError(f"{value!r} must be TABLE.COLUMN")
        _ident(table)
        _ident(column)
        return value

    @property
    def table(self) -> str:
        """The table joined to."""
        return self.to.partition(".")[0]

    @property
    def target_column(self) -> str:
        """The column joined to."""
        return self.to.partition(".")[2]


class SqlTable(StrictModel):
    """One table of the system and what each right does to the person's rows in it."""

    table: str
    key: str  # the primary key: the audit trail names each changed row by it
    email: list[str] = Field(default_factory=list)  # matched case-insensitively
    # Matched only when no row matches the e-mail: the columns joined with spaces must equal
    # the person's name (e.g. first_name, last_name), ignoring case.
    name: list[str] = Field(default_factory=list)
    join: SqlJoin | None = None
    # Only rows where each column holds one of the values (e.g. meta_key in a meta table).
    only: dict[str, list[str]] = Field(default_factory=dict)
    access: list[str] = Field(default_factory=list)  # Art. 15(3): the copy
    portability: list[str] = Field(default_factory=list)  # Art. 20: what the person provided
    # Art. 17: "delete" the row, or per column null / mask / hash; no entry leaves it alone.
    erase: Literal["delete"] | dict[str, ColumnErasure] | None = None
    # Art. 16: a desk field (name, email, postal_address, ...) and the column that holds it.
    rectify: dict[str, str] = Field(default_factory=dict)
    # Art. 18: the columns set on the person's rows and their value while processing is
    # restricted (a status, a flag the system's own processes honour); no entry: not marked.
    restrict: dict[str, RestrictValue] = Field(default_factory=dict)

    _names = field_validator("table", "key")(_ident)

    @field_validator("email", "name", "access", "portability")
    @classmethod
    def _columns(cls, value: list[str]) -> list[str]:
        return [_ident(v) for v in value]

    @field_validator("only")
    @classmethod
    def _only(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for column in value:
            _ident(column)
        return value

    @field_validator("erase", mode="before")
    @classmethod
    def _erase(cls, value: object) -> object:
        # Said here in one line: the union's own error names neither the value nor the choices.
        ways: tuple[str, ...] = get_args(ColumnErasure)
        if value is None or value == "delete":
            return value
        if isinstance(value, dict):
            for column, how in value.items():
                _ident(str(column))
                if how not in ways:
                    raise ValueError(f"{column} = {how!r}: use {', '.join(ways)}")
            return value
        raise ValueError(f'{value!r}: use "delete" or {{ COLUMN = {" | ".join(ways)} }}')

    @field_validator("rectify")
    @classmethod
    def _rectify(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(RECTIFIABLE))
        if unknown:
            raise ValueError(f"unknown field {', '.join(unknown)}; use {', '.join(RECTIFIABLE)}")
        for column in value.values():
            _ident(column)
        return value

    @field_validator("restrict")
    @classmethod
    def _restrict(cls, value: dict[str, RestrictValue]) -> dict[str, RestrictValue]:
        for column in value:
            _ident(column)
        return value

    @model_validator(mode="after")
    def _reached(self) -> SqlTable:
        if not (self.email or self.name or self.join):
            raise ValueError(f"table {self.table}: say how the person is found (email, name, join)")
        # A restriction that rewrote what finds the person would lose them (and the lift).
        finding = {self.key, *self.email, *self.name, *self.only}
        finding |= {self.join.column} if self.join else set()
        overlap = sorted(finding & set(self.restrict))
        if overlap:
            raise ValueError(
                f"table {self.table}: restrict must not set {', '.join(overlap)}, which finds"
                " the person's rows"
            )
        return self

    def columns(self) -> list[str]:
        """Every column the mapping names in this table (what `systems check` looks for)."""
        named = [self.key, *self.email, *self.name, *self.only, *self.access, *self.portability]
        if self.join:
            named.append(self.join.column)
        if isinstance(self.erase, dict):
            named.extend(self.erase)
        named.extend(self.rectify.values())
        named.extend(self.restrict)
        return list(dict.fromkeys(named))


class SqlHold(StrictModel):
    """Rows kept from erasure while a condition holds, with the law that says so.

    `values`: kept while `column` holds one of them (e.g. unpaid orders, a legal claim);
    `years`: kept until the end of the year `years` after the year in the date `column`
    (e.g. orders as bookkeeping vouchers, Kirjanpitolaki 1336/1997 2:10 §).
    Rows joined to a kept row (its addresses, its meta) are kept with it.
    """

    table: str
    column: str
    values: list[str] = Field(default_factory=list)
    years: int | None = Field(default=None, ge=1, le=100)
    reason: str  # a short code shown in the reply's "kept" list (e.g. bookkeeping)
    law: str  # named in the reply, e.g. "Kirjanpitolaki 1336/1997 2:10 §"

    _names = field_validator("table", "column")(_ident)

    @model_validator(mode="after")
    def _one_condition(self) -> SqlHold:
        if bool(self.values) == (self.years is not None):
            raise ValueError(f"hold on {self.table}.{self.column}: give either values or years")
        return self


def check_mapping(tables: list[SqlTable], holds: list[SqlHold]) -> list[str]:
    """What is wrong in the mapping itself, before any database is asked."""
    problems: list[str] = []
    names = [t.table for t in tables]
    for table in tables:
        if names.count(table.table) > 1:
            problems.append(f"table {table.table} is mapped more than once")
        if table.join and table.join.table not in names:
            problems.append(f"table {table.table} joins {table.join.to}, which is not mapped")
    for hold in holds:
        if hold.table not in names:
            problems.append(f"hold on {hold.table}, which is not mapped")
    if not problems:
        try:
            join_order(tables)
        except ValueError as exc:
            problems.append(str(exc))
    return sorted(set(problems))


def join_order(tables: list[SqlTable]) -> list[SqlTable]:
    """The tables with each one after the table it joins (the person is found top-down)."""
    done: dict[str, SqlTable] = {}
    pending = list(tables)
    while pending:
        ready = [t for t in pending if t.join is None or t.join.table in done]
        if not ready:
            circle = ", ".join(t.table for t in pending)
            raise ValueError(f"tables {circle} join each other in a circle")
        for table in ready:
            done[table.table] = table
            pending.remove(table)
    return list(done.values())
