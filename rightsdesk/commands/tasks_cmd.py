"""`rightsdesk tasks list|done|not-done`: the manual systems' tasks and their owners' answers."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from cases import operations as ops
from cases.errors import UserError
from cases.kinds import task_right
from cases.task_work import finish_task
from cases.tasks import (
    TaskFile,
    get_task,
    list_tasks,
    mailed_answers,
    mailed_file_names,
    mailed_files,
    open_tasks,
    task_summary,
)
from rightsdesk.commands.cases_cmd import Actor
from rightsdesk.context import Desk, cli_actor
from store.models import Draft, Task

app = typer.Typer(
    help="Tasks for the owners of manual systems: list them, record their answers.",
    no_args_is_help=True,
)

_COLUMNS = ("id", "case", "system", "kind", "status", "due", "owner")


@app.command("list")
def list_command(
    reference: Annotated[
        str | None, typer.Option("--case", help="Only the tasks of this case.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the tasks, nearest due first."""
    desk = Desk()
    with desk.read_session() as session:
        case = ops.get_case(session, reference) if reference else None
        listed = list_tasks(session, case=case)
        mailed = mailed_answers(session, [t for t, _ in listed])
        files = mailed_file_names(session, [t for t, _ in listed])
        rows = [task_summary(t, c, mailed.get(t.id or 0), files.get(t.id or 0)) for t, c in listed]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no tasks")
        return
    for row in rows:
        row["kind"] = task_right(str(row["kind"]))  # the JSON above keeps the code
        if row["outcome"] == "not_done":
            row["status"] = "not done"  # stored as done (closed), but nothing was done
        if row["mailed_answer"] and row["status"] == "open":
            count = len(row["mailed_files"])
            with_files = f", {count} file{'s' if count > 1 else ''}" if count else ""
            row["status"] = f"open (answered by mail{with_files})"  # read it: `cases show REF`
    table = [_COLUMNS, *[tuple(str(r[c]) for c in _COLUMNS) for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    for line in table:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def _read_file(path: Path) -> TaskFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return TaskFile(name=path.name, content_type=content_type, data=data)


def _mailed_choice(
    session: Session, task_id: int, name: str | None, *, skip: bool
) -> TaskFile | None:
    """The file chosen from the owner's mailed answers, or None; refuses to guess.

    What goes with the copy is the contact person's choice: a mailed answer may carry a
    signature logo or a file for someone else, so nothing is attached unasked (Art. 15(3)).
    """
    task = get_task(session, task_id)
    if name is not None and task.kind != "access":
        raise UserError(
            f"task {task_id} is a {task_right(task.kind)} task: only a copy takes a file"
        )
    offered = mailed_files(session, task)
    listing = ", ".join(f"{f.name} ({len(f.data):,} bytes)" for f in offered)
    if name is not None:
        chosen = [f for f in offered if f.name == name]
        if not chosen:
            mailed = f"; it mailed: {listing}" if offered else ""
            raise UserError(f"task {task_id}'s owner mailed no file named {name!r}{mailed}")
        return chosen[0]
    if offered and not skip and task.status == "open":
        raise UserError(
            f"task {task_id}'s owner mailed {listing}: attach one with --mailed-file NAME,"
            " or record the answer without it with --no-mailed-file"
        )
    return None


@app.command("done")
def done_command(
    task_id: Annotated[int, typer.Argument(metavar="ID", help="The task's number.")],
    note: Annotated[str | None, typer.Option("--note", help="What was found or done.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="For a copy: the export from the system.")
    ] = None,
    mailed_file: Annotated[
        str | None,
        typer.Option(
            "--mailed-file",
            metavar="NAME",
            help="For a copy: the file of this name from the owner's mailed answer.",
        ),
    ] = None,
    no_mailed_file: Annotated[
        bool,
        typer.Option(
            "--no-mailed-file", help="Record the answer without the files the owner mailed."
        ),
    ] = False,
    nothing_there: Annotated[
        bool, typer.Option("--nothing-there", help="The system holds nothing about the person.")
    ] = False,
    actor: Actor = None,
) -> None:
    """Record the owner's answer; a pending reply of that right is drafted again with it."""
    desk = Desk()
    if file is not None and mailed_file is not None:
        raise UserError("give --file or --mailed-file, not both")
    if mailed_file is not None and no_mailed_file:
        raise UserError("give --mailed-file or --no-mailed-file, not both")
    if nothing_there and (file is not None or mailed_file is not None):
        raise UserError("a system with nothing there gives no file: drop --file/--mailed-file")
    uploaded = _read_file(file) if file is not None else None
    with desk.session() as session:
        attached = uploaded or _mailed_choice(
            session, task_id, mailed_file, skip=no_mailed_file or nothing_there
        )
        task, case, draft, waiting = finish_task(
            session,
            task_id=task_id,
            outcome="nothing_there" if nothing_there else "done",
            note=note,
            actor=cli_actor(actor),
            now=desk.now(),
            controller=desk.controller,
            file=attached,
            env=desk.system_env(),
        )
        outcome, left = task.outcome, open_tasks(session, case)
    typer.echo(f"task {task_id} ({case.reference}): {(outcome or '').replace('_', ' ')}")
    if attached is not None and uploaded is None:
        typer.echo(f"task {task_id}: attached {attached.name}, as its owner mailed it")
    _report(case.reference, draft, waiting, left)


@app.command("not-done")
def not_done_command(
    task_id: Annotated[int, typer.Argument(metavar="ID", help="The task's number.")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why it will not be done (the owner left, the system was retired)."
        ),
    ],
    actor: Actor = None,
) -> None:
    """Record that the task will not be done, and why; the reply says so with the reason."""
    desk = Desk()
    with desk.session() as session:
        _, case, draft, waiting = finish_task(
            session,
            task_id=task_id,
            outcome="not_done",
            note=reason,
            actor=cli_actor(actor),
            now=desk.now(),
            controller=desk.controller,
            env=desk.system_env(),
        )
        left = open_tasks(session, case)
    typer.echo(f"task {task_id} ({case.reference}): not done")
    _report(case.reference, draft, waiting, left)


def _report(reference: str, draft: Draft | None, waiting: str | None, left: list[Task]) -> None:
    """What became of the case's reply after an answer, and what is still open."""
    if draft is not None:
        typer.echo(f"{reference}: the reply is drafted again with the answer")
    if waiting is not None:
        # The answer is kept; only the redraft waits (`cases fulfil` finishes it).
        typer.echo(
            f"{reference}: waiting: {waiting}; `rightsdesk cases fulfil {reference}`"
            " drafts the reply with the answer once it is back"
        )
    if left:
        typer.echo(f"{reference}: {len(left)} task(s) still open")


def register(root: typer.Typer) -> None:
    """Attach `tasks` to the root app."""
    root.add_typer(app, name="tasks")
