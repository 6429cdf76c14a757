"""Tasks of manual systems: their due date and their reminders, with a frozen clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from cases.deadlines import HELSINKI
from cases.reminder_texts import reminder_text
from cases.reminders import TASKS, CaseSnapshot, due_reminders, rebuild
from cases.tasks import task_due
from store.models import Case

DUE = date(2026, 12, 28)  # received 2026-11-24
CASE = CaseSnapshot(
    id=1,
    reference="DSR-2026-0001",
    status="in_progress",
    receipt_date=date(2026, 11, 24),
    due_date=DUE,
    effective_due_date=DUE,
    assignee="slack:U0PASI",
)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 30), HELSINKI).astimezone(UTC)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 30), date(2026, 12, 21)),  # a week before the case
        (date(2026, 12, 23), date(2026, 12, 23)),  # a week is no longer left: today
        (date(2027, 1, 4), DUE),  # the case is late already: never after its due date
    ],
)
def test_a_task_is_due_a_week_before_its_case_and_never_after_it(
    today: date, expected: date
) -> None:
    case = Case(reference="DSR-2026-0001", status="in_progress", effective_due_date=DUE)
    assert task_due(case, _at(today)) == expected


def test_the_owner_is_reminded_the_working_day_before_on_the_day_and_daily_when_late() -> None:
    case = replace(CASE, task_due=date(2026, 12, 21), open_tasks=1)

    def tasks_on(day: date) -> list[str]:
        return [reminder_text(r) for r in due_reminders(case, _at(day)) if r.kind == TASKS]

    assert tasks_on(date(2026, 12, 17)) == []
    (before,) = tasks_on(date(2026, 12, 18))  # Friday, the working day before
    assert "task is due Mon 2026-12-21, 1 working day left" in before
    assert "task is due Mon 2026-12-21, 0 working days left" in tasks_on(date(2026, 12, 21))[0]
    (late,) = tasks_on(date(2026, 12, 22))
    assert "was due Mon 2026-12-21, 1 day ago" in late
    assert tasks_on(date(2026, 12, 23))  # daily while it is late
    assert [r.kind for r in due_reminders(CASE, _at(date(2026, 12, 22)))].count(TASKS) == 0


def test_a_claimed_task_reminder_is_rebuilt_after_a_crash() -> None:
    case = replace(CASE, task_due=date(2026, 12, 21), open_tasks=1)
    again = rebuild(
        case, kind=TASKS, due_date=date(2026, 12, 21), day=date(2026, 12, 22),
        now=_at(date(2026, 12, 23)),
    )  # fmt: skip
    assert again.text_key == "tasks_overdue" and again.days == 2
