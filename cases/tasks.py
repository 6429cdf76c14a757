"""Tasks: a right carried out by hand in a `manual` system of the data map, by its owner.

The controller answers for every place the person's data lives (Art. 15(1), 17(1)), also
where a person, not rightsdesk, has to look. Each task has its own due date a week before
the case's, never after it, so the reply still goes out in time (Art. 12(3)).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from cases import deadlines
from cases import operations as ops
from cases.addresses import canonical
from cases.controller import ControllerConfig
from cases.errors import NotFound, UserError
from cases.kinds import task_right
from cases.outbox import MailAttachment, Sender, queue_mail
from cases.systems import ManualSystem
from cases.task_mail import TASK_TAG, task_subject
from store.actions import AuditAction
from store.models import Attachment, Case, Message, Task
from store.sanitise import clean_line, clean_text

# A mail filed as a task's answer (Message.category).
TASK_ANSWER = "task_answer"
# The right a case kind asks a system owner to carry out (portability is a copy too).
TASK_KINDS: dict[str, str] = {
    "access": "access",
    "portability": "access",
    "erasure": "erasure",
    "rectification": "rectification",
    "restriction": "restriction",
}
# What the owner is asked to do, as the task's title says it.
VERBS: dict[str, str] = {
    "access": "find and export",
    "erasure": "erase",
    "rectification": "rectify",
    "restriction": "restrict the processing of",
    "lift_restriction": "lift the restriction of the processing of",
}
# "not_done": the work will never be done (its owner left, the system was retired); the
# reason is recorded instead of a false outcome (Art. 5(2)) and the reply says so.
OUTCOMES = ("done", "nothing_there", "not_done")
LEAD_DAYS = 7  # the owner's answer is due a week before the reply (Art. 12(3))
MAX_FILE = 10 * 1024 * 1024  # what a reply can still carry as an attachment


def task_due(case: Case, now: datetime) -> date:
    """A week before the case's deadline, never after it, and not before today if possible."""
    due = case.effective_due_date
    today = deadlines.receipt_date(now)
    return min(due, max(today, due - timedelta(days=LEAD_DAYS)))


def systems_for(controller: ControllerConfig, right: str) -> list[ManualSystem]:
    """The manual systems that hold data the right concerns.

    A system that lists instructions is asked only for the rights it lists; one that lists
    none is asked for every right.
    """
    return [
        s
        for s in controller.systems
        if isinstance(s, ManualSystem) and (not s.instructions or right in s.instructions)
    ]


def instructions(system: ManualSystem, right: str) -> str:
    """What the owner does for the right, in their own words, or the generic request."""
    return system.instructions.get(right) or (
        f"Please {VERBS[right]} the data about this person in {system.name}."
    )


def open_tasks_for(
    session: Session,
    case: Case,
    kind: str,
    *,
    controller: ControllerConfig,
    sender: Sender,
    actor: str,
    now: datetime,
) -> list[Task]:
    """Open a task per manual system for the case kind; an existing one is not repeated.

    Owners reached by e-mail get their mail through the outbox in the same transaction;
    Slack owners get a direct message from the notifier once the transaction commits.
    """
    right = TASK_KINDS.get(kind)
    if right is None:
        return []
    opened: list[Task] = []
    for system in systems_for(controller, right):
        task = open_task(
            session,
            case,
            system=system.name,
            right=right,
            owner=system.owner,
            instructions=instructions(system, right),
            by_mail=not system.owner_is_slack_user,
            sender=sender,
            actor=actor,
            now=now,
        )
        if task is not None:
            opened.append(task)
    return opened


def open_task(
    session: Session,
    case: Case,
    *,
    system: str,
    right: str,
    owner: str,
    instructions: str,
    by_mail: bool,
    sender: Sender,
    actor: str,
    now: datetime,
    due: date | None = None,
) -> Task | None:
    """Open one task for `system` (None when the case has it already), mailing its owner.

    `due` replaces the date derived from the case's deadline (a lifted restriction's task
    comes after the case was answered).
    """
    exists = session.exec(
        select(Task).where(Task.case_id == case.id, Task.system == system, Task.kind == right)
    ).first()
    if exists is not None:
        return None
    task = Task(
        case_id=case.id or 0,
        system=system,
        kind=right,
        owner=owner,
        instructions=instructions,
        due_date=due or task_due(case, now),
        created_at=now,
    )
    session.add(task)
    session.flush()
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.TASK_OPENED,
        now=now,
        task_id=task.id,
        system=system,
        task_kind=right,
        task_due=task.due_date.isoformat(),
    )
    if by_mail:
        _mail_owner(session, case, task, sender=sender, now=now)
    return task


def owner_text(case: Case, task: Task) -> str:
    """The request to the owner: the case, the person to look for, the instructions."""
    who = ", ".join(x for x in (case.requester_name, case.requester_email) if x) or "-"
    return (
        f"Case {case.reference}: please {VERBS[task.kind]} the data of this person in"
        f" {task.system} by {task.due_date.isoformat()} (GDPR Art. 12(3)).\n\n"
        f"Person: {who}\n\nWhat to do: {task.instructions}\n"
    )


def _mail_owner(session: Session, case: Case, task: Task, *, sender: Sender, now: datetime) -> None:
    assert task.id is not None  # flushed before the owner is asked
    text = owner_text(case, task) + (
        f"\nReply to this message with what you found or did (or that there was nothing"
        f" about the person); for a copy, attach the export. The privacy desk enters your"
        f" answer as task {task.id}; what you write is quoted in our reply to the person.\n"
    )
    queue_mail(
        session,
        case=case,
        sender=sender,
        to=task.owner,
        subject=task_subject(case.reference, task.id, verb=VERBS[task.kind], system=task.system),
        text=text,
        html=None,
        purpose="task",
        now=now,
    )


def get_task(session: Session, task_id: int) -> Task:
    """The task, or NotFound."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


def list_tasks(
    session: Session,
    *,
    case: Case | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[tuple[Task, Case]]:
    """Tasks with their cases, nearest due first."""
    query = select(Task, Case).join(Case, col(Case.id) == col(Task.case_id))
    if case is not None:
        query = query.where(Task.case_id == case.id)
    if status is not None:
        query = query.where(Task.status == status)
    query = query.order_by(col(Task.due_date), col(Task.id))
    rows = session.exec(query.limit(limit) if limit is not None else query).all()
    return [(t, c) for t, c in rows]


def mailed_answers(session: Session, tasks: list[Task]) -> dict[int, str]:
    """The latest note each task's owner mailed back (intake files it; nothing is done)."""
    return {
        t.id: t.mailed_answer or ""
        for t in tasks
        if t.id is not None and t.mailed_answer_at is not None
    }


def _answer_mail_ids(session: Session, task: Task) -> list[int]:
    """The ids of the owner's mails filed as answers to `task`, newest first.

    Only the owner's own replies to the task's own mail count, as when intake filed them
    (mail_intake.follow_up): the category, the subject's tag and the owner's address.
    """
    if task.mailed_answer_at is None or task.id is None:
        return []
    owner = canonical(task.owner)  # as intake compared it: an IDN domain in either form
    answers = session.exec(
        select(Message.id, Message.subject, Message.from_addr)
        .where(Message.case_id == task.case_id, Message.category == TASK_ANSWER)
        .order_by(col(Message.id).desc())
    ).all()
    return [
        message_id
        for message_id, subject, from_addr in answers
        if message_id is not None
        and (tag := TASK_TAG.search(subject or "")) is not None
        and int(tag.group(1)) == task.id
        and canonical(from_addr or "") == owner
    ]


def _offered(session: Session, task: Task, *, with_data: bool) -> list[tuple[str, Attachment]]:
    """The files the owner mailed for a copy, under names unique and fit for one line.

    Newest answer first; files erased since (retention, Art. 5(1)(e)) are not offered.
    """
    if task.kind != "access":
        return []
    ids = _answer_mail_ids(session, task)
    if not ids:
        return []
    query = (
        select(Attachment)
        .where(
            col(Attachment.message_id).in_(ids),
            col(Attachment.deleted_at).is_(None),
            col(Attachment.data).is_not(None),
        )
        .order_by(col(Attachment.message_id).desc(), col(Attachment.id))
    )
    if not with_data:
        query = query.options(defer(Attachment.data))  # type: ignore[arg-type]
    offered: list[tuple[str, Attachment]] = []
    seen: set[str] = set()
    for n, attachment in enumerate(session.exec(query).all(), 1):
        name = clean_line(attachment.filename or "") or f"task-{task.id}-file-{n}"
        stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
        copy = 1
        while name in seen:  # two "image001.png": each can still be chosen
            copy += 1
            name = f"{stem} ({copy}){dot}{ext}"
        seen.add(name)
        offered.append((name, attachment))
    return offered


def mailed_files(session: Session, task: Task) -> list[TaskFile]:
    """The files the owner mailed with answers to a copy task, newest answer first."""
    return [
        TaskFile(name=name, content_type=a.content_type, data=a.data or b"")
        for name, a in _offered(session, task, with_data=True)
    ]


def mailed_file_sizes(session: Session, task: Task) -> list[tuple[str, int]]:
    """The names and sizes of the files the owner mailed for a copy (their bytes not read)."""
    return [(name, a.size) for name, a in _offered(session, task, with_data=False)]


def mailed_file_names(session: Session, tasks: list[Task]) -> dict[int, list[str]]:
    """The names of those files per task (their bytes are not read)."""
    return {
        t.id: [name for name, _ in _offered(session, t, with_data=False)]
        for t in tasks
        if t.id is not None and t.mailed_answer_at is not None
    }


def task_summary(
    task: Task, case: Case, mailed: str | None = None, files: list[str] | None = None
) -> dict[str, Any]:
    """A task as `tasks list --json` prints it (the owner's mailed answer and its files)."""
    return {
        "id": task.id,
        "case": case.reference,
        "system": task.system,
        "kind": task.kind,
        "status": task.status,
        "owner": task.owner,
        "due": task.due_date.isoformat(),
        "outcome": task.outcome,
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "done_by": task.done_by,
        "file": task.file_name,
        "mailed_answer": mailed,
        "mailed_files": files or [],
    }


def open_tasks(session: Session, case: Case) -> list[Task]:
    """The case's tasks still open."""
    return list(
        session.exec(
            select(Task)
            .where(Task.case_id == case.id, Task.status == "open")
            .order_by(col(Task.id))
        ).all()
    )


def require_no_open_tasks(session: Session, case: Case) -> None:
    """Refuse to answer while an owner has not reported back: the reply would be incomplete."""
    waiting = open_tasks(session, case)
    if waiting:
        names = "; ".join(
            f"task {t.id} ({task_right(t.kind)} in {t.system}, due {t.due_date.isoformat()})"
            for t in waiting
        )
        raise UserError(f"{case.reference} has open tasks: {names}")


@dataclass(frozen=True)
class TaskFile:
    """A file the owner attached (for access: the export from their system)."""

    name: str
    content_type: str
    data: bytes


def complete_task(
    session: Session,
    *,
    task_id: int,
    outcome: str,
    note: str | None,
    actor: str,
    now: datetime,
    file: TaskFile | None = None,
) -> Task:
    """Record the owner's answer; the outcome goes into the audit trail and the reply."""
    task = get_task(session, task_id)
    case = session.get(Case, task.case_id)
    if case is None:
        raise NotFound(f"no case for task {task_id}")
    if outcome not in OUTCOMES:
        raise UserError(f"unknown outcome {outcome!r}; use {', '.join(OUTCOMES)}")
    if task.status == "done":
        raise UserError(f"task {task.id} is already done ({task.outcome}, by {task.done_by})")
    text = clean_text(note or "").strip() or None
    if outcome == "done" and text is None:
        raise UserError("say what was done: a note is required")
    if outcome == "not_done" and text is None:
        raise UserError("say why it will not be done: a reason is required")
    if outcome == "not_done" and file is not None:
        raise UserError("a task not done gives no file")
    if file is not None:
        if task.kind != "access":
            raise UserError(
                f"task {task.id} is a {task_right(task.kind)} task: only a copy takes a file"
            )
        if len(file.data) > MAX_FILE:
            raise UserError(f"the file is larger than {MAX_FILE // (1024 * 1024)} MiB")
        task.file_name = clean_line(file.name) or f"task-{task.id}"
        task.file_type = file.content_type or "application/octet-stream"
        task.file_data = file.data
    task.status, task.outcome, task.note = "done", outcome, text
    task.done_at, task.done_by = now, actor
    session.add(task)
    if outcome == "not_done":
        ops.record(
            session,
            case,
            actor=actor,
            action=AuditAction.TASK_NOT_DONE,
            now=now,
            task_id=task.id,
            system=task.system,
            task_kind=task.kind,
            reason=text,
        )
        return task
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.TASK_DONE,
        now=now,
        task_id=task.id,
        system=task.system,
        task_kind=task.kind,
        result=outcome,
        note=text,
        files=[task.file_name] if file is not None else None,
        file_sha256=hashlib.sha256(file.data).hexdigest() if file is not None else None,
    )
    return task


def outcomes(session: Session, case: Case, right: str | None = None) -> list[dict[str, Any]]:
    """What each manual system's owner reported, for the reply context and the dossier.

    Each item: ``system``, ``kind``, ``status`` (open, done), ``outcome`` (done,
    nothing_there, not_done or None), ``note`` (for not_done: the reason), ``file`` (the
    file name or None).
    """
    query = select(Task).where(Task.case_id == case.id)
    if right is not None:
        query = query.where(Task.kind == right)
    return [
        {
            "system": t.system,
            "kind": t.kind,
            "status": t.status,
            "outcome": t.outcome,
            "note": t.note,
            "file": t.file_name,
        }
        for t in session.exec(query.order_by(col(Task.id))).all()
    ]


def task_files(session: Session, case: Case) -> list[MailAttachment]:
    """The files owners attached to the case's access tasks: they go with the copy."""
    rows = session.exec(
        select(Task)
        .where(Task.case_id == case.id, Task.kind == "access", col(Task.file_data).is_not(None))
        .order_by(col(Task.id))
    ).all()
    return [
        MailAttachment(
            filename=t.file_name or f"task-{t.id}",
            content_type=t.file_type or "application/octet-stream",
            data=t.file_data or b"",
        )
        for t in rows
    ]


def rights_of_template(template: str) -> str | None:
    """The task right whose outcome a reply template reports, if any."""
    return {
        "access_response": "access",
        "portability_export": "access",
        "erasure_done": "erasure",
        "rectification_done": "rectification",
        "restriction_confirmation": "restriction",
    }.get(template)
