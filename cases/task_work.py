"""An owner's answer to a task, carried into the case's pending reply."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session

from cases.controller import ControllerConfig
from cases.drafts import KIND_TEMPLATES, pending_draft
from cases.errors import NotFound, Waiting
from cases.fulfilment.runner import fulfil
from cases.tasks import TaskFile, complete_task, rights_of_template
from store.models import Case, Draft, Task


class Answered(NamedTuple):
    """A recorded answer: the task, its case, the new draft, and what the reply waits for."""

    task: Task
    case: Case
    draft: Draft | None  # None when no reply of that right waits, or when it must wait
    waiting: str | None = None  # a system is down: the reply is drafted once it is back


def finish_task(
    session: Session,
    *,
    task_id: int,
    outcome: str,
    note: str | None,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    file: TaskFile | None = None,
    env: Mapping[str, str] | None = None,  # for the data map's `${VAR}` URLs (the redraft reads)
) -> Answered:
    """Record the outcome; a pending reply of that right is drafted again to carry it.

    A copy is drafted again by reading the data map's systems once more: `env` resolves
    their `${VAR}` URLs, as for `cases fulfil`. When one of them is down the answer is kept
    all the same and the reply drafted without it is withdrawn, so it cannot be approved
    incomplete; `cases fulfil` drafts it again once the system is back.
    """

    def record() -> Task:
        return complete_task(
            session, task_id=task_id, outcome=outcome, note=note, actor=actor, now=now, file=file
        )

    task = record()
    case = session.get(Case, task.case_id)
    if case is None:
        raise NotFound(f"no case for task {task_id}")
    pending = pending_draft(session, reference=case.reference)
    if pending is None or rights_of_template(pending.template) != task.kind:
        session.commit()
        return Answered(task, case, None)
    kind = next(k for k in case.kinds if KIND_TEMPLATES.get(k) == pending.template)
    try:
        draft = fulfil(
            session,
            reference=case.reference,
            actor=actor,
            now=now,
            controller=controller,
            kind=kind,
            env=env,
        )
    except Waiting as waiting:
        # fulfil rolled the answer back with its own work and recorded the wait.
        task = record()
        stale = pending_draft(session, reference=case.reference)
        if stale is not None and rights_of_template(stale.template) == task.kind:
            stale.status = "superseded"  # it lacks the owner's answer (Art. 12(3), 15(1))
            session.add(stale)
        session.commit()
        return Answered(task, case, None, str(waiting))
    session.refresh(task)
    return Answered(task, case, draft)
