"""Two processes lifting one restriction (the CLI and the bot): one lift, recorded once.

Each lift's put-back in a system commits its plan first (for a crash), which lets the case's
row lock go. Within one process a second lift waits for the first (test_data_map_shop.py);
between processes it used to get in there and record the first's put-back as interrupted.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from cases.errors import UserError
from cases.fulfilment import lifting
from store.engine import new_session
from store.models import Case
from tests.e2e.test_data_map_shop import NOW, ROOT, events, lift, restricted_shop_case
from tests.lock_holder import holding

LIFT = ("cases", "lift-restriction")
HOW = ("--reason", "accuracy checked", "--informed-at", "2026-12-02")


def _lifting(env: dict[str, str], reference: str) -> subprocess.Popen[str]:
    """`rightsdesk cases lift-restriction REFERENCE` started as its own process."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RIGHTSDESK_", "SLACK_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "rightsdesk", *LIFT, reference, *HOW],
        env={**base, **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _put_backs(env: dict[str, str], reference: str) -> list[str]:
    trail = [e["action"] for e in events(env, reference)]
    return [a for a in trail if a.startswith("system_restriction_lift")]


def test_a_lift_from_another_process_waits_for_the_one_putting_the_shop_back_then_is_refused(
    db_url: str, tmp_path: Path
) -> None:
    engine, env, reference, _ = restricted_shop_case(db_url, tmp_path)
    engine.dispose()
    # The shop's write lock held here: the first lift stops with its plan committed.
    shop = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    shop.execute("BEGIN IMMEDIATE")
    first = second = None
    try:
        first = _lifting(env, reference)
        deadline = time.monotonic() + 30
        while _put_backs(env, reference) != ["system_restriction_lift_started"]:
            assert time.monotonic() < deadline and first.poll() is None, "never started"
            time.sleep(0.1)
        second = _lifting(env, reference)
        assert second.stderr is not None
        # The old code never waited: it went on, recorded the shop's put-back as interrupted
        # and ended, and this line was never written.
        waiting = second.stderr.readline()
        assert waiting == f"{reference}: waiting for another lift of this restriction to end\n"
        during = _put_backs(env, reference)
        shop.execute("ROLLBACK")
        out_first, err_first = first.communicate(timeout=120)
        out_second, err_second = second.communicate(timeout=120)
    finally:
        shop.close()
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()

    assert during == ["system_restriction_lift_started"]
    assert first.returncode == 0, err_first
    assert "Verkkokauppa: restriction lifted in 1 row(s)" in out_first
    assert second.returncode != 0 and out_second == ""
    assert err_second.strip() == f"error: {reference}: the restriction is already lifted"
    trail = [e["action"] for e in events(env, reference)]
    assert trail.count("restriction_lifted") == 1
    assert _put_backs(env, reference) == [
        "system_restriction_lift_started",
        "system_restriction_lifted",
    ]


def test_a_lift_another_process_holds_too_long_is_refused_with_what_to_do_and_nothing_done(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, env, reference, controller = restricted_shop_case(db_url, tmp_path)
    with new_session(engine) as session:
        case_id = session.exec(select(Case.id).where(Case.reference == reference)).one()
    try:
        with holding(db_url, case_id):
            monkeypatch.setattr(lifting, "OTHER_LIFT_WAIT", 0.5)
            with new_session(engine) as session, pytest.raises(UserError) as refused:
                lifting.lift_case(
                    session, reference=reference, reason="accuracy checked",
                    informed_at=datetime.fromisoformat(NOW), actor="t",
                    now=datetime.fromisoformat(NOW), controller=controller,
                    env={"SHOP_DATABASE_URL": env["SHOP_DATABASE_URL"]},
                )  # fmt: skip
    finally:
        engine.dispose()
    assert str(refused.value) == (
        f"{reference}: another lift of this restriction is still running; run the lift again"
        " when it has ended, to see how it went"
    )
    assert _put_backs(env, reference) == []
    # The holder was killed with -9: its lock went with it, and the lift goes through.
    lifted = lift(env, reference)
    assert lifted.returncode == 0, lifted.stderr
    assert _put_backs(env, reference) == [
        "system_restriction_lift_started",
        "system_restriction_lifted",
    ]
