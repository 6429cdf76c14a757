"""Import the customer register from CSV: every row checked, all or nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator
from sqlmodel import Session, SQLModel, select

from cases.addresses import canonical
from cases.errors import UserError
from cases.operations import record
from store.actions import AuditAction
from store.models import Customer, Disclosure, Invoice, Order, Recipient

MAX_ERRORS_SHOWN = 20
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise ValueError("not an email address")
    return value.lower()


EmailStr = Annotated[str, AfterValidator(_email)]


class _Row(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class CustomerRow(_Row):
    """A row of customers.csv."""

    customer_number: str
    name: str | None = None
    organisation: str | None = None
    email: EmailStr | None = None
    postal_address: str | None = None
    phone: str | None = None
    www: str | None = None
    ip_address: str | None = None
    relationship_start: date | None = None
    relationship_end: date | None = None


class OrderRow(_Row):
    """A row of orders.csv."""

    customer_number: str
    order_number: str | None = None
    ordered_on: date
    description: str | None = None
    amount: str | None = None


class InvoiceRow(_Row):
    """A row of invoices.csv."""

    customer_number: str
    number: str
    issued_on: date
    due_on: date | None = None
    amount: str
    status: str = "open"
    paid_on: date | None = None

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in ("open", "paid", "in_collection"):
            raise ValueError("must be open, paid or in_collection")
        return value


class RecipientRow(_Row):
    """A row of recipients.csv."""

    name: str
    category: str | None = None
    contact_email: EmailStr | None = None
    purpose: str | None = None
    outside_eea: bool = False


class DisclosureRow(_Row):
    """A row of disclosures.csv."""

    customer_number: str
    recipient: str
    disclosed_on: date | None = None
    purpose: str | None = None


ROW_MODELS: dict[str, type[_Row]] = {
    "customers": CustomerRow,
    "orders": OrderRow,
    "invoices": InvoiceRow,
    "recipients": RecipientRow,
    "disclosures": DisclosureRow,
}


def guess_table(filename: str) -> str:
    """The table a file is for, from its name (customers.csv, orders.csv, ...)."""
    stem = filename.rsplit("/", 1)[-1].split(".", 1)[0].lower()
    for table in ROW_MODELS:
        if stem.startswith(table) or stem.startswith(table.rstrip("s")):
            return table
    raise UserError(
        f"cannot tell which table {filename} is for; name it customers.csv, orders.csv,"
        " invoices.csv, recipients.csv or disclosures.csv, or pass --table"
    )


def _parse(table: str, text: str) -> tuple[list[tuple[int, _Row]], list[str]]:
    model = ROW_MODELS[table]
    reader = csv.DictReader(io.StringIO(text))
    expected = set(model.model_fields)
    header = set(reader.fieldnames or [])
    missing = sorted(
        n for n, f in model.model_fields.items() if f.is_required() and n not in header
    )
    unknown = sorted(header - expected)
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown columns: {', '.join(unknown)}")
        raise UserError(f"{table}: " + "; ".join(parts))
    rows: list[tuple[int, _Row]] = []
    errors: list[str] = []
    for line_no, raw in enumerate(reader, start=2):  # line 1 is the header
        try:
            rows.append((line_no, model.model_validate(raw)))
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                errors.append(f"line {line_no}: {field}: {err['msg']}")
    return rows, errors


def _customers_by_number(session: Session) -> dict[str, int]:
    return {c.customer_number: c.id for c in session.exec(select(Customer)).all() if c.id}


def _build(
    session: Session, table: str, rows: list[tuple[int, _Row]], errors: list[str], now: datetime
) -> list[SQLModel]:
    """Turn checked rows into table objects; references to unknown rows are errors too."""
    objs: list[SQLModel] = []
    customers = _customers_by_number(session)

    def customer_id(line: int, number: str) -> int:
        if number not in customers:
            errors.append(f"line {line}: customer_number: no customer {number!r}")
            return 0
        return customers[number]

    builders: dict[str, Callable[[int, Any], SQLModel | None]] = {}

    def customer(line: int, r: CustomerRow) -> SQLModel | None:
        if r.customer_number in customers:
            errors.append(f"line {line}: customer_number: {r.customer_number!r} already exists")
        customers[r.customer_number] = -line
        data = r.model_dump()
        data["email"] = canonical(str(r.email)) if r.email else None
        return Customer(**data, created_at=now, updated_at=now)

    def order(line: int, r: OrderRow) -> SQLModel | None:
        data = r.model_dump(exclude={"customer_number"})
        return Order(customer_id=customer_id(line, r.customer_number), **data)

    def invoice(line: int, r: InvoiceRow) -> SQLModel | None:
        data = r.model_dump(exclude={"customer_number"})
        return Invoice(customer_id=customer_id(line, r.customer_number), **data)

    recipients = {rc.name: rc.id for rc in session.exec(select(Recipient)).all()}

    def recipient(line: int, r: RecipientRow) -> SQLModel | None:
        if r.name in recipients:
            errors.append(f"line {line}: name: recipient {r.name!r} already exists")
        recipients[r.name] = None
        data = r.model_dump()
        data["contact_email"] = str(r.contact_email) if r.contact_email else None
        return Recipient(**data)

    def disclosure(line: int, r: DisclosureRow) -> SQLModel | None:
        rid = recipients.get(r.recipient)
        if not rid:
            errors.append(f"line {line}: recipient: no recipient {r.recipient!r}")
        data = r.model_dump(exclude={"customer_number", "recipient"})
        return Disclosure(
            customer_id=customer_id(line, r.customer_number), recipient_id=rid or 0, **data
        )

    builders.update(
        customers=customer,
        orders=order,
        invoices=invoice,
        recipients=recipient,
        disclosures=disclosure,
    )
    for line, row in rows:
        obj = builders[table](line, row)
        if obj is not None:
            objs.append(obj)
    if errors:
        errors.sort(key=lambda e: int(e.split(":", 1)[0].removeprefix("line ")))
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise UserError(
            f"{table}: nothing imported, {len(errors)} error(s):\n" + "\n".join(shown) + more
        )
    return objs


def import_csv(session: Session, *, table: str, text: str, actor: str, now: datetime) -> int:
    """Import one CSV into `table`; any bad row means nothing is imported. Returns the row count."""
    if table not in ROW_MODELS:
        raise UserError(f"unknown table {table!r}; use one of: {', '.join(ROW_MODELS)}")
    rows, errors = _parse(table, text.lstrip("\ufeff"))
    objs = _build(session, table, rows, errors, now)
    try:
        session.add_all(objs)
        record(
            session,
            None,
            actor=actor,
            action=AuditAction.REGISTER_IMPORT,
            now=now,
            table=table,
            rows=len(objs),
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(objs)
