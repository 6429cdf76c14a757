"""App Home: the user's and the team's open cases, overdue first, with the next step."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlmodel import Session

from bot import queries
from bot.blocks import Block, case_line, escape, next_step_button, section
from bot.deps import BotDeps
from cases import deadlines
from cases.kinds import task_right
from cases.lifecycle import ACTIVE_STATUSES
from cases.mail_review import REVIEW_DAYS, count_set_aside
from cases.tasks import list_tasks
from cases.views import list_cases
from store.models import Case, Task

MINE = 15
TEAM = 25  # Slack allows 100 blocks in a view; each case is one section
TASKS = 10
OPEN_NEW_CASE = "open_new_case"


def _rows(cases: list[Case], now: datetime, *, show_identity: bool) -> list[Block]:
    rows: list[Block] = []
    for case in cases:
        row = section(case_line(case, now, show_identity=show_identity))
        step = next_step_button(case)
        if step is not None:
            row["accessory"] = step
        rows.append(row)
    return rows


def _task_rows(rows: list[tuple[Task, Case]], now: datetime) -> list[Block]:
    """Open tasks of manual systems by their own due date, whatever their case's status."""
    today = deadlines.receipt_date(now)
    blocks: list[Block] = []
    for task, case in rows[:TASKS]:
        late = "🔴 " if task.due_date < today else ""
        owner = f"<@{task.owner}>" if task.owner.startswith(("U", "W")) else escape(task.owner)
        # A task opened after the answer (a lifted restriction) has no case deadline to show.
        case_state = (
            f"case due {case.effective_due_date.isoformat()}"
            if case.is_active
            else f"case {case.status}"
        )
        blocks.append(
            section(
                f"{late}*{case.reference}* · {task_right(task.kind)} in {escape(task.system)}"
                f" · task due {task.due_date.isoformat()} ({case_state}) · {owner}"
            )
        )
    if len(rows) > TASKS:
        blocks.append(section("…and more: `rightsdesk tasks list` shows them all."))
    return blocks


def home_view(
    session: Session, *, user: str, now: datetime, show_identity: bool, command: str = "/rights"
) -> Block:
    """The Home tab; every query is bounded, so it stays fast with 100,000 cases."""
    actor = f"slack:{user}"
    # list_cases orders active cases by due date: the overdue ones come first.
    mine = list_cases(session, status="active", assignee=actor, limit=MINE)
    team = list_cases(session, status="active", limit=TEAM)
    figures = queries.stats(session, now)
    active = sum(figures.by_status.get(s.value, 0) for s in ACTIVE_STATUSES)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Subject-rights requests"}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{active} active · 🔴 {figures.overdue} overdue · "
                    f"{figures.due_this_week} due within 7 days · "
                    f"{figures.unassigned} unassigned",
                }
            ],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "New request (letter or call)"},
                    "action_id": OPEN_NEW_CASE,
                    "value": "new",
                }
            ],
        },
        {"type": "header", "text": {"type": "plain_text", "text": "Your cases"}},
    ]
    stuck, others = count_set_aside(session, since=now - timedelta(days=REVIEW_DAYS))
    if stuck or others:
        blocks.insert(
            2,
            section(
                f"✉️ Mail set aside by the intake: {stuck} quarantined, {others} read as not a"
                f" request in {REVIEW_DAYS} days. `{command} mail` shows them."
            ),
        )
    blocks += _rows(mine, now, show_identity=show_identity) or [section("Nothing assigned to you.")]
    blocks += [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": "Team: all open cases"}},
    ]
    blocks += _rows(team, now, show_identity=show_identity) or [section("No open cases.")]
    if active > len(team):
        blocks.append(
            section(f"…and {active - len(team)} more: `{command} list` or `{command} search`.")
        )
    # Every open task, an answered case's too: its owner still has to be chased (Art. 18(3)).
    tasks = list_tasks(session, status="open", limit=TASKS + 1)
    if tasks:
        blocks += [
            {"type": "divider"},
            {"type": "header", "text": {"type": "plain_text", "text": "Open tasks"}},
            *_task_rows(tasks, now),
        ]
    return {"type": "home", "blocks": blocks}


def publish_home(deps: BotDeps, client: WebClient, user: str) -> None:
    """Build and publish one user's Home tab."""
    with deps.session_factory() as session:
        view = home_view(
            session,
            user=user,
            now=deps.clock(),
            show_identity=deps.show_identity,
            command=deps.command,
        )
    client.views_publish(user_id=user, view=view)
