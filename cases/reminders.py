"""Which reminders a case is owed today, and the daily digest: pure policy, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cases import deadlines
from cases.lifecycle import ACTIVE_STATUSES, PAUSED_STATUSES, Status
from store.models import Case

BEFORE_PREFIX = "before_"
DUE_TODAY = "due_today"
OVERDUE = "overdue"
EXTENSION_WINDOW = "extension_window"
AWAITING_REQUESTER = "awaiting_requester"
UNASSIGNED = "unassigned"
TASKS = "tasks"  # a manual system's owner has not answered (issue 15)
DIGEST = "digest"


@dataclass(frozen=True)
class ReminderConfig:
    """When reminders go out; every offset counts working days (Reg. 1182/71 Art. 3(3))."""

    before: tuple[int, ...] = (7, 3, 1)
    on_day: bool = True
    overdue_daily: bool = True
    extension_notice_before: int = 5  # the notice must reach the requester within month one
    identity_nudge_after: int = 5
    unassigned_after: int = 1
    send_from: time = time(8, 0)  # Helsinki: nobody wants a deadline at 00:01
    digest_time: time = time(9, 0)  # Helsinki
    # Design §1.1: True counts 24 December as working, so reminders aim at the earlier date.
    christmas_eve_working: bool = False

    @property
    def lookahead(self) -> int:
        """The furthest a reminder looks ahead of a due date, in working days."""
        return max((*self.before, self.extension_notice_before, 0))


DEFAULT_CONFIG = ReminderConfig()


@dataclass(frozen=True)
class CaseSnapshot:
    """The facts of a case the policy reads; built from a Case row or by a test."""

    id: int
    reference: str
    status: str
    receipt_date: date
    due_date: date
    effective_due_date: date
    extended_due_date: date | None = None
    extension_notified: bool = False
    paused_days: int = 0
    paused_since: datetime | None = None
    is_complex: bool = False
    assignee: str | None = None
    pending_drafts: int = 0
    task_due: date | None = None  # the earliest due date of the case's open tasks
    open_tasks: int = 0

    @classmethod
    def of(cls, case: Case, *, pending_drafts: int = 0) -> CaseSnapshot:
        """Snapshot a stored case."""
        return cls(
            id=case.id or 0,
            reference=case.reference,
            status=case.status,
            receipt_date=case.receipt_date,
            due_date=case.due_date,
            effective_due_date=case.effective_due_date,
            extended_due_date=case.extended_due_date,
            extension_notified=case.extension_notified_at is not None,
            paused_days=case.paused_days,
            paused_since=case.paused_since,
            is_complex=case.is_complex,
            assignee=case.assignee,
            pending_drafts=pending_drafts,
        )

    @property
    def active(self) -> bool:
        """The desk still owes an answer."""
        return Status(self.status) in ACTIVE_STATUSES

    @property
    def paused(self) -> bool:
        """The clock stands still while the requester is asked for something (EDPB §159)."""
        return Status(self.status) in PAUSED_STATUSES


@dataclass(frozen=True)
class Reminder:
    """One reminder; (case_id, kind, due_date, day) is its once-only key in the ledger."""

    case_id: int
    reference: str
    kind: str
    due_date: date
    day: date  # the working day it is scheduled for (a late run still uses this key)
    target: str | None  # the assignee, or None for the channel
    text_key: str
    days: int  # working days left, days overdue, or working days waited


def today(now: datetime) -> date:
    """The Helsinki calendar date of `now`."""
    return deadlines.receipt_date(now)


def _working(day: date, config: ReminderConfig) -> bool:
    return deadlines.is_working_day(day, christmas_eve_working=config.christmas_eve_working)


def _wd_between(start: date, end: date, config: ReminderConfig) -> int:
    return deadlines.working_days_between(
        start, end, christmas_eve_working=config.christmas_eve_working
    )


def _wd_add(day: date, n: int, config: ReminderConfig) -> date:
    return deadlines.add_working_days(day, n, christmas_eve_working=config.christmas_eve_working)


def target_due(case: CaseSnapshot, config: ReminderConfig, *, one_month: bool = False) -> date:
    """The date reminders aim at: the stored due date, or the safe date when configured."""
    stored = case.due_date if one_month else case.effective_due_date
    if not config.christmas_eve_working:
        return stored
    compute = (
        deadlines.extended_due_date
        if case.extended_due_date is not None and not one_month
        else deadlines.due_date
    )
    safe = compute(case.receipt_date, paused_days=case.paused_days, christmas_eve_working=True)
    return min(stored, safe)


def sending_day(now: datetime, config: ReminderConfig, at: time | None = None) -> date | None:
    """Today's Helsinki date when reminders may go out now, else None (weekends, holidays)."""
    local = now.astimezone(deadlines.HELSINKI)
    if not _working(local.date(), config):
        return None
    if local.time() < (at or config.send_from):
        return None
    return local.date()


def _deadline_reminder(case: CaseSnapshot, day: date, config: ReminderConfig) -> Reminder | None:
    """before_N / due_today / overdue: only the latest step reached, once per scheduled day."""
    due = target_due(case, config)
    if day > due:
        if not config.overdue_daily:
            return None
        return _make(case, OVERDUE, due, day, OVERDUE, (day - due).days)
    steps = [(f"{BEFORE_PREFIX}{n}", deadlines_before(due, n, config)) for n in config.before]
    if config.on_day:
        steps.append((DUE_TODAY, due))
    reached = [(scheduled, kind) for kind, scheduled in steps if scheduled <= day]
    if not reached:
        return None
    # A run that missed a step (the service was down) sends the newest one late, not all.
    scheduled, kind = max(reached)
    return _make(case, kind, due, scheduled, kind, _wd_between(day, due, config))


def deadlines_before(due: date, n: int, config: ReminderConfig) -> date:
    """The working day n working days before `due` (a working day by construction)."""
    return deadlines.subtract_working_days(
        due, n, christmas_eve_working=config.christmas_eve_working
    )


def _extension_reminder(case: CaseSnapshot, day: date, config: ReminderConfig) -> Reminder | None:
    """GDPR Art. 12(3): the extension, with reasons, must be notified within the first month."""
    if case.extended_due_date is None:
        if not case.is_complex:
            return None
        key = "extension_decide"
    elif not case.extension_notified:
        key = "extension_notify"
    else:
        return None
    due = target_due(case, config, one_month=True)
    scheduled = deadlines_before(due, config.extension_notice_before, config)
    if not scheduled <= day <= due:
        return None
    return _make(case, EXTENSION_WINDOW, due, scheduled, key, _wd_between(day, due, config))


def _awaiting_reminder(case: CaseSnapshot, day: date, config: ReminderConfig) -> Reminder | None:
    """A nudge after N working days without the identity or clarification asked for."""
    if not case.paused or case.paused_since is None:
        return None
    asked = today(case.paused_since)
    scheduled = _wd_add(asked, config.identity_nudge_after, config)
    if day < scheduled:
        return None
    waited = _wd_between(asked, day, config)
    key = _awaiting_key(case)
    return _make(case, AWAITING_REQUESTER, case.effective_due_date, scheduled, key, waited)


def _awaiting_key(case: CaseSnapshot) -> str:
    identity = case.status == Status.AWAITING_IDENTITY
    return "awaiting_identity" if identity else "awaiting_clarification"


def _unassigned_reminder(case: CaseSnapshot, day: date, config: ReminderConfig) -> Reminder | None:
    """Nobody owns the case one working day after it arrived."""
    if case.assignee:
        return None
    scheduled = _wd_add(case.receipt_date, config.unassigned_after, config)
    if day < scheduled:
        return None
    days = _wd_between(case.receipt_date, day, config)
    return _make(case, UNASSIGNED, target_due(case, config), scheduled, UNASSIGNED, days)


def _task_reminder(case: CaseSnapshot, day: date, config: ReminderConfig) -> Reminder | None:
    """An owner's task, due a week before the case: the working day before, on it, then daily."""
    if case.task_due is None:
        return None
    due = case.task_due
    if day > due:
        return _make(case, TASKS, due, day, _task_key(case, late=True), (day - due).days)
    scheduled = due if day == due else deadlines_before(due, 1, config)
    if day < scheduled:
        return None
    days = _wd_between(day, due, config)
    return _make(case, TASKS, due, scheduled, _task_key(case, late=False), days)


def _task_key(case: CaseSnapshot, *, late: bool) -> str:
    """The text of a task reminder; an answered case's task no longer holds back a reply."""
    key = "tasks_overdue" if late else "tasks_due"
    return key if case.active else f"{key}_after_answer"


def _make(case: CaseSnapshot, kind: str, due: date, day: date, key: str, days: int) -> Reminder:
    return Reminder(
        case_id=case.id,
        reference=case.reference,
        kind=kind,
        due_date=due,
        day=day,
        target=case.assignee or None,
        text_key=key,
        days=days,
    )


def due_reminders(
    case: CaseSnapshot, now: datetime, config: ReminderConfig = DEFAULT_CONFIG
) -> list[Reminder]:
    """Every reminder the case is owed now; the ledger decides which were already sent."""
    day = sending_day(now, config)
    if day is None:
        return []
    if not case.active:
        # Answered or closed: no deadline is owed any more, but a task opened after the
        # answer (lifting a restriction by hand, Art. 18(3)) still waits for its owner.
        task = _task_reminder(case, day, config)
        return [task] if task is not None else []
    rules = [_unassigned_reminder, _awaiting_reminder]
    if not case.paused:
        # While paused the due date is still moving (EDPB §159): no countdown, only the nudge.
        rules += [_extension_reminder, _deadline_reminder, _task_reminder]
    found = (rule(case, day, config) for rule in rules)
    return [r for r in found if r is not None]


def rebuild(
    case: CaseSnapshot,
    *,
    kind: str,
    due_date: date,
    day: date,
    now: datetime,
    config: ReminderConfig = DEFAULT_CONFIG,
) -> Reminder:
    """A claimed reminder again, for a retry after a crash; the counts are as of `now`."""
    for reminder in due_reminders(case, now, config):
        if (reminder.kind, reminder.due_date, reminder.day) == (kind, due_date, day):
            return reminder
    current = today(now)
    key = kind
    if kind == OVERDUE:
        days = (current - due_date).days
    elif kind == UNASSIGNED:
        days = _wd_between(case.receipt_date, current, config)
    elif kind == AWAITING_REQUESTER:
        since = today(case.paused_since) if case.paused_since else case.receipt_date
        days, key = _wd_between(since, current, config), _awaiting_key(case)
    else:
        days = _wd_between(current, due_date, config)
        if kind == EXTENSION_WINDOW:
            key = "extension_decide" if case.extended_due_date is None else "extension_notify"
        if kind == TASKS:
            late = (current - due_date).days
            key = _task_key(case, late=late > 0)
            days = late if late > 0 else days
    return _make(case, kind, due_date, day, key, max(days, 0))


# --- The daily digest ---------------------------------------------------------------------


@dataclass(frozen=True)
class DigestItem:
    """One case line of the digest: no personal data, only the reference and dates."""

    reference: str
    due_date: date
    days: int  # calendar days left (negative: overdue), or working days waited
    assignee: str | None
    status: str


@dataclass(frozen=True)
class Digest:
    """The morning summary for the contact person."""

    day: date
    due_this_week: tuple[DigestItem, ...] = ()
    overdue: tuple[DigestItem, ...] = ()
    awaiting_requester: tuple[DigestItem, ...] = ()
    drafts_waiting: tuple[DigestItem, ...] = ()
    # Open tasks of manual systems, by their own due date (issue 15).
    tasks_open: tuple[DigestItem, ...] = ()
    # Mail the intake set aside for a person: unresolved quarantine, recent non-requests.
    quarantined: int = 0
    not_requests: int = 0

    @property
    def empty(self) -> bool:
        """Nothing to tell."""
        return not (
            self.due_this_week
            or self.overdue
            or self.awaiting_requester
            or self.drafts_waiting
            or self.tasks_open
            or self.quarantined
            or self.not_requests
        )


WEEK = timedelta(days=7)  # "due this week": within the next seven days


def digest_due(now: datetime, config: ReminderConfig = DEFAULT_CONFIG) -> date | None:
    """Today's date if the digest should go out now (a working day, at or after its time)."""
    return sending_day(now, config, at=config.digest_time)


def digest(
    cases: Iterable[CaseSnapshot], now: datetime, config: ReminderConfig = DEFAULT_CONFIG
) -> Digest:
    """Due in the coming seven days, overdue, awaiting the requester, drafts to approve."""
    day = today(now)
    week, late, waiting, drafts, tasks = [], [], [], [], []
    for case in sorted(cases, key=lambda c: (c.effective_due_date, c.reference)):
        if case.task_due is not None:
            left = (case.task_due - day).days
            tasks.append(
                DigestItem(case.reference, case.task_due, left, case.assignee, case.status)
            )
        if not case.active:
            continue  # answered: only its open tasks are still owed (above)
        due = target_due(case, config)
        item = DigestItem(case.reference, due, (due - day).days, case.assignee, case.status)
        if case.paused and case.paused_since is not None:
            waited = _wd_between(today(case.paused_since), day, config)
            waiting.append(DigestItem(case.reference, due, waited, case.assignee, case.status))
        elif due < day:
            late.append(item)
        elif due <= day + WEEK:
            week.append(item)
        if case.pending_drafts:
            drafts.append(item)
    tasks.sort(key=lambda i: (i.due_date, i.reference))
    return Digest(day, tuple(week), tuple(late), tuple(waiting), tuple(drafts), tuple(tasks))
