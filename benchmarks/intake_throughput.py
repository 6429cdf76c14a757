"""Intake throughput: `rightsdesk poll --once` against the plain-tools pipeline, same mailbox, same run.

Usage: .venv/bin/python -m benchmarks.intake_throughput [--messages 5000] [--db sqlite|postgresql]

Both sides read the same messages from a local Dovecot and send acknowledgements to a local
aiosmtpd. The plain pipeline (design.md §4) is one page of code: imapclient BODY.PEEK[] fetch,
stdlib parse, SQLite inserts in batched transactions, acks over one SMTP connection.
"""

from __future__ import annotations

import argparse
import os
import resource
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from tests.mailgen import request_mail
from tests.servers.dovecot import DovecotServer
from tests.servers.postgres import create_database, drop_database
from tests.servers.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[1]


def fill(server: DovecotServer, user: str, count: int) -> None:
    """APPEND `count` generated messages (three languages, plain/HTML, some attachments)."""
    client = server.client(user)
    for i in range(count):
        raw, _, _ = request_mail(i, html=i % 4 == 1, attachment=i % 10 == 3, seed=11)
        client.append("INBOX", raw)
    client.logout()


def bare_fetch(server: DovecotServer, user: str) -> float:
    """Seconds to fetch every message with BODY.PEEK[] and nothing else."""
    start = time.perf_counter()
    client = server.client(user)
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    for i in range(0, len(uids), 200):
        client.fetch(uids[i : i + 200], ["BODY.PEEK[]"])
    client.logout()
    return time.perf_counter() - start


def plain_pipeline(server: DovecotServer, user: str, smtp_port: int, db: Path) -> float:
    """The one-page baseline: fetch, parse, batched SQLite inserts, acks on one connection."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE IF NOT EXISTS msg (mid TEXT UNIQUE, sender TEXT, subject TEXT, "
                 "body TEXT, raw BLOB)")
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
        with conn:
            conn.executemany("INSERT OR IGNORE INTO msg VALUES (?, ?, ?, ?, ?)", rows)
        for ack in acks:
            smtp.send_message(ack)
    smtp.quit()
    client.logout()
    conn.close()
    return time.perf_counter() - start


def rightsdesk_poll(
    server: DovecotServer, user: str, password: str, smtp_port: int, db_url: str
) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `rightsdesk poll --once` into an empty store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    env.update(
        RIGHTSDESK_DATABASE_URL=db_url, RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
        RIGHTSDESK_IMAP_HOST=server.host, RIGHTSDESK_IMAP_PORT=str(server.imap_port),
        RIGHTSDESK_IMAP_USER=user, RIGHTSDESK_IMAP_PASSWORD=password,
        RIGHTSDESK_IMAP_SECURITY="plain", RIGHTSDESK_SMTP_HOST="127.0.0.1",
        RIGHTSDESK_SMTP_PORT=str(smtp_port), RIGHTSDESK_SMTP_SECURITY="plain",
        RIGHTSDESK_DAILY_AUTO_MAIL_CAP="100000",
    )
    subprocess.run([sys.executable, "-m", "rightsdesk", "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "rightsdesk", "poll", "--once"], env=env,
                            capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"poll failed: {result.stderr}")
    print(f"  rightsdesk: {result.stdout.strip()}")
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return elapsed, peak


def main() -> None:
    """Run both pipelines over the same mailbox and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, DovecotServer() as server:
        sink = SmtpSink()
        sink.start()
        box = server.add_user("bench@example.com")
        user = box.user
        print(f"filling Dovecot with {args.messages} messages ...")
        fill(server, user, args.messages)
        fetch = bare_fetch(server, user)
        plain = plain_pipeline(server, user, sink.port, Path(tmp) / "plain.db")
        pg_name = None
        if args.db == "postgresql":
            pg_name = f"bench_{os.getpid()}"
            db_url = create_database(pg_name)
        else:
            db_url = f"sqlite:///{Path(tmp) / 'rightsdesk.db'}"
        try:
            ours, peak = rightsdesk_poll(server, user, box.password, sink.port, db_url)
        finally:
            sink.stop()
            if pg_name:
                drop_database(pg_name)
    n = args.messages
    print(f"messages: {n}  store: {args.db}")
    print(f"bare BODY.PEEK[] fetch:      {fetch:8.2f} s  ({n / fetch:8.0f} msg/s)")
    print(f"plain-tools pipeline:        {plain:8.2f} s  ({n / plain:8.0f} msg/s)")
    print(f"rightsdesk poll --once:      {ours:8.2f} s  ({n / ours:8.0f} msg/s)")
    print(f"ratio rightsdesk / plain:    {ours / plain:8.2f}   (target <= 1.5)")
    print(f"peak RSS of the poller:      {peak:8.1f} MB (target <= 200)")


if __name__ == "__main__":
    main()
