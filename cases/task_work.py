"""An owner's answer to a task, carried into the case's pending reply."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from cases.controller import ControllerConfig
from cases.drafts import KIND_TEMPLATES, pending_draft
from cases.errors import NotFound
from cases.fulfilment.runner import fulfil
from cases.tasks import TaskFile, complete_task, rights_of_template
from store.models import Case, Draft, Task


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
) -> tuple[Task, Case, Draft | None]:
    """Record the outcome; a pending reply of that right is drafted again to carry it.

    A copy is drafted again by reading the data map's systems once more: `env` resolves
    their `${VAR}` URLs, as for `cases fulfil`. Returns the task, its case and the new
    draft (None when no reply of that right waits).
    """
    task = complete_task(
        session, task_id=task_id, outcome=outcome, note=note, actor=actor, now=now, file=file
    )
    case = session.get(Case, task.case_id)
    if case is None:
        raise NotFound(f"no case for task {task_id}")
    pending = pending_draft(session, reference=case.reference)
    if pending is None or rights_of_template(pending.template) != task.kind:
        session.commit()
        return task, case, None
    kind = next(k for k in case.kinds if KIND_TEMPLATES.get(k) == pending.template)
    draft = fulfil(
        session,
        reference=case.reference,
        actor=actor,
        now=now,
        controller=controller,
        kind=kind,
        env=env,
    )
    session.refresh(task)
    return task, case, draft
