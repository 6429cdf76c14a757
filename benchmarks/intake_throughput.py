"""Intake throughput: `rightsdesk poll --once` against the plain-tools pipeline, in one run.

Usage: .venv/bin/python -m benchmarks.intake_throughput [--messages 5000] [--db sqlite|postgresql]

Both sides read the same generated messages (fi/sv/en, plain and HTML, some attachments) from
one local Dovecot and send their acknowledgements to one local SMTP server in its own process.
The plain pipeline (design.md §4) is one page of code: imapclient BODY.PEEK[] fetch, stdlib
parse, inserts in batched transactions into the same kind of store, acks over one SMTP
connection. The bare fetch is BODY.PEEK[] and nothing else.
"""

from __future__ import annotations

import argparse
import smtplib
import sqlite3
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from benchmarks.common import (
    database,
    fill_mailbox,
    mail_servers,
    rightsdesk,
    rightsdesk_env,
    run_measured,
    save,
)
from tests.mailgen import request_mail

TARGET_RATIO = 1.5
TARGET_RSS_MB = 200.0


def messages(count: int) -> list[bytes]:
    """The benchmark's mail: three languages, a quarter HTML-only, a tenth with a PDF."""
    return [
        request_mail(i, html=i % 4 == 1, attachment=i % 10 == 3, seed=11)[0] for i in range(count)
    ]


def bare_fetch(server: Any, user: str) -> float:
    """Seconds to fetch every message with BODY.PEEK[] and nothing else."""
    start = time.perf_counter()
    client = server.client(user)
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    for i in range(0, len(uids), 200):
        client.fetch(uids[i : i + 200], ["BODY.PEEK[]"])
    client.logout()
    return time.perf_counter() - start


class _Store:
    """The plain pipeline's table, in SQLite (sqlite3) or PostgreSQL (psycopg)."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"))
            self.sql = "INSERT OR IGNORE INTO msg VALUES (?, ?, ?, ?, ?)"
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
            self.sql = "INSERT INTO msg VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS msg (mid TEXT UNIQUE, sender TEXT, subject TEXT,"
            " body TEXT, raw BYTEA)"
        )
        self.conn.commit()

    def insert(self, rows: list[tuple[str, str, str, str, bytes]]) -> None:
        """One batch, one transaction."""
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.executemany(self.sql, rows)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self.sql, rows)
        self.conn.commit()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def plain_pipeline(server: Any, user: str, smtp_port: int, db_url: str) -> float:
    """The one-page baseline: fetch, parse, batched inserts, acks on one SMTP connection."""
    start = time.perf_counter()
    store = _Store(db_url)
    client = server.client(user)
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    smtp = smtplib.SMTP("127.0.0.1", smtp_port)
    for i in range(0, len(uids), 200):
        batch = client.fetch(uids[i : i + 200], ["BODY.PEEK[]"])
        rows, acks = [], []
        for data in batch.values():
            raw = data[b"BODY[]"]
            msg = message_from_bytes(raw, policy=default_policy)
            body = msg.get_body(("plain", "html"))
            text = body.get_content() if body is not None else ""
            rows.append((str(msg["Message-ID"]), str(msg["From"]), str(msg["Subject"]), text, raw))
            ack = EmailMessage()
            ack["From"] = "privacy@targetpartners.example"
            ack["To"] = str(msg["From"])
            ack["Subject"] = "Re: " + str(msg["Subject"])
            ack.set_content("We have received your request.")
            acks.append(ack)
        store.insert(rows)
        for ack in acks:
            smtp.send_message(ack)
    smtp.quit()
    client.logout()
    store.close()
    return time.perf_counter() - start


def main() -> None:
    """Run the three over the same mailbox; print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    n = args.messages
    with mail_servers() as (dovecot, smtp, tmp):
        box = dovecot.add_user("bench@example.com")
        print(f"filling Dovecot with {n} messages ...", flush=True)
        fill_mailbox(dovecot, box.user, messages(n))
        fetch = bare_fetch(dovecot, box.user)
        with database(args.db, Path(tmp), "plain") as plain_url:
            plain = plain_pipeline(dovecot, box.user, smtp.port, plain_url)
        plain_acks = smtp.count
        with database(args.db, Path(tmp), "intake") as url:
            env = rightsdesk_env(
                db_url=url,
                imap=(dovecot.host, dovecot.imap_port, box.user, box.password),
                smtp_port=smtp.port,
            )
            upgrade = run_measured(rightsdesk("db", "upgrade"), env)
            if upgrade.returncode:
                raise SystemExit(f"db upgrade failed: {upgrade.stderr}")
            ours = run_measured(rightsdesk("poll", "--once"), env)
        if ours.returncode:
            raise SystemExit(f"poll failed: {ours.stderr}")
        our_acks = smtp.count - plain_acks
    ratio = ours.seconds / plain
    print(f"  rightsdesk: {ours.stdout.strip()}")
    print(f"messages: {n}  store: {args.db}  acks: plain {plain_acks}, rightsdesk {our_acks}")
    print(f"bare BODY.PEEK[] fetch:      {fetch:8.2f} s  ({n / fetch:8.0f} msg/s)")
    print(f"plain-tools pipeline:        {plain:8.2f} s  ({n / plain:8.0f} msg/s)")
    print(f"rightsdesk poll --once:      {ours.seconds:8.2f} s  ({n / ours.seconds:8.0f} msg/s)")
    print(f"ratio rightsdesk / plain:    {ratio:8.2f}   (target <= {TARGET_RATIO})")
    rss = ours.peak_rss_mb
    print(f"peak RSS of the poller:      {rss:8.1f} MB (target <= {TARGET_RSS_MB:.0f})")
    save(
        f"intake_throughput_{args.db}_{n}",
        {
            "command": f"python -m benchmarks.intake_throughput --messages {n} --db {args.db}",
            "messages": n,
            "store": args.db,
            "bare_fetch_s": round(fetch, 2),
            "plain_s": round(plain, 2),
            "rightsdesk_s": round(ours.seconds, 2),
            "ratio": round(ratio, 2),
            "peak_rss_mb": round(ours.peak_rss_mb, 1),
            "acks_sent": our_acks,
            "poll_output": ours.stdout.strip(),
        },
    )


if __name__ == "__main__":
    main()
