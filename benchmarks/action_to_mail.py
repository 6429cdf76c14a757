"""Action to mail: a contact person's action to its mail at the SMTP server, while `run` runs.

Usage: .venv/bin/python -m benchmarks.action_to_mail [--samples 15] [--db sqlite|postgresql]

Starts `rightsdesk run --no-bot` and `rightsdesk bot --http PORT` (the fake Slack Web API
of the test suite) as child processes on one store, with an aiosmtpd server in this
process that stamps each message as it arrives. The cases are prepared in this process
(register row linked, identity checked, access fulfilled); each measured action is then
taken through its real trigger:

- identify: `rightsdesk cases identify REF` at the terminal (a one-time code mail),
- approve (terminal): `rightsdesk cases approve REF`,
- approve (Slack): a signed `/rights approve REF` POSTed to the bot's HTTP endpoint.

Each latency ends at the mail's arrival at the SMTP server and starts at: the moment the
mail was queued (the outbox row's `created_at`: the command's clock reading, taken before
its work and commit), the commit (the row first seen by this process, which looks every
10 ms; a mail can arrive before it looks, then 0) and, for Slack, the signed POST. A
terminal command's own start-up (the interpreter, seconds on a busy machine) comes before
all of them and is not counted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from benchmarks.common import ROOT, database, machine, migrated_engine, percentile, save
from tests.servers import free_port
from tests.servers import slack_signing as sig
from tests.servers.slack_fake import FakeSlack
from tests.servers.smtp import ReceivedMail, SmtpSink

TARGET_P95 = 2.0
SECRET = "bench-signing-secret"
ACTIONS = ("identify", "approve_terminal", "approve_slack")


class StampingSink(SmtpSink):
    """The test suite's SMTP sink, noting the wall time each Message-ID arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}
        self._lock = threading.Lock()

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.arrived[str(mail.message["Message-ID"]).strip("<> ")] = time.time()
        super()._record(mail)


def _env(db_url: str, work: Path, smtp_port: int, fake: FakeSlack) -> dict[str, str]:
    from tests.e2e.outbox_journey import desk_env

    return desk_env(
        db_url,
        work,
        smtp_port,
        RIGHTSDESK_SLACK_API_URL=fake.url,
        RIGHTSDESK_SLACK_CHANNEL="",  # the channel notifier is not what is measured
        RIGHTSDESK_SLACK_ALLOWED_USERS="U1",
        SLACK_BOT_TOKEN="xoxb-bench-token",
        SLACK_SIGNING_SECRET=SECRET,
    )


def _prepare(engine: Any, count: int, *, verified: bool) -> list[str]:
    """COUNT letters from customers' other addresses, linked; verified and fulfilled if asked."""
    from cases import operations as ops
    from cases.controller import load_controller_toml
    from cases.fulfilment.runner import fulfil
    from cases.register_lookup import link_customer
    from store.engine import new_session
    from store.models import Customer
    from tests.e2e.outbox_journey import customer

    controller = load_controller_toml((ROOT / "rightsdesk.example.toml").read_text("utf-8"))
    refs = []
    with new_session(engine) as session:
        start = len(session.exec(select(Customer.id)).all()) + 1
        for n in range(start, start + count):
            number, address, other = customer(n)
            now = datetime.now(UTC)
            session.add(Customer(customer_number=number, name=f"Asiakas {n}", email=address))
            session.commit()
            case = ops.open_case(
                session, kinds=["access"], received_at=now, now=now, actor="bench",
                requester_name=f"Asiakas {n}", requester_email=other, language="fi",
                channel="letter",
            )  # fmt: skip
            link_customer(session, case=case, customer_number=number, actor="bench", now=now)
            session.commit()
            if verified:
                ops.verify(session, reference=case.reference, method="manual",
                           reason="called back", actor="bench", now=now)  # fmt: skip
                fulfil(session, reference=case.reference, actor="bench", now=now,
                       controller=controller)  # fmt: skip
            refs.append(case.reference)
    return refs


def _queued_at(engine: Any, reference: str, purpose: str) -> tuple[str, float] | None:
    """(Message-ID, wall time it was queued) of the case's newest outbox row of PURPOSE."""
    from store.engine import new_read_session
    from store.models import Case, Outbox

    with new_read_session(engine) as session:
        row = session.exec(
            select(Outbox)
            .join(Case, col(Case.id) == col(Outbox.case_id))
            .where(Case.reference == reference, Outbox.purpose == purpose)
            .order_by(col(Outbox.id).desc())
        ).first()
        return (row.message_id, row.created_at.timestamp()) if row else None


def _await_mail(
    engine: Any, sink: StampingSink, reference: str, purpose: str
) -> tuple[float, float, float]:
    """Wait (60 s at most) for the case's mail at the SMTP server.

    Returns wall times: queued (the row's created_at), committed (the row first seen by
    this process, which looks every 10 ms) and arrived at the SMTP server.
    """
    deadline = time.monotonic() + 60
    seen: float | None = None
    while time.monotonic() < deadline:
        queued = _queued_at(engine, reference, purpose)
        if queued is not None and seen is None:
            seen = time.time()
        if queued is not None and seen is not None and queued[0] in sink.arrived:
            return queued[1], seen, sink.arrived[queued[0]]
        time.sleep(0.01)
    raise SystemExit(f"{reference}: no {purpose} mail at the SMTP server within 60 s")


def _terminal(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """Start `rightsdesk ARGS` as at the terminal; the mail is watched for while it runs."""
    return subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", *args], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _finished(proc: subprocess.Popen[str], what: str) -> None:
    _, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"rightsdesk cases {what}: {err.strip()}")


def _measure(
    kind: str, samples: int, env: dict[str, str], engine: Any, sink: StampingSink, slack: str,
    fake: FakeSlack,
) -> dict[str, list[float]]:  # fmt: skip
    """Latencies of SAMPLES actions of KIND: from queueing (and, for Slack, from the POST)."""
    refs = _prepare(engine, samples, verified=kind != "identify")
    purpose = "verification_code" if kind == "identify" else "reply"
    queued_to_smtp: list[float] = []
    committed_to_smtp: list[float] = []
    post_to_smtp: list[float] = []
    for ref in refs:
        time.sleep(0.3)  # let the outbox settle back into its wait
        posted = time.time()
        proc = None
        if kind == "identify":
            proc = _terminal(env, "cases", "identify", ref)
        elif kind == "approve_terminal":
            proc = _terminal(env, "cases", "approve", ref)
        else:
            body = sig.slash_command_body(text=f"approve {ref}", response_url=fake.webhook_url())
            answer = sig.post_signed(slack, SECRET, body)
            if answer.status != 200:
                raise SystemExit(f"/rights approve {ref}: HTTP {answer.status}")
        queued, committed, arrived = _await_mail(engine, sink, ref, purpose)
        if proc is not None:
            _finished(proc, kind)
        queued_to_smtp.append(arrived - queued)
        committed_to_smtp.append(max(0.0, arrived - committed))
        post_to_smtp.append(arrived - posted)
    figures = {"queued_to_smtp": queued_to_smtp, "committed_to_smtp": committed_to_smtp}
    if kind == "approve_slack":
        figures["post_to_smtp"] = post_to_smtp
    return figures


def _wait_ready(env: dict[str, str], port: int) -> None:
    """Until `health` shows the outbox ok and the bot's port accepts connections."""
    import socket

    from tests.e2e.outbox_journey import wait_outbox_running

    wait_outbox_running(env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("rightsdesk bot --http did not start listening")


def main() -> None:
    """Measure; print p50/p95 of each action and save them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="rightsdesk-bench-") as tmp,
        database(args.db, Path(tmp)) as url,
        FakeSlack() as fake,
    ):
        work = Path(tmp)
        sink = StampingSink()
        sink.start()
        engine = migrated_engine(url)
        env = _env(url, work, sink.port, fake)
        port = free_port()
        with (work / "run.err").open("wb") as run_log, (work / "bot.log").open("wb") as bot_log:
            run = subprocess.Popen(
                [sys.executable, "-m", "rightsdesk", "run", "--no-bot", "--plain-logs"],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=run_log,
            )  # fmt: skip
            bot = subprocess.Popen(
                [sys.executable, "-m", "rightsdesk", "bot", "--http", str(port)],
                env=env, cwd=ROOT, stdout=bot_log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        slack = f"http://127.0.0.1:{port}/slack/events"
        try:
            _wait_ready(env, port)
            for kind in ACTIONS:
                results[kind] = _measure(kind, args.samples, env, engine, sink, slack, fake)
        finally:
            for proc in (run, bot):
                proc.terminate()
            for proc in (run, bot):
                proc.wait(60)
            engine.dispose()
            sink.stop()
    _report(args, results)


def _report(args: argparse.Namespace, results: dict[str, dict[str, list[float]]]) -> None:
    figures: dict[str, object] = {
        "command": f"python -m benchmarks.action_to_mail --samples {args.samples} --db {args.db}",
        "samples": args.samples,
        "store": args.db,
    }
    print(f"samples: {args.samples} per action  store: {args.db}  ({machine()['date']})")
    for kind, series in results.items():
        for measure, values in series.items():
            p50, p95 = percentile(values, 50), percentile(values, 95)
            figures[f"{kind}.{measure}"] = {
                "p50_s": round(p50, 3), "p95_s": round(p95, 3), "max_s": round(max(values), 3),
            }  # fmt: skip
            print(
                f"  {kind:17s} {measure:15s} p50 {p50:6.3f} s  p95 {p95:6.3f} s"
                f"  max {max(values):6.3f} s"
            )
    print(f"target: p95 from queueing to the SMTP server <= {TARGET_P95} s")
    save(f"action_to_mail_{args.db}", figures)


if __name__ == "__main__":
    main()
