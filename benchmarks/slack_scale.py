"""Slack at scale: `/rights list`, `/rights show` and the App Home with 100,000 cases.

Usage: .venv/bin/python -m benchmarks.slack_scale [--cases 100000] [--active 5000]
       [--db sqlite|postgresql] [--runs 200]

Times the app's own work, inside the process, the way Bolt calls it: the slash-command
listener (`bot.listeners.commands.run_rights_command`, answered in its acknowledgement)
and the App Home (`bot.home.home_view`, and `publish_home` including the HTTP call to
the fake Slack Web API on loopback). Slack's network is not in the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.bulk import insert_cases
from benchmarks.common import ROOT, analyze, database, migrated_engine, percentile, save
from tests.servers.slack_fake import FakeSlack

TARGET_P99_MS = 100.0
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
USER = "U0001"  # assignee slack:U0001 holds about a tenth of the open cases


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    for _ in range(5):  # warm caches and prepared statements, as a running app has them
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    """Fill the store, time each surface, print and save p50/p99."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--active", type=int, default=5_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    from slack_sdk import WebClient

    from bot.deps import BotDeps
    from bot.home import home_view, publish_home
    from bot.listeners.commands import run_rights_command
    from cases.controller import load_controller_toml
    from cases.outbox import Sender
    from cases.policy import DeskPolicy
    from store.engine import new_session

    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeSlack() as slack,
        database(args.db, Path(tmp), "slack") as url,
    ):
        engine = migrated_engine(url)
        print(f"inserting {args.cases} cases ({args.active} open) ...", flush=True)
        filled = insert_cases(
            engine, total=args.cases, active=args.active, now=NOW, events_per_case=3
        )
        analyze(engine)
        controller = load_controller_toml((ROOT / "rightsdesk.example.toml").read_text())
        deps = BotDeps(
            session_factory=lambda: new_session(engine),
            controller=controller,
            policy=DeskPolicy(),
            sender=Sender("privacy@example.com", "Desk"),
            clock=lambda: NOW,
            allowed_users=frozenset({USER}),
            channel="C0BENCH",
            bot_token="xoxb-bench",
            signing_secret="bench",
            api_url=slack.url,
        )
        client = WebClient(token="xoxb-bench", base_url=slack.url)
        answers: list[dict[str, Any]] = []

        def command(text: str) -> Callable[[], object]:
            body = {"text": text, "user_id": USER, "channel_id": "C0BENCH"}

            def run() -> None:
                run_rights_command(
                    deps,
                    ack=lambda **kw: answers.append(kw),
                    command=body,
                    respond=lambda **kw: answers.append(kw),
                    client=client,
                )

            return run

        rnd = random.Random(3)
        references = [f"DSR-{year}-{i:04d}" for year, i in _some_references(engine, rnd)]
        shows = iter(references * (args.runs // len(references) + 2))

        def show() -> None:
            command(f"show {next(shows)}")()

        def home() -> None:
            with new_session(engine) as session:
                home_view(session, user=USER, now=NOW, show_identity=False)

        surfaces: dict[str, Callable[[], object]] = {
            "/rights list": command("list"),
            "/rights list overdue": command("list overdue"),
            "/rights list mine": command("list mine"),
            "/rights list erasure": command("list erasure"),
            "/rights show REF": show,
            "/rights stats": command("stats"),
            "App Home (render)": home,
            "App Home (render + views.publish)": lambda: publish_home(deps, client, USER),
        }
        results: dict[str, dict[str, float]] = {}
        for name, fn in surfaces.items():
            answers.clear()
            ms = _time(fn, args.runs)
            if answers:
                _check(name, answers[-1])
                if os.environ.get("BENCH_SHOW_ANSWERS"):
                    print(name, str(answers[-1])[:300])
            results[name] = {
                "p50_ms": round(percentile(ms, 50), 2),
                "p99_ms": round(percentile(ms, 99), 2),
                "max_ms": round(max(ms), 2),
            }
        engine.dispose()

    print(f"cases: {args.cases} ({args.active} open)  store: {args.db}  runs: {args.runs}")
    for name, row in results.items():
        print(f"  {name:36s} p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms")
    print(f"target: p99 <= {TARGET_P99_MS:.0f} ms inside the app (Slack allows 3 s)")
    save(
        f"slack_scale_{args.db}_{args.cases}",
        {
            "command": f"python -m benchmarks.slack_scale --cases {args.cases} "
            f"--active {args.active} --db {args.db} --runs {args.runs}",
            "store": args.db,
            **filled,
            "runs": args.runs,
            "results": results,
        },
    )


def _some_references(engine: Any, rnd: random.Random) -> list[tuple[int, int]]:
    """(year, number) of 50 random cases, open and closed."""
    from sqlalchemy import text

    with engine.connect() as conn:
        refs = [r[0] for r in conn.execute(text('SELECT reference FROM "case"')).all()]
    picked = rnd.sample(refs, 50)
    return [(int(r.split("-")[1]), int(r.split("-")[2])) for r in picked]


def _check(name: str, answer: dict[str, Any]) -> None:
    """The answer must be the listing or the case, not an error or the usage."""
    text = str(answer.get("text", ""))
    if text.startswith(("Unknown", "Usage", "Sorry", "⚠")) or "not found" in text.lower():
        raise SystemExit(f"{name}: unexpected answer {text[:120]!r}")


if __name__ == "__main__":
    main()
