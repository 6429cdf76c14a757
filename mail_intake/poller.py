"""The poller: fetch, process exactly once, then move; and the long-running loop with IDLE."""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from mail_intake.intake import take_in
from mail_intake.intake_types import IntakeDeps
from mail_intake.known_mail import KnownMail, Prepared, prepare
from mail_intake.quarantine import add_to_quarantine
from mail_intake.redaction import apply_redactions
from mail_intake.sources import Fetched, MailSource, SourceUnavailable
from mail_intake.understand import warm_up
from store.models import MailCheckpoint

log = logging.getLogger(__name__)

IDLE_RENEW_SECONDS = (
    540.0  # RFC 2177 §3: re-issue IDLE at least every 29 minutes; servers cut at 10+
)
# A failing store is retried often enough that intake resumes within seconds of its return;
# each retry is one query on the open IMAP session, not a new login.
STORE_BACKOFF_CAP = 15.0
# A batch's transaction holds SQLite's write lock and the audit chain's head row: commit at
# least this often so the terminal and the bot wait no longer than that behind intake.
BATCH_SECONDS = 0.5


@dataclass
class PollStats:
    """Counts of one pass, by outcome."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        """Count one message's outcome."""
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    @property
    def total(self) -> int:
        """Messages handled in the pass."""
        return sum(self.counts.values())


def _checkpoint(session: Session, source: MailSource, folder: str) -> MailCheckpoint:
    row = session.exec(
        select(MailCheckpoint).where(
            MailCheckpoint.source == source.name, MailCheckpoint.folder == folder
        )
    ).first()
    return row or MailCheckpoint(source=source.name, folder=folder, uidvalidity=0, last_uid=0)


def _advance(
    session: Session, cp: MailCheckpoint, uidvalidity: int, uid: int, now: datetime
) -> None:
    cp.uidvalidity = uidvalidity
    cp.last_uid = max(cp.last_uid, uid)
    cp.updated_at = now
    session.add(cp)
    session.commit()


# Look-ahead is bounded in bytes too: a Maildir reads a file at a time, and mails of up
# to the size limit must not be held fifty at once.
LOOK_AHEAD_BYTES = 8 * 1024 * 1024


def _chunks(fetched: Iterator[Fetched], batch: int) -> Iterator[list[Fetched]]:
    """The fetched mail in chunks of at most `batch` messages and about LOOK_AHEAD_BYTES."""
    chunk: list[Fetched] = []
    size = 0
    for item in fetched:
        chunk.append(item)
        size += len(item.raw or b"")
        if len(chunk) >= batch or size >= LOOK_AHEAD_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _handle(
    session: Session,
    source: MailSource,
    item: Fetched,
    deps: IntakeDeps,
    now: datetime,
    prepared: Prepared | None = None,
    known: KnownMail | None = None,
    isolated: bool = True,
) -> _Outcome:
    """Process one fetched message in the batch's transaction; the batch commits it.

    `isolated`, the message has a savepoint of its own and a failure quarantines it alone;
    otherwise a failure raises `_Redo` and the caller undoes the batch.
    """
    uid = item.key if isinstance(item.key, int) else None
    if item.oversize or item.raw is None:
        try:
            with session.begin_nested() if isolated else contextlib.nullcontext():
                add_to_quarantine(
                    session,
                    raw=b"",
                    reason=f"message of {item.size} bytes is over the "
                    f"{deps.max_size}-byte limit; left in the Failed folder",
                    source=source.name,
                    folder=item.folder,
                    uid=uid,
                    now=now,
                    # Every oversize mail has the same (empty) bytes here: told apart by
                    # where it sits, so a second one is not folded into the first.
                    stands_for=f"oversize {source.name} {item.folder} {item.key}",
                    size=item.size,
                )
        except (OperationalError, SourceUnavailable):
            raise
        except Exception as exc:
            if not isolated:
                raise _Redo from exc
            raise
        return _Outcome("quarantined")
    try:
        result = take_in(
            session,
            item.raw,
            source=source.name,
            folder=item.folder,
            uid=uid,
            now=now,
            deps=deps,
            prepared=prepared,
            known=known,
            isolated=isolated,
        )
    except (OperationalError, SourceUnavailable):
        raise  # the database or the server is down: stop the pass, retry later
    except Exception as exc:  # our bug: it must not stop the poller
        if not isolated:
            raise _Redo from exc
        # Its savepoint is rolled back: the batch's other messages stay.
        # The type only: an exception's text can quote the mail (no personal data in logs).
        log.error("intake failed for uid %s (%s); quarantined", uid, type(exc).__name__)
        log.debug("intake failure", exc_info=True)
        with session.begin_nested():
            add_to_quarantine(
                session,
                raw=item.raw,
                reason=f"internal error ({type(exc).__name__}); "
                "retry with `rightsdesk quarantine retry`",
                source=source.name,
                folder=item.folder,
                uid=uid,
                now=now,
            )
        return _Outcome("quarantined")
    return _Outcome(result.outcome, result.reference)


@dataclass(frozen=True)
class _Outcome:
    """What became of a message, logged (references only) once its batch commits."""

    outcome: str
    reference: str | None = None


class _Redo(Exception):
    """A message failed in a batch without savepoints: undo the batch, redo it one by one."""


class _Batch:
    """The open transaction's messages: taken in (counted, logged, moved) only at its commit."""

    def __init__(self, session: Session, stats: PollStats, mover: _Mover) -> None:
        self.session, self.stats, self.mover = session, stats, mover
        self.pending: list[tuple[int | str, _Outcome]] = []
        self.opened = time.monotonic()

    @property
    def long(self) -> bool:
        """Open for BATCH_SECONDS already: commit now, others wait for the write lock."""
        return bool(self.pending) and time.monotonic() - self.opened >= BATCH_SECONDS

    def add(self, key: int | str, done: _Outcome) -> None:
        """A message processed in the open transaction."""
        self.pending.append((key, done))

    def commit(self, *, redo: bool = False) -> None:
        """Commit; only now are these messages taken in, and only now may they be moved.

        `redo`: the batch ran without savepoints, so a refused commit is redone mail by mail.
        """
        try:
            self.session.commit()
        except Exception as exc:
            if redo and not isinstance(exc, OperationalError):
                raise _Redo from exc
            raise
        for key, done in self.pending:
            log.info("intake %s %s", done.outcome, done.reference or "-")
            self.stats.add(done.outcome)
            self.mover.add(key, done.outcome)
        self.pending.clear()

    def undo(self) -> None:
        """Roll the open transaction back: its messages are taken in again."""
        self.session.rollback()
        self.pending.clear()


def _take_in_chunk(
    batch: _Batch,
    source: MailSource,
    chunk: list[Fetched],
    deps: IntakeDeps,
    clock: Callable[[], datetime],
    stop: threading.Event | None,
) -> None:
    """Understand a chunk, look its duplicates up in one query, then store it.

    Optimistic: no savepoint per mail (two statements each). When a mail fails, what is not
    committed yet is undone and taken in again with a savepoint per mail, so the failing one
    is quarantined alone.
    """
    ready = {id(i): prepare(i.raw, deps) for i in chunk if i.raw is not None and not i.oversize}
    todo, isolated = chunk, False
    while todo:
        known = KnownMail.look_up(batch.session, [ready[id(i)] for i in todo if id(i) in ready])
        first = 0  # of `todo`, the first mail not committed yet
        try:
            for n, item in enumerate(todo):
                if stop is not None and stop.is_set():
                    break
                if not batch.pending:  # a transaction begins with this mail
                    first, batch.opened = n, time.monotonic()
                prepared = ready.get(id(item))
                done = _handle(
                    batch.session, source, item, deps, clock(), prepared, known, isolated
                )
                batch.add(item.key, done)
                if batch.long:
                    batch.commit(redo=not isolated)
            batch.commit(redo=not isolated)
            return
        except _Redo:
            batch.undo()
            log.info("a batch was undone after a failure; taken in mail by mail")
            todo, isolated = todo[first:], True


class _Mover:
    """Moves committed messages in batches: one MOVE per batch instead of one per message."""

    def __init__(
        self,
        source: MailSource,
        session: Session,
        cp: MailCheckpoint,
        uidvalidity: int,
        clock: Callable[[], datetime],
        size: int,
    ) -> None:
        self.source, self.session, self.cp = source, session, cp
        self.uidvalidity, self.clock, self.size = uidvalidity, clock, size
        self.done: list[int | str] = []
        self.failed: list[int | str] = []

    def add(self, key: int | str, outcome: str) -> None:
        (self.failed if outcome == "quarantined" else self.done).append(key)
        if len(self.done) + len(self.failed) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Move what is committed, then advance the checkpoint past it.

        A crash before the move leaves the messages in the inbox above the
        checkpoint: the next pass fetches them again and de-duplication skips them.
        """
        if not (self.done or self.failed):
            return
        self.source.mark_processed(self.done)
        self.source.mark_failed(self.failed)
        uids = [k for k in (*self.done, *self.failed) if isinstance(k, int)]
        self.done, self.failed = [], []
        if uids:
            _advance(self.session, self.cp, self.uidvalidity, max(uids), self.clock())


def poll_once(
    source: MailSource,
    session_factory: Callable[[], Session],
    deps: IntakeDeps,
    clock: Callable[[], datetime],
    *,
    batch: int = 50,
    stop: threading.Event | None = None,
) -> PollStats:
    """Take in everything new in the source, up to `batch` messages per transaction.

    A poisoned message is still quarantined alone (`_take_in_chunk`); a message counts as
    taken in, and is moved, only once the transaction holding it commits.
    """
    stats = PollStats()
    with session_factory() as session:
        folder = source.name.split(":", 1)[-1]
        cp = _checkpoint(session, source, folder)
        uidvalidity, _ = source.checkpoint()
        last = cp.last_uid
        if uidvalidity and cp.uidvalidity and uidvalidity != cp.uidvalidity:
            # RFC 3501 §2.3.1.1: old UIDs mean nothing now; rescan, de-duplication holds.
            log.warning("UIDVALIDITY changed for %s: rescanning", source.name)
            last = 0
            cp.last_uid = 0
        session.commit()  # do not hold the (SQLite) write lock while fetching
        mover = _Mover(source, session, cp, uidvalidity, clock, batch)
        open_batch = _Batch(session, stats, mover)
        try:
            # The fetch hands out `batch` messages at a time; each chunk is committed before
            # the next FETCH, or earlier when it runs long (the write lock is shared).
            for chunk in _chunks(source.fetch_new(last_key=last, batch=batch), batch):
                _take_in_chunk(open_batch, source, chunk, deps, clock, stop)
                if stop is not None and stop.is_set():
                    break  # before the next FETCH
            open_batch.commit()
        except BaseException:
            session.rollback()  # the uncommitted messages stay in the inbox for the next pass
            raise
        finally:
            try:
                mover.flush()
            except SourceUnavailable:
                log.warning("could not move the last batch; it is taken in again next time")
    if stop is None or not stop.is_set():
        redacted = apply_redactions(source, session_factory, clock)
        if redacted:
            stats.counts["originals_redacted"] = redacted
    return stats


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with full jitter (the AWS architecture blog's recipe)."""
    return random.uniform(0, min(cap, base * (2 ** min(attempt, 16))))


def run_forever(
    source: MailSource,
    session_factory: Callable[[], Session],
    deps: IntakeDeps,
    clock: Callable[[], datetime],
    stop: threading.Event,
    *,
    after_pass: Callable[[PollStats], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    poll_interval: float = 60.0,
) -> None:
    """Poll, then wait with IDLE (renewed every 9 minutes) or at an interval, until `stop`.

    After every IDLE the folder is re-synced by UID range, so nothing announced
    while we were not listening is missed. Each kind of fault backs off on its own,
    with jitter: a lost server connection reconnects (its count resets after a good
    login), a failing store keeps the logged-in session and retries the pass (its
    count resets only after a pass that reached the store).
    """
    warm_up()  # the dictionaries load before the first IDLE, not on the first mail
    attempt = 0
    while not stop.is_set():
        try:
            source.connect()
            attempt = 0
            _serve(source, session_factory, deps, clock, stop, after_pass, on_error, poll_interval)
        except SourceUnavailable as exc:
            if on_error is not None:
                on_error(exc)
            delay = backoff_delay(attempt)
            attempt += 1
            log.warning(
                "intake source %s unavailable (%s); retrying in %.1fs",
                source.name,
                type(exc).__name__,
                delay,
            )
            stop.wait(delay)
        finally:
            source.close()


def _serve(
    source: MailSource,
    session_factory: Callable[[], Session],
    deps: IntakeDeps,
    clock: Callable[[], datetime],
    stop: threading.Event,
    after_pass: Callable[[PollStats], None] | None,
    on_error: Callable[[BaseException], None] | None,
    poll_interval: float,
) -> None:
    """Passes on one connected source until `stop` or until the source fails."""
    store_attempt = 0
    while not stop.is_set():
        try:
            stats = poll_once(source, session_factory, deps, clock, stop=stop)
            if after_pass is not None:
                after_pass(stats)
        except OperationalError as exc:  # the store is down, full or locked; IMAP is fine
            if on_error is not None:
                on_error(exc)
            delay = backoff_delay(store_attempt, cap=STORE_BACKOFF_CAP)
            store_attempt += 1
            log.warning(
                "intake store unavailable (%s); retrying in %.1fs", type(exc).__name__, delay
            )
            stop.wait(delay)
            continue
        store_attempt = 0
        source.wait_for_mail(min(IDLE_RENEW_SECONDS, poll_interval), stop)
