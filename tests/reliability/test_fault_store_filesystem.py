"""The SQLite store's filesystem fails under `rightsdesk run`: full, or read-only after an error.

Both need root (a tmpfs and a loop-mounted ext4); they are skipped only for a normal user
outside CI. The store lives on the failing filesystem; the health status file does not.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.faults import (
    WITHIN,
    Desk,
    Feeder,
    acknowledged,
    all_taken_in,
    check_intact,
    desk_env,
    fill,
    loop_ext4,
    sh,
    small_tmpfs,
    taken_in,
)

pytestmark = [pytest.mark.slow, pytest.mark.dovecot]

BEFORE, DURING = 3, 3


def _logins(mailbox: Any) -> int:
    """IMAP logins of the desk's account so far (Dovecot's log)."""
    return int(mailbox.server.log().count(f"Login: user=<{mailbox.user}>"))


def _store_failing(found: dict[str, dict[str, Any]]) -> None:
    """The failure is named by type only (no path, no SQL, no personal data)."""
    failing = {n: r["last_error"] for n, r in found.items() if r["state"] == "failing"}
    assert failing and all(e and " " not in e.strip() for e in failing.values()), failing


def test_a_full_disk_stops_intake_without_losing_mail_and_it_resumes_when_space_is_freed(
    mailbox: Any, smtp_sink: Any, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    with small_tmpfs(disk):
        db_url = f"sqlite:///{disk / 'desk.db'}"
        desk = Desk(desk_env(mailbox, smtp_sink.port, db_url, tmp_path), tmp_path / "logs")
        desk.start()
        try:
            Feeder(mailbox, 0, BEFORE, every=0.2).run()
            desk.wait("the first requests", all_taken_in(db_url, smtp_sink, BEFORE), 180)
            pid = desk.pid

            logins = _logins(mailbox)
            fill(disk / "filler")
            full_at = time.monotonic()
            Feeder(mailbox, BEFORE, BEFORE + DURING, every=0.2).run()
            found = desk.failing_within(WITHIN, full_at)
            _store_failing(found)
            assert len(acknowledged(smtp_sink)) == taken_in(db_url)  # no ack without its case
            assert _logins(mailbox) == logins  # the store's backoff keeps the IMAP session
            assert mailbox.folder_uids("Failed") == []  # nothing quarantined for lack of space
            (disk / "filler").unlink()
            freed_at = time.monotonic()
            desk.ok_within(WITHIN, freed_at)
            count = BEFORE + DURING
            desk.wait("the requests that waited", all_taken_in(db_url, smtp_sink, count), 60)
            assert desk.pid == pid  # no restart
        finally:
            code = desk.stop()
        assert code == 0, desk.stderr()[-4000:]
        assert "Traceback" not in desk.stderr()
        check_intact(db_url, mailbox, smtp_sink, BEFORE + DURING)


def _trigger_fs_error(mount: Path) -> None:
    """ext4's own test hook: record an error, which errors=remount-ro turns into read-only."""
    device = sh_out("findmnt", "-no", "SOURCE", str(mount))
    hook = Path("/sys/fs/ext4") / Path(device).name / "trigger_fs_error"
    hook.write_text("rightsdesk fault suite\n")
    with pytest.raises(OSError, match="Read-only"):  # the kernel shows it as emergency_ro
        (mount / "probe").touch()


def sh_out(*args: str) -> str:
    """A system command's output."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def _umount_while_running(mount: Path, timeout: float = 60.0) -> None:
    """Unmount the store's filesystem under the running desk, which holds no file on it."""
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run(["umount", str(mount)], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        held = subprocess.run(["fuser", "-vm", str(mount)], capture_output=True, text=True)
        assert time.monotonic() < deadline, f"store busy: {done.stderr}{held.stderr[-1000:]}"
        time.sleep(0.2)


def test_a_store_whose_filesystem_turns_read_only_mid_intake_loses_no_acknowledged_case(
    mailbox: Any, smtp_sink: Any, tmp_path: Path
) -> None:
    """After the error no process can write the store until it is checked and mounted again.

    ext4 keeps a filesystem that remounted itself read-only (emergency_ro) so until it is
    unmounted: `mount -o remount,rw` leaves it read-only. The desk reports it, keeps the
    mail in the inbox and lets go of the store's files, so the operator can unmount it, run
    fsck and mount it again while the desk runs; the same process then takes in the mail of
    the outage. Every acknowledged reference is still its requester's case (the
    acknowledgement left only after its commit was on disk), and no reference is handed out
    twice.
    """
    mount = tmp_path / "store"
    with loop_ext4(mount) as image:
        db_url = f"sqlite:///{mount / 'desk.db'}"
        desk = Desk(desk_env(mailbox, smtp_sink.port, db_url, tmp_path), tmp_path / "logs")
        desk.start()
        try:
            Feeder(mailbox, 0, BEFORE, every=0.2).run()
            desk.wait("the first requests", all_taken_in(db_url, smtp_sink, BEFORE), 180)
            pid = desk.pid
            feeder = Feeder(mailbox, BEFORE, BEFORE + DURING, every=0.4)
            feeder.start()
            desk.wait("intake under way", lambda: taken_in(db_url) > BEFORE or None, 60)
            _trigger_fs_error(mount)  # mid-intake
            failed_at = time.monotonic()
            feeder.join()
            _store_failing(desk.failing_within(WITHIN, failed_at))
            before_repair = acknowledged(smtp_sink)

            _umount_while_running(mount)  # no restart: the desk holds nothing open there
            repaired = subprocess.run(["e2fsck", "-fy", str(image)], check=False)
            assert repaired.returncode in (0, 1), "e2fsck could not repair the store's filesystem"
            assert not (mount / "desk.db").exists()  # nothing made a store in the bare mount point
            sh("mount", "-o", "loop,errors=remount-ro", str(image), str(mount))
            mounted_at = time.monotonic()

            count = BEFORE + DURING
            desk.wait("the requests of the outage", all_taken_in(db_url, smtp_sink, count), 180)
            desk.ok_within(WITHIN, mounted_at)  # the repaired store is in use again
            assert desk.pid == pid  # recovered by itself: the same process, no restart
        finally:
            code = desk.stop()
        assert code == 0, desk.stderr()[-4000:]
        assert "Traceback" not in desk.stderr()
        for request, reference in before_repair.items():  # still theirs after the repair
            assert acknowledged(smtp_sink)[request] == reference
        check_intact(db_url, mailbox, smtp_sink, count)
