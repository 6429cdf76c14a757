"""The `sql` connector: find the person in a company database, copy, erase and check its mapping.

Reads go through a read-only transaction; an erasure changes one system in one transaction,
so a crash leaves it either unchanged or fully changed. `${VAR}` in the URL is resolved from
the environment mapping the caller passes in (only `rightsdesk/` reads the real one).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Connection, Engine, RowMapping, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import create_engine

from cases.errors import UserError, Waiting
from cases.sql_mapping import SqlHold, SqlTable, join_order
from cases.systems import SqlSystem

__all__ = [
    "Change",
    "Kept",
    "Person",
    "PlanChanged",
    "SqlConnector",
    "SqlPlan",
    "expand_url",
    "row_digest",
]

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MASK = "***"  # what `mask` leaves in a column that may not be empty
CONNECT_TIMEOUT = 5  # seconds: a system that is down makes the case wait, not hang
SQLITE_LOCK_WAIT = 30  # seconds an SQLite system's write lock is waited for (the desk's own)


def expand_url(url: str, env: Mapping[str, str]) -> str:
    """The URL with each `${VAR}` taken from `env`; a missing one is a clear error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise UserError(f"the environment variable {name} (in a system's url) is not set")
        return env[name]

    return _VAR.sub(value, url)


def plain(value: Any) -> Any:
    """A column value as JSON has it (dates ISO 8601, decimals as text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def row_digest(values: Mapping[str, Any]) -> str:
    """The sha256 of a row's values: what the audit trail keeps of it (design §1.4)."""
    canonical = repr(sorted((k, plain(v)) for k, v in values.items()))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Person:
    """Whom to look for: the requester's addresses and name."""

    emails: tuple[str, ...]
    name: str | None = None


@dataclass
class Change:
    """One row an erasure changes: its key, and the columns before and after (None: deleted)."""

    table: str
    key: Any
    before: dict[str, Any]
    after: dict[str, Any] | None

    def describe(self) -> dict[str, Any]:
        """What the audit trail's public part says: table, key, columns, digests; no values."""
        return {
            "table": self.table,
            "key": str(self.key),
            "action": "delete" if self.after is None else "update",
            "columns": sorted(self.before),
            "before_sha256": row_digest(self.before),
            "after_sha256": row_digest(self.after) if self.after is not None else None,
        }


@dataclass
class Kept:
    """Rows a hold keeps: the table, how many, why, under which law and until when."""

    table: str
    rows: int
    reason: str
    law: str
    until: date | None  # None: while the condition holds (an unpaid order)


@dataclass
class SqlPlan:
    """What an erasure does (or did) in one system."""

    system: str
    changes: list[Change] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    found: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing to change."""
        return not self.changes

    def outline(self) -> list[Any]:
        """What the plan does, without the stand-ins a new salt would change (`hash`)."""
        changes = sorted(
            (c.table, str(c.key), c.after is None, row_digest(c.before), sorted(c.after or {}))
            for c in self.changes
        )
        kept = sorted((k.table, k.rows, k.reason, k.law, str(k.until)) for k in self.kept)
        return [changes, kept, sorted(self.found.items())]


class PlanChanged(Exception):
    """The system changed since the plan was recorded: nothing was written; `plan` is new."""

    def __init__(self, plan: SqlPlan) -> None:
        super().__init__(plan.system)
        self.plan = plan


class SqlConnector:
    """One `sql` system of the data map, reached through its SQLAlchemy URL."""

    def __init__(self, system: SqlSystem, env: Mapping[str, str]) -> None:
        self.system = system
        self._env = env
        self._engine: Engine | None = None
        self._tables: dict[str, Table] = {}
        self._keys = {t.table: t.key for t in system.tables}  # each table's primary key

    @property
    def name(self) -> str:
        """The system's name."""
        return self.system.name

    def engine(self) -> Engine:
        """The engine (built on first use; a bad URL is a one-line error)."""
        if self._engine is None:
            url = expand_url(self.system.url, self._env)
            try:
                parsed = make_url(url)
                args: dict[str, Any] = {}
                if parsed.get_backend_name() in ("postgresql", "mysql", "mariadb"):
                    args["connect_timeout"] = CONNECT_TIMEOUT
                elif parsed.get_backend_name() == "sqlite":
                    args["timeout"] = SQLITE_LOCK_WAIT
                self._engine = create_engine(
                    url, poolclass=NullPool, hide_parameters=True, connect_args=args
                )
            except (ArgumentError, NoSuchModuleError, ValueError) as exc:
                raise UserError(f"system {self.name}: cannot use its url ({exc})") from None
        return self._engine

    def dispose(self) -> None:
        """Close the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[Connection]:
        """A transaction: read-only for reads, one transaction for a system's changes."""
        try:
            conn = self.engine().connect()
            if not write and conn.dialect.name in ("mysql", "mariadb"):
                # MariaDB takes READ ONLY for the next transaction, not the open one.
                conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
                conn.commit()
        except SQLAlchemyError as exc:
            raise Waiting(f"{self.name} is not reachable ({_cause(exc)})") from None
        try:
            with conn.begin():
                if not write:
                    _read_only(conn)
                elif conn.dialect.name == "sqlite":
                    self._write_lock(conn)
                yield conn
        except OperationalError as exc:
            # The connection broke mid-way: the transaction is gone, the system unchanged.
            raise Waiting(f"{self.name} is not reachable ({_cause(exc)})") from None
        except SQLAlchemyError as exc:
            raise UserError(
                f"{self.name}: the database does not match the mapping ({_cause(exc)});"
                " run `rightsdesk systems check`"
            ) from None
        finally:
            conn.close()

    def _write_lock(self, conn: Connection) -> None:
        """Take SQLite's write lock before reading, so no one writes between plan and change.

        pysqlite begins a transaction only at the first write, and SQLite then locks
        (sqlite.org/lang_transaction.html): a write that matches no row does both.
        """
        if not self.system.tables:
            return  # nothing mapped: nothing to read or write
        first = self.system.tables[0]
        table = self._table(conn, first.table)
        key = table.c[first.key]
        conn.execute(table.update().where(false()).values({key: key}))

    def _table(self, conn: Connection, name: str) -> Table:
        if name not in self._tables:
            self._tables[name] = Table(name, MetaData(), autoload_with=conn)
        return self._tables[name]

    # --- systems check -------------------------------------------------------------------

    def check(self) -> list[str]:
        """One line per problem, naming the system, the table and the column."""
        try:
            conn = self.engine().connect()
        except SQLAlchemyError as exc:
            return [f"{self.name}: cannot connect ({_cause(exc)})"]
        problems: list[str] = []
        try:
            schema = inspect(conn)
            existing = set(schema.get_table_names())
            for mapped in self.system.tables:
                if mapped.table not in existing:
                    problems.append(f"{self.name}: table {mapped.table} does not exist")
                    continue
                described = {c["name"]: c for c in schema.get_columns(mapped.table)}
                columns = set(described)
                problems.extend(
                    f"{self.name}: table {mapped.table}: column {name} does not exist"
                    for name in mapped.columns()
                    if name not in columns
                )
                if isinstance(mapped.erase, dict):
                    problems.extend(
                        f"{self.name}: table {mapped.table}: column {name} cannot be NULL"
                        " (erase = null); use mask or hash"
                        for name, how in mapped.erase.items()
                        if how == "null" and name in described and not described[name]["nullable"]
                    )
                if mapped.join:
                    target = mapped.join.table
                    if target in existing:
                        there = {c["name"] for c in schema.get_columns(target)}
                        if mapped.join.target_column not in there:
                            problems.append(
                                f"{self.name}: table {target}: column"
                                f" {mapped.join.target_column} does not exist"
                                f" (joined from {mapped.table})"
                            )
            for hold in self.system.holds:
                if hold.table in existing:
                    columns = {c["name"] for c in schema.get_columns(hold.table)}
                    if hold.column not in columns:
                        problems.append(
                            f"{self.name}: table {hold.table}: column {hold.column} does not"
                            f" exist (hold {hold.reason})"
                        )
        finally:
            conn.close()
        return problems

    # --- finding the person --------------------------------------------------------------

    def _where_only(self, table: Table, mapped: SqlTable) -> list[ColumnElement[bool]]:
        return [table.c[c].in_(values) for c, values in mapped.only.items()]

    def _find(
        self, conn: Connection, person: Person, *, lock: bool = False
    ) -> dict[str, list[RowMapping]]:
        """The person's rows in each mapped table, found top-down (e-mail, name, joins).

        With `lock` the rows are locked for the rest of the transaction (FOR UPDATE), so
        what the erasure writes is what it found; SQLite's write lock does that for it.
        """
        emails = sorted({e.strip().lower() for e in person.emails if e and e.strip()})
        found: dict[str, list[RowMapping]] = {}
        for mapped in join_order(self.system.tables):
            table = self._table(conn, mapped.table)
            rows_of = select(table).with_for_update() if lock else select(table)
            only = self._where_only(table, mapped)
            rows: dict[Any, RowMapping] = {}
            if mapped.email and emails:
                match = or_(*(func.lower(table.c[c]).in_(emails) for c in mapped.email))
                for row in conn.execute(rows_of.where(match, *only)).mappings():
                    rows[row[mapped.key]] = row
            if mapped.join:
                parents = found.get(mapped.join.table, [])
                values = sorted({p[mapped.join.target_column] for p in parents} - {None}, key=str)
                if values:
                    linked = table.c[mapped.join.column].in_(values)
                    for row in conn.execute(rows_of.where(linked, *only)).mappings():
                        rows[row[mapped.key]] = row
            if not rows and mapped.name and person.name:
                # Only when neither the address nor a join found the person here.
                wanted = " ".join(person.name.split()).lower()
                full: ColumnElement[Any] = _concat([table.c[c] for c in mapped.name])
                match_name = func.lower(full) == wanted
                for row in conn.execute(rows_of.where(match_name, *only)).mappings():
                    rows[row[mapped.key]] = row
            found[mapped.table] = sorted(rows.values(), key=lambda r: str(r[mapped.key]))
        return found

    def read(self, person: Person, *, portability: bool = False) -> dict[str, list[dict[str, Any]]]:
        """The person's rows, with the columns the access copy (or portability) carries."""
        with self._connect(write=False) as conn:
            found = self._find(conn, person)
        copy: dict[str, list[dict[str, Any]]] = {}
        for mapped in self.system.tables:
            columns = mapped.portability if portability else mapped.access
            if columns and found[mapped.table]:
                copy[mapped.table] = [
                    {c: plain(row[c]) for c in columns} for row in found[mapped.table]
                ]
        return copy

    # --- erasure -------------------------------------------------------------------------

    def _held(
        self, found: Mapping[str, list[RowMapping]], today: date
    ) -> tuple[dict[str, set[Any]], list[Kept]]:
        """The keys each hold keeps (and the rows joined to them), with the reasons."""
        held: dict[str, set[Any]] = {t.table: set() for t in self.system.tables}
        kept: list[Kept] = []
        keys = self._keys
        for hold in self.system.holds:
            rows = [
                r for r in found.get(hold.table, []) if r[keys[hold.table]] not in held[hold.table]
            ]
            by_until: dict[date | None, int] = {}
            for row in rows:
                holds, until = _holds(hold, row.get(hold.column), today)
                if holds:
                    held[hold.table].add(row[keys[hold.table]])
                    by_until[until] = by_until.get(until, 0) + 1
            for until, count in sorted(by_until.items(), key=lambda kv: kv[0] or date.max):
                kept.append(Kept(hold.table, count, hold.reason, hold.law, until))
        # What hangs off a kept row is kept with it (an order's addresses and meta).
        for mapped in join_order(self.system.tables):
            if mapped.join is None:
                continue
            parent = mapped.join.table
            parent_key = keys[parent]
            kept_values = {
                r[mapped.join.target_column]
                for r in found.get(parent, [])
                if r[parent_key] in held[parent]
            }
            children = [r for r in found[mapped.table] if r[mapped.join.column] in kept_values]
            new = [r for r in children if r[mapped.key] not in held[mapped.table]]
            if new:
                held[mapped.table].update(r[mapped.key] for r in new)
                kept.append(Kept(mapped.table, len(new), "kept_with", parent, None))
        return held, kept

    def _plan(
        self, conn: Connection, person: Person, today: date, *, lock: bool = False
    ) -> SqlPlan:
        found = self._find(conn, person, lock=lock)
        held, kept = self._held(found, today)
        plan = SqlPlan(self.name, kept=kept, found={k: len(v) for k, v in found.items()})
        salt = secrets.token_hex(16)  # thrown away: a hashed value leads back to nobody
        for mapped in reversed(join_order(self.system.tables)):  # children before parents
            if mapped.erase is None:
                continue
            table = self._table(conn, mapped.table)
            for row in found[mapped.table]:
                key = row[mapped.key]
                if key in held[mapped.table]:
                    continue
                if mapped.erase == "delete":
                    plan.changes.append(Change(mapped.table, key, dict(row), None))
                    continue
                before: dict[str, Any] = {}
                after: dict[str, Any] = {}
                for column, how in mapped.erase.items():
                    new = _erased(row[column], how, salt, table.c[column])
                    if new != row[column]:
                        before[column] = row[column]
                        after[column] = new
                if after:
                    plan.changes.append(Change(mapped.table, key, before, after))
        return plan

    def rectify(
        self, person: Person, corrections: Mapping[str, str | None], *, dry_run: bool = False
    ) -> SqlPlan:
        """Set each corrected field in the columns the mapping names for it, one transaction."""
        with self._connect(write=not dry_run) as conn:
            found = self._find(conn, person)
            plan = SqlPlan(self.name, found={k: len(v) for k, v in found.items()})
            for mapped in self.system.tables:
                columns = {
                    column: corrections[field]
                    for field, column in mapped.rectify.items()
                    if field in corrections
                }
                for row in found[mapped.table] if columns else []:
                    before = {c: row[c] for c, v in columns.items() if row[c] != v}
                    after = {c: columns[c] for c in before}
                    if after:
                        plan.changes.append(Change(mapped.table, row[mapped.key], before, after))
            if not dry_run:
                self._write(conn, plan)
        return plan

    def _restriction(self, conn: Connection, person: Person, *, lock: bool = False) -> SqlPlan:
        """The person's rows, and the `restrict` columns to set on those not holding them yet."""
        found = self._find(conn, person, lock=lock)
        plan = SqlPlan(self.name, found={k: len(v) for k, v in found.items()})
        for mapped in self.system.tables:
            wanted = mapped.restrict
            for row in found[mapped.table] if wanted else []:
                before = {c: row[c] for c, v in wanted.items() if row[c] != v}
                after = {c: wanted[c] for c in before}
                if after:
                    plan.changes.append(Change(mapped.table, row[mapped.key], before, after))
        return plan

    def restrict(self, person: Person) -> SqlPlan:
        """What a restriction would set (read only); `apply_restriction` carries it out.

        Rows already holding the values are found but not changed.
        """
        with self._connect(write=False) as conn:
            return self._restriction(conn, person)

    def apply_restriction(self, plan: SqlPlan, person: Person) -> SqlPlan:
        """Carry out exactly the restriction `plan`, in one transaction that finds the person again.

        As `apply` for an erasure: the rows are locked while found, and when they are not
        what the plan says any more nothing is written and PlanChanged carries the new plan,
        so the desk records the values before of every row it changes before it changes them.
        """
        with self._connect(write=True) as conn:
            now = self._restriction(conn, person, lock=True)
            if now.outline() != plan.outline():
                raise PlanChanged(now)
            self._write(conn, plan)
        return plan

    def unrestrict(self, rows: Sequence[Mapping[str, Any]]) -> tuple[SqlPlan, list[dict[str, Any]]]:
        """What putting back the values a restriction replaced would do (Art. 18(3)), read only.

        `rows` are the restriction's record: table, key, the values before and after. A
        column is restored only while it still holds the value the restriction set; one
        that holds its old value already is left as it is, and one changed by others since
        is left too and returned, with its table, key and column names (no values), for the
        caller to say so. `apply_unrestriction` carries the plan out.
        """
        with self._connect(write=False) as conn:
            return self._unrestriction(conn, rows)

    def apply_unrestriction(
        self,
        plan: SqlPlan,
        left: Sequence[Mapping[str, Any]],
        rows: Sequence[Mapping[str, Any]],
    ) -> SqlPlan:
        """Carry out exactly `plan` (from `unrestrict(rows)`) in one transaction, rows locked.

        When the rows are not what the plan found any more, nothing is written and
        PlanChanged is raised, so the desk records what it will do before it does it.
        """
        with self._connect(write=True) as conn:
            now, now_left = self._unrestriction(conn, rows, lock=True)
            if now.outline() != plan.outline() or now_left != list(left):
                raise PlanChanged(now)
            self._write(conn, plan)
        return plan

    def _unrestriction(
        self, conn: Connection, rows: Sequence[Mapping[str, Any]], *, lock: bool = False
    ) -> tuple[SqlPlan, list[dict[str, Any]]]:
        plan = SqlPlan(self.name)
        left: list[dict[str, Any]] = []
        for row in rows:
            name, recorded = str(row["table"]), str(row["key"])
            set_to: Mapping[str, Any] = row.get("after") or {}
            was: Mapping[str, Any] = row.get("before") or {}
            if name not in self._keys:
                left.append({"table": name, "key": recorded, "columns": sorted(set_to)})
                continue  # no longer in the mapping: nothing to find it by
            table = self._table(conn, name)
            key = table.c[self._keys[name]]
            query = select(table).where(key == _key(key, recorded))
            current = conn.execute(query.with_for_update() if lock else query).mappings().first()
            if current is None:
                left.append({"table": name, "key": recorded, "columns": sorted(set_to)})
                continue
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            others: list[str] = []
            for column, value in set_to.items():
                if _same(current[column], value):
                    before[column] = current[column]
                    after[column] = _typed(table.c[column], was.get(column))
                elif not _same(current[column], was.get(column)):
                    others.append(column)
            if after:
                plan.changes.append(Change(name, current[key.name], before, after))
            if others:
                left.append({"table": name, "key": recorded, "columns": sorted(others)})
        return plan, left

    def _write(self, conn: Connection, plan: SqlPlan) -> None:
        for change in plan.changes:
            table = self._table(conn, change.table)
            where = table.c[self._keys[change.table]] == change.key
            if change.after is None:
                conn.execute(table.delete().where(where))
            else:
                conn.execute(table.update().where(where).values(**change.after))

    def erase(self, person: Person, today: date, *, dry_run: bool = False) -> SqlPlan:
        """Erase the person's rows in one transaction (or only say what would change)."""
        with self._connect(write=not dry_run) as conn:
            plan = self._plan(conn, person, today, lock=not dry_run)
            if not dry_run:
                self._write(conn, plan)
        return plan

    def apply(self, plan: SqlPlan, person: Person, today: date) -> SqlPlan:
        """Carry out exactly `plan`, in one transaction that first finds the person again.

        The rows are locked while found; when they are not what the plan says any more (a
        new order, a changed address), nothing is written and PlanChanged carries the new
        plan, so the desk records what it will do before it does it.
        """
        with self._connect(write=True) as conn:
            now = self._plan(conn, person, today, lock=True)
            if now.outline() != plan.outline():
                raise PlanChanged(now)
            self._write(conn, plan)
        return plan

    def state(self, changes: Sequence[Mapping[str, Any]]) -> str:
        """Whether the recorded changes are in the system: "unchanged", "fully changed", or
        "changed since the plan".

        One transaction wrote them all or none, so a single row still as it was before means
        none were written, and one as the plan leaves it (or, for a deletion, gone) means all
        were; each row is compared by its digests, never its values. When every row is
        neither (others changed each one since), nothing shows that the erasure was written:
        it must be planned again, not reported as done.
        """
        written = False
        with self._connect(write=False) as conn:
            for change in changes:
                table = self._table(conn, str(change["table"]))
                key = table.c[self._keys[table.name]]
                columns = [table.c[c] for c in change["columns"]]
                rows = conn.execute(
                    select(key, *columns).where(key == _key(key, change["key"]))
                ).mappings()
                row = next(iter(rows), None)
                if row is None:
                    written = written or change["after_sha256"] is None
                    continue
                digest = _digest(row, change["columns"])
                if digest == change["before_sha256"]:
                    return "unchanged"
                written = written or digest == change["after_sha256"]
        return "fully changed" if written else "changed since the plan"


def _digest(row: RowMapping, columns: Sequence[str]) -> str:
    return row_digest({c: row[c] for c in columns})


def _key(column: Column[Any], recorded: str) -> Any:
    """A key as the trail records it (text) back in the column's own type."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return recorded
    return python_type(recorded) if python_type in (int, str) else recorded


def _same(value: Any, recorded: Any) -> bool:
    """Whether a column's value is the one recorded (the record holds it as JSON has it)."""
    return bool(value == recorded or plain(value) == plain(recorded))


def _typed(column: Column[Any], recorded: Any) -> Any:
    """A value recorded as JSON has it (dates as ISO text, decimals as text) in its own type."""
    if not isinstance(recorded, str):
        return recorded
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return recorded
    if python_type is datetime:
        return datetime.fromisoformat(recorded)
    if python_type is date:
        return date.fromisoformat(recorded)
    if python_type is Decimal:
        return Decimal(recorded)
    return recorded


def _concat(columns: Sequence[Column[Any]]) -> ColumnElement[Any]:
    """The columns joined with single spaces (NULL as empty), in any dialect.

    `+` on strings compiles to `||` or to MySQL's concat(), whichever the dialect has.
    """
    expr: ColumnElement[Any] = func.coalesce(columns[0], "", type_=String())
    for column in columns[1:]:
        expr = expr + literal(" ", String()) + func.coalesce(column, "", type_=String())
    return expr


def _holds(hold: SqlHold, value: Any, today: date) -> tuple[bool, date | None]:
    """Whether the hold keeps a row with `value` in its column on `today`, and until when."""
    if hold.values:
        return (str(value) in hold.values, None)
    if value is None:
        return (False, None)
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    assert hold.years is not None
    until = date(day.year + hold.years, 12, 31)
    return (today <= until, until)


def _erased(value: Any, how: str, salt: str, column: Column[Any]) -> Any:
    """The value a column holds after erasure; unchanged when it already holds that."""
    if value is None or value == "":
        return value  # nothing personal in it
    if how == "null":
        return None
    if how == "mask":
        return MASK
    length = getattr(column.type, "length", None) or 64
    width = min(64, length)
    text = str(value)
    if re.fullmatch(f"[0-9a-f]{{{width}}}", text):
        return value  # hashed before: a stand-in already
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()[:width]


def _cause(exc: SQLAlchemyError) -> str:
    """The driver's error class, never its message (it may quote a password or a row)."""
    return type(getattr(exc, "orig", None) or exc).__name__


def _read_only(conn: Connection) -> None:
    """Make the open transaction read-only where the database can say so."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif dialect == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only = ON")
