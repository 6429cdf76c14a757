"""Lifting a restriction (GDPR Art. 18(3)): undo what restricting did, wherever it did it.

A case's restriction is lifted as a whole, and only once it was confirmed to the person (its
reply approved): the person must have been told of the lifting beforehand. Each
`sql` system whose columns the restriction set gets the rows' values before back, in one
transaction there, recorded like the restriction (the plan first,
`system_restriction_lift_started`, then `system_restriction_lifted`); a column
someone changed since is left as it is and named. Each system where the restriction was a
task for a person gets a task to lift it by hand, so it is not forgotten. The register's
flag and the `restriction_lifted` event come last: a system that is down makes the lift
wait (`Waiting`, nothing recorded as lifted), and the same command again finishes it,
skipping the systems already put back.

Two cases may restrict the same person (the same customer, or the same address): the
second finds the rows marked already and records none. Lifting one while another stands
is recorded, but changes nothing: the register's flag, the systems' columns and the tasks
by hand stay, because of the other case (Art. 18). Lifting the last one puts back the
values of each earlier lift held so, as their first restriction recorded them.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.errors import NotFound, UserError, Waiting
from cases.fulfilment.restriction_state import (
    all_restrictions,
    check_liftable,
    lifted_event,
    restriction_cases,
    told_too_early,
)
from cases.fulfilment.systems import (
    LIFTING,
    REPLANS,
    connected,
    finish_interrupted,
    record_changes,
    record_plan,
    record_waiting,
    sql_systems,
)
from cases.outbox import Sender
from cases.sql_connector import PlanChanged, SqlConnector
from cases.tasks import LEAD_DAYS, open_task
from store import named_lock
from store.actions import AuditAction
from store.models import Case, CaseEvent, Customer, Task

# A put-back waits for its systems' own timeouts; past this, the person asking is told.
OTHER_LIFT_WAIT = 60.0
LIFT_TASK = "lift_restriction"  # the task kind: lift by hand what was restricted by hand
# A restriction task still open when its case's restriction is lifted: moot, never done.
LIFTED_BEFORE_DONE = "lifted_before_done"


@dataclass
class Lifted:
    """What lifting a case's restriction did: per system, and in the register."""

    case: Case
    restored: dict[str, int] = field(default_factory=dict)  # rows put back, per system
    left: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # changed by others
    tasks: list[Task] = field(default_factory=list)
    customer_number: str | None = None
    still_restricted_by: list[str] = field(default_factory=list)  # other cases that stand
    ended: list[Task] = field(default_factory=list)  # restriction tasks it made moot


def report_lines(lifted: Lifted, *, close_hint: str = "") -> list[str]:
    """What lifting did, a line each: rows put back and left per system, tasks ended and opened.

    `close_hint` follows each new task's line, with `{id}` for its number: how the caller's
    user records it done. The terminal and Slack say the same.
    """
    lines: list[str] = []
    if lifted.still_restricted_by:
        lines.append(
            f"{lifted.case.reference}: the person stays restricted because of"
            f" {', '.join(lifted.still_restricted_by)}, whose restriction still stands;"
            " nothing was put back yet (that lift puts back this one's values too)"
        )
    lines += [
        f"{system}: restriction lifted in {n} row(s)" for system, n in lifted.restored.items()
    ]
    lines += [
        f"{system}: {item['table']} row {item['key']}: {', '.join(item['columns'])}"
        " changed since the restriction (or gone); left as it is"
        for system, left in lifted.left.items()
        for item in left
    ]
    lines += [
        f"task {task.id}: ended, the restriction in {task.system} was lifted before it was done"
        for task in lifted.ended
    ]
    lines += [
        f"task {task.id}: lift the restriction in {task.system} by hand, for {task.owner},"
        f" due {task.due_date.isoformat()}" + close_hint.format(id=task.id)
        for task in lifted.tasks
    ]
    return lines


def _require_confirmed(session: Session, case: Case, informed_at: datetime) -> None:
    """Refuse to lift a restriction the person was never told of, or before it was made."""
    confirmed = told_too_early(check_liftable(session, case), informed_at)
    if confirmed is not None:
        raise UserError(
            f"{case.reference}: --informed-at {deadlines.receipt_date(informed_at).isoformat()}"
            " is before the restriction was confirmed to the person"
            f" ({confirmed.isoformat()}); the person must be told of the"
            " lifting after the restriction and before it is lifted (Art. 18(3))"
        )


def _check(reason: str, informed_at: datetime, now: datetime) -> str:
    if not reason.strip():
        raise UserError("a reason is required")
    if informed_at > now:
        raise UserError("the person must be told before the restriction is lifted (Art. 18(3))")
    return reason.strip()


def lift_restriction(
    session: Session,
    *,
    customer_number: str,
    reason: str,
    informed_at: datetime,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None = None,
    sender: Sender | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[Customer, list[Lifted]]:
    """Lift a customer's restriction; Art. 18(3) requires the person to have been told first.

    When the flag came from restriction cases (their `fulfil` events name the customer),
    each is lifted as a whole, its `sql` systems and tasks too; returned with the customer.
    The flag goes with the last of them, so a system that is down leaves it set, and the
    same command again finishes the cases not lifted yet.
    """
    customer = session.exec(
        select(Customer).where(Customer.customer_number == customer_number.strip())
    ).first()
    if customer is None:
        raise NotFound(f"no customer {customer_number.strip()!r} in the register")
    cases = restriction_cases(session, customer.customer_number)
    if not customer.restricted and not cases:
        raise UserError(f"{customer.customer_number} is not restricted")
    why = _check(reason, informed_at, now)
    for case in cases:  # all checked before any is lifted: none half done
        _require_confirmed(session, case, informed_at)
    if not cases:
        _refuse_over_purged(session, customer.customer_number)
    done = [
        lift_case(
            session,
            reference=case.reference,
            reason=why,
            informed_at=informed_at,
            actor=actor,
            now=now,
            controller=controller,
            env=env,
            sender=sender,
            on_wait=on_wait,
        )
        for case in cases
    ]
    if not cases:  # restricted outside a case (an import): the flag is all there is
        _clear_flag(customer, now)
        session.add(customer)
        ops.record(
            session,
            None,
            actor=actor,
            action=AuditAction.RESTRICTION_LIFTED,
            now=now,
            customer_number=customer.customer_number,
            reason=why,
            informed_at=informed_at.isoformat(),
        )
        session.commit()
    session.refresh(customer)
    return customer, done


def _refuse_over_purged(session: Session, customer_number: str) -> None:
    """Refuse to clear only the flag while a purged case's restriction was never lifted.

    The purge took the customer number from its record, so it may be this customer's; its
    systems would stay restricted unseen (Art. 18(3)). Lifting that case first makes tasks
    to put them back by hand.
    """
    purged = set(
        session.exec(
            select(CaseEvent.case_id).where(CaseEvent.action == AuditAction.RETENTION_PURGE)
        ).all()
    )
    unknown = [
        r.case.reference
        for r in all_restrictions(session)
        if r.lift is None and r.case.id in purged and r.customer_number is None
    ]
    if unknown:
        raise UserError(
            f"{customer_number}: no case names this customer, but the restriction of"
            f" {', '.join(unknown)} was never lifted and its record was purged, so whose it"
            " was is unknown; lift it with `rightsdesk cases lift-restriction REFERENCE`"
            " (its systems become tasks by hand), then run this again"
        )


def _events(session: Session, case: Case) -> list[CaseEvent]:
    return list(
        session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
        ).all()
    )


def lift_case(
    session: Session,
    *,
    reference: str,
    reason: str,
    informed_at: datetime,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None = None,
    sender: Sender | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Lifted:
    """Lift the case's restriction in every system it marked, then in the register.

    While another case's restriction of the same person stands, only this lift is recorded;
    the last lift puts back the values of the earlier ones too (Art. 18). `on_wait` is told
    the reference when the lift has to wait for another lift of the case to end.
    """
    found = ops.get_case(session, reference)
    engine = session.get_bind().engine
    case_id, reference = found.id or 0, found.reference
    session.rollback()  # the read ends: a lift waiting below holds no SQLite write lock
    with _one_lift_at_a_time(engine, case_id, reference, on_wait):
        return _lift_case(
            session,
            target=found,
            reason=reason,
            informed_at=informed_at,
            actor=actor,
            now=now,
            controller=controller,
            env=env,
            sender=sender,
        )


@contextmanager
def _one_lift_at_a_time(
    engine: Engine, case_id: int, reference: str, on_wait: Callable[[str], None] | None
) -> Iterator[None]:
    """Hold the case's lift until it ends; a second lift of it, in any process, waits here.

    The row lock alone does not do: each system's put-back commits (its plan first, for a
    crash), which lets the lock go, and a second lift let in then would put back, or record
    as interrupted, what the first is doing. Waiting here, it checks after the first ended
    and is refused as already lifted before it touches anything (Art. 5(2)). The lock is
    the store's (`store.named_lock`): it keeps out the bot's other threads and the terminal
    alike, and a lift killed with -9 gives it up with its process.
    """
    told = None if on_wait is None else functools.partial(on_wait, reference)
    try:
        with named_lock.held(engine, "lift", case_id, wait=OTHER_LIFT_WAIT, on_wait=told):
            yield
    except named_lock.LockBusy:
        raise UserError(
            f"{reference}: another lift of this restriction is still running; run the lift"
            " again when it has ended, to see how it went"
        ) from None
    except named_lock.LockUnavailable as exc:
        raise UserError(f"{reference}: the lift cannot keep other lifts out: {exc}") from None


def _lift_case(
    session: Session,
    *,
    target: Case,
    reason: str,
    informed_at: datetime,
    actor: str,
    now: datetime,
    controller: ControllerConfig,
    env: Mapping[str, str] | None,
    sender: Sender | None,
) -> Lifted:
    case = _locked(session, target)
    why = _check(reason, informed_at, now)
    events = _events(session, case)
    _require_confirmed(session, case, informed_at)  # under the lock: a lift at once waits
    every = all_restrictions(session)
    (mine,) = [r for r in every if r.case.id == case.id]
    others = [r for r in every if r.case.id != case.id and mine.same_person(r)]
    standing = [r.case.reference for r in others if r.lift is None]
    held = [r.case for r in others if r.held]
    lifted = Lifted(case, still_restricted_by=standing)
    by_hand: dict[str, str] = {}
    if not standing:
        try:
            for each in [case, *held]:
                found = _events(session, each) if each is not case else events
                by_hand |= _lift_in_systems(
                    session, each, found, lifted, env or {}, controller, actor, now
                )
        except Waiting as waiting:
            # A system is down: the ones done stay recorded; the lift itself waits for a retry.
            session.rollback()
            record_waiting(session, case, error=waiting, actor=actor, now=now)
            raise
    # The systems' steps committed (and let the row lock go): lock again and look once more,
    # so that only one lift records the lift, its tasks and mails (Art. 5(2)) even if a
    # lift ever got past the wait in `lift_case`.
    _locked(session, case)
    if lifted_event(session, case) is not None:
        session.rollback()
        raise UserError(f"{case.reference}: the restriction is already lifted")
    lifted.ended = ops.end_open_tasks(
        session,
        case,
        kind="restriction",
        outcome=LIFTED_BEFORE_DONE,
        why="the restriction was lifted before the task was done",
        actor=actor,
        now=now,
    )
    if not standing:
        sender = sender or Sender(controller.privacy_email, controller.name)
        lifted.tasks = _tasks_by_hand(
            session, case, [case, *held], by_hand, controller, sender, actor, now
        )
    customer = (
        session.exec(
            select(Customer).where(Customer.customer_number == mine.customer_number)
        ).first()
        if mine.customer_number
        else None
    )
    if customer is not None and customer.restricted and not standing:
        _clear_flag(customer, now)
        session.add(customer)
        lifted.customer_number = customer.customer_number
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.RESTRICTION_LIFTED,
        now=now,
        customer_number=lifted.customer_number,
        reason=why,
        informed_at=informed_at.isoformat(),
        systems_lifted=sorted(lifted.restored) or None,
        systems_lifted_by_hand=[t.system for t in lifted.tasks] or None,
        still_restricted_by=standing or None,
        released=[c.reference for c in held] or None,
    )
    session.commit()
    return lifted


def _locked(session: Session, case: Case) -> Case:
    """Hold the case's row until this transaction ends (on SQLite, BEGIN IMMEDIATE does)."""
    return session.exec(
        select(Case)
        .where(Case.id == case.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _clear_flag(customer: Customer, now: datetime) -> None:
    customer.restricted = False
    customer.restriction_reason = None
    customer.updated_at = now


def _lift_in_systems(
    session: Session,
    case: Case,
    events: Sequence[CaseEvent],
    lifted: Lifted,
    env: Mapping[str, str],
    controller: ControllerConfig,
    actor: str,
    now: datetime,
) -> dict[str, str]:
    """Put back each `sql` system's columns, one transaction and one record each.

    Returns the systems left to a person, with why: the restriction's own tasks, and a
    system whose record of the values before was purged or that left the data map.
    """
    rows: dict[str, list[dict[str, Any]]] = {}
    purged: dict[str, list[str]] = {}
    done: set[str] = set()
    for event in events:
        name = str(event.detail.get("system", ""))
        if event.action == AuditAction.SYSTEM_RESTRICTION_LIFTED:
            done.add(name)
        elif event.action == AuditAction.SYSTEM_RESTRICTED:
            if event.personal is None:  # the retention purge took the values before
                purged.setdefault(name, []).extend(
                    f"{c['table']} row {c['key']}" for c in event.detail.get("changes", [])
                )
            rows.setdefault(name, []).extend((event.personal or {}).get("rows", []))
    mapped = {s.name: s for s in sql_systems(controller.systems_or_register())}
    by_hand: dict[str, str] = {}
    for name, recorded in rows.items():
        if name in done:
            continue
        if name in purged or name not in mapped:
            where = ", ".join(purged.get(name, [])) or "the rows it marked"
            cause = "their record was purged" if name in purged else "it left the data map"
            by_hand[name] = (
                f"rightsdesk cannot put back the values the restriction replaced in {name}"
                f" ({where}): {cause}."
            )
            continue
        with connected(mapped[name], env) as connector:
            detail = _put_back(session, case, connector, recorded, actor, now)
        lifted.restored[name] = lifted.restored.get(name, 0) + len(detail["changes"])
        if detail["left"]:
            lifted.left.setdefault(name, []).extend(detail["left"])
    return by_hand


def _put_back(
    session: Session,
    case: Case,
    connector: SqlConnector,
    recorded: list[dict[str, Any]],
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Put back one system's columns: record the plan, carry out exactly it, record the outcome.

    As for the restriction (cases.fulfilment.systems): killed after the system's commit, the
    next run would find the old values back and record no row put back; the plan recorded
    first lets it say whether the system was left unchanged or fully changed, and record
    what was really done (Art. 5(2)).
    """
    name = connector.name
    state, finished = finish_interrupted(session, case, connector, LIFTING, actor, now)
    if finished is not None:
        return finished
    for attempt in range(REPLANS):
        plan, left = connector.unrestrict(recorded)
        detail: dict[str, Any] = {
            "system": name,
            "changes": [c.describe() for c in plan.changes],
            "restored": dict(Counter(c.table for c in plan.changes)),
            "left": left,
        }
        if attempt:
            detail["replanned"] = True  # the system changed after the previous plan
        if plan.changes:
            record_plan(session, case, LIFTING.started, plan, detail, actor, now)
            try:
                connector.apply_unrestriction(plan, left, recorded)  # one transaction there
            except PlanChanged:
                continue
        if state:
            detail["interrupted"] = state
        record_changes(
            session,
            case,
            LIFTING.done,
            plan,
            detail,
            actor=actor,
            now=now,
        )
        return detail
    raise Waiting(f"{name} changed during each of {REPLANS} tries to lift the restriction")


def _tasks_by_hand(
    session: Session,
    case: Case,
    restricting: Sequence[Case],
    by_hand: dict[str, str],
    controller: ControllerConfig,
    sender: Sender,
    actor: str,
    now: datetime,
) -> list[Task]:
    """A task to lift it by hand wherever a person restricted it (or must put it back).

    The restriction tasks done for `restricting` (the case and the earlier lifts it
    completes) name the system and its owner; one found with nothing there, or ended
    before it was done, restricted nothing and needs no lifting.
    """
    restricted = session.exec(
        select(Task)
        .where(
            col(Task.case_id).in_([c.id for c in restricting]),
            Task.kind == "restriction",
            Task.outcome == "done",
        )
        .order_by(col(Task.id))
    ).all()
    owners: dict[str, Task] = {}
    for done in restricted:
        owners.setdefault(done.system, done)
    due = deadlines.receipt_date(now) + timedelta(days=LEAD_DAYS)
    opened: list[Task] = []
    for system in list(owners) + [s for s in by_hand if s not in owners]:
        earlier = owners.get(system)
        owner = earlier.owner if earlier is not None else controller.contact_person.email
        task = open_task(
            session,
            case,
            system=system,
            right=LIFT_TASK,
            owner=owner,
            instructions=_instructions(case, system, earlier, by_hand.get(system)),
            by_mail="@" in owner,  # else a Slack user, told by the notifier
            sender=sender,
            actor=actor,
            now=now,
            due=due,
        )
        if task is not None:
            opened.append(task)
    return opened


def _instructions(case: Case, system: str, earlier: Task | None, why: str | None) -> str:
    """What the person lifting it by hand is told: what was restricted, and how it was."""
    done = f" (task {earlier.id}: {earlier.note or 'restricted by hand'})" if earlier else ""
    return (
        f"The restriction of this person's data asked for in {case.reference} is lifted"
        f" (GDPR Art. 18(3): the person has been told). It was marked in {system} by hand"
        f"{done}. Lift it there the same way, so the system processes the data again, then"
        " record what you did."
        if why is None
        else f"{why} Lift the restriction in {system} by hand (GDPR Art. 18(3): the person"
        " has been told), then record what you did."
    )
