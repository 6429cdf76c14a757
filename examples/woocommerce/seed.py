"""Create a WooCommerce shop's customer and order tables, with fictional customers, at a URL.

    python examples/woocommerce/seed.py sqlite:///shop.db
    python examples/woocommerce/seed.py mysql+pymysql://shop:secret@127.0.0.1:3306/shop

The tables are WooCommerce's own, with their real names and columns: WordPress's
`wp_users` and `wp_usermeta`, the analytics `wp_wc_customer_lookup`, and the HPOS order
tables of `OrdersTableDataStore` (`wp_wc_orders`, `wp_wc_order_addresses`,
`wp_wc_orders_meta`). Everyone in it is made up; addresses are on example.com.
Existing tables of these names are dropped first, so the script can be run again.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
)
from sqlalchemy.exc import SQLAlchemyError

metadata = MetaData()


def gmt(*parts: int) -> datetime:
    """A UTC time as WordPress stores it in its *_gmt and date columns: without a zone."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


# BIGINT UNSIGNED in MySQL; SQLite needs INTEGER for its auto-increment row ids.
Id = BigInteger().with_variant(Integer(), "sqlite")

wp_users = Table(
    "wp_users",
    metadata,
    Column("ID", Id, primary_key=True, autoincrement=True),
    Column("user_login", String(60), nullable=False, default=""),
    Column("user_pass", String(255), nullable=False, default=""),
    Column("user_nicename", String(50), nullable=False, default=""),
    Column("user_email", String(100), nullable=False, default=""),
    Column("user_url", String(100), nullable=False, default=""),
    Column("user_registered", DateTime, nullable=False),
    Column("user_activation_key", String(255), nullable=False, default=""),
    Column("user_status", Integer, nullable=False, default=0),
    Column("display_name", String(250), nullable=False, default=""),
)
wp_usermeta = Table(
    "wp_usermeta",
    metadata,
    Column("umeta_id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False, default=0, index=True),
    Column("meta_key", String(255)),
    Column("meta_value", Text),
)
wp_wc_customer_lookup = Table(
    "wp_wc_customer_lookup",
    metadata,
    Column("customer_id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, unique=True),
    Column("username", String(60), nullable=False, default=""),
    Column("first_name", String(255), nullable=False),
    Column("last_name", String(255), nullable=False),
    Column("email", String(100)),
    Column("date_last_active", DateTime),
    Column("date_registered", DateTime),
    Column("country", String(2), nullable=False, default=""),
    Column("postcode", String(20), nullable=False, default=""),
    Column("city", String(100), nullable=False, default=""),
    Column("state", String(100), nullable=False, default=""),
)
wp_wc_orders = Table(
    "wp_wc_orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("status", String(20)),
    Column("currency", String(10)),
    Column("type", String(20)),
    Column("tax_amount", Numeric(26, 8)),
    Column("total_amount", Numeric(26, 8)),
    Column("customer_id", BigInteger),
    Column("billing_email", String(320)),
    Column("date_created_gmt", DateTime),
    Column("date_updated_gmt", DateTime),
    Column("parent_order_id", BigInteger),
    Column("payment_method", String(100)),
    Column("payment_method_title", Text),
    Column("transaction_id", String(100)),
    Column("ip_address", String(100)),
    Column("user_agent", Text),
    Column("customer_note", Text),
)
wp_wc_order_addresses = Table(
    "wp_wc_order_addresses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", BigInteger, nullable=False, index=True),
    Column("address_type", String(20)),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("company", Text),
    Column("address_1", Text),
    Column("address_2", Text),
    Column("city", Text),
    Column("state", Text),
    Column("postcode", Text),
    Column("country", Text),
    Column("email", String(320)),
    Column("phone", String(100)),
)
wp_wc_orders_meta = Table(
    "wp_wc_orders_meta",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", BigInteger, index=True),
    Column("meta_key", String(255)),
    Column("meta_value", Text),
)

# (login, first, last, email, street, postcode, city, phone, registered)
CUSTOMERS = [
    ("maija", "Maija", "Esimerkki", "maija.esimerkki@example.com", "Esimerkkikatu 5 B 12",
     "00100", "Helsinki", "+358 40 123 4567", gmt(2019, 4, 2, 9, 15)),
    ("teemu", "Teemu", "Testinen", "teemu.testinen@example.com", "Koekuja 3", "33100",
     "Tampere", "+358 50 765 4321", gmt(2021, 9, 20, 18, 2)),
    ("annika", "Annika", "Provare", "annika.provare@example.com", "Provgatan 8", "65100",
     "Vaasa", "+358 44 222 3333", gmt(2023, 1, 11, 12, 40)),
]  # fmt: skip
# (customer login or None for a guest, status, total, created, note)
ORDERS = [
    ("maija", "wc-completed", "49.90", gmt(2019, 4, 2, 9, 30), ""),
    ("maija", "wc-completed", "129.00", gmt(2024, 11, 28, 20, 5), "Ovikoodi 1234"),
    ("maija", "wc-on-hold", "35.50", gmt(2026, 11, 30, 10, 0), ""),
    ("teemu", "wc-completed", "15.00", gmt(2025, 6, 1, 8, 0), ""),
    ("annika", "wc-processing", "78.20", gmt(2026, 10, 3, 14, 30), ""),
]


def seed(url: str) -> dict[str, int]:
    """Create the tables at `url` (dropping old ones) and fill them; returns rows per table."""
    engine = create_engine(url)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            ids: dict[str, int] = {}
            people: dict[str, tuple[Any, ...]] = {}
            for login, first, last, email, street, postcode, city, phone, since in CUSTOMERS:
                result = conn.execute(
                    wp_users.insert().values(
                        user_login=login,
                        user_pass="",  # no password: these people never log in
                        user_nicename=login,
                        user_email=email,
                        user_url="",
                        user_registered=since,
                        display_name=f"{first} {last}",
                    )
                )
                user_id = int(result.inserted_primary_key[0])
                ids[login] = user_id
                people[login] = (first, last, email, street, postcode, city, phone)
                meta = {
                    "first_name": first,
                    "last_name": last,
                    "nickname": login,
                    "billing_first_name": first,
                    "billing_last_name": last,
                    "billing_address_1": street,
                    "billing_postcode": postcode,
                    "billing_city": city,
                    "billing_country": "FI",
                    "billing_email": email,
                    "billing_phone": phone,
                }
                conn.execute(
                    wp_usermeta.insert(),
                    [{"user_id": user_id, "meta_key": k, "meta_value": v} for k, v in meta.items()],
                )
                conn.execute(
                    wp_wc_customer_lookup.insert().values(
                        user_id=user_id,
                        username=login,
                        first_name=first,
                        last_name=last,
                        email=email,
                        date_last_active=since,
                        date_registered=since,
                        country="FI",
                        postcode=postcode,
                        city=city,
                        state="",
                    )
                )
            for n, (login, status, total, created, note) in enumerate(ORDERS, start=1):
                first, last, email, street, postcode, city, phone = people[login]
                total_amount = Decimal(total)
                result = conn.execute(
                    wp_wc_orders.insert().values(
                        status=status,
                        currency="EUR",
                        type="shop_order",
                        tax_amount=(total_amount * Decimal("0.255") / Decimal("1.255")).quantize(
                            Decimal("0.01")
                        ),
                        total_amount=total_amount,
                        customer_id=ids[login],
                        billing_email=email,
                        date_created_gmt=created,
                        date_updated_gmt=created,
                        parent_order_id=0,
                        payment_method="bacs",
                        payment_method_title="Pankkisiirto",
                        transaction_id=f"TX-{1000 + n}",
                        ip_address=f"192.0.2.{10 + n}",
                        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                        customer_note=note,
                    )
                )
                order_id = int(result.inserted_primary_key[0])
                for kind in ("billing", "shipping"):
                    conn.execute(
                        wp_wc_order_addresses.insert().values(
                            order_id=order_id,
                            address_type=kind,
                            first_name=first,
                            last_name=last,
                            company="",
                            address_1=street,
                            address_2="",
                            city=city,
                            state="",
                            postcode=postcode,
                            country="FI",
                            email=email if kind == "billing" else None,
                            phone=phone,
                        )
                    )
                conn.execute(
                    wp_wc_orders_meta.insert(),
                    [
                        {"order_id": order_id, "meta_key": "_order_key", "meta_value": f"wc_{n}"},
                        {"order_id": order_id, "meta_key": "is_vat_exempt", "meta_value": "no"},
                    ],
                )
        with engine.connect() as conn:
            return {t.name: len(conn.execute(t.select()).all()) for t in metadata.sorted_tables}
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    """`seed.py URL`: one line per table with its row count; a bad URL is one line, exit 2."""
    if len(argv) != 1:
        print("usage: seed.py SQLALCHEMY_URL", file=sys.stderr)
        return 2
    try:
        counts = seed(argv[0])
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        first_line = str(exc).splitlines()[0]
        print(f"error: cannot seed {type(exc).__name__}: {first_line}", file=sys.stderr)
        return 2
    for name, count in counts.items():
        print(f"{name}: {count} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
