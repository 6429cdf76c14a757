"""Fulfilment across the data map: copy from, erase, rectify and restrict in `sql` systems.

Each system's erasure is one transaction there, and the desk records it in two steps: the
plan before (committed), the outcome after, each in the trail and in the case's
`system_erasure` row. After a crash in between, the next run compares the row's plan with the
system and records whether it was left unchanged or fully changed. A restriction is recorded
the same way in the trail (`system_restriction_started` with the values before, then
`system_restricted`), so a crash in between cannot lose what lifting it puts back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from cases.errors import Waiting
from cases.sql_connector import Person, PlanChanged, SqlConnector, SqlPlan, plain
from cases.systems import ManualSystem, SqlSystem, System
from store.actions import AuditAction
from store.audit import append_event
from store.models import Case, CaseEvent, Customer, SystemErasure

__all__ = [
    "erase_in_systems",
    "person_for",
    "plan_systems",
    "read_systems",
    "restrict_in_systems",
    "sql_systems",
    "systems_section",
]

REPLANS = 3  # a system that changes under every plan makes the case wait, not loop


def sql_systems(systems: Sequence[System]) -> list[SqlSystem]:
    """The `sql` systems of the data map, in its order."""
    return [s for s in systems if isinstance(s, SqlSystem)]


def person_for(case: Case, customer: Customer | None) -> Person:
    """Whom the systems look for: the requester's and the register's address, and the name."""
    emails = tuple(e for e in {case.requester_email, customer and customer.email} if e)
    name = (customer.name if customer is not None else None) or case.requester_name
    return Person(emails=emails, name=name)


@contextmanager
def connected(system: SqlSystem, env: Mapping[str, str]) -> Iterator[SqlConnector]:
    """A connector for one system, its engine closed afterwards."""
    connector = SqlConnector(system, env)
    try:
        yield connector
    finally:
        connector.dispose()


def read_systems(
    systems: Sequence[System], env: Mapping[str, str], person: Person, *, portability: bool = False
) -> dict[str, dict[str, Any]]:
    """One section per system of the data map (Art. 15(3)): its rows, or its task."""
    sections: dict[str, dict[str, Any]] = {}
    for system in systems:
        if isinstance(system, SqlSystem):
            with connected(system, env) as connector:
                tables = connector.read(person, portability=portability)
            sections[system.name] = {"name": system.name, "kind": "sql", "tables": tables}
        elif isinstance(system, ManualSystem):
            # A person searches it; the task's outcome is added to this section.
            sections[system.name] = {"name": system.name, "kind": "manual", "owner_task": True}
    return sections


def systems_section(sections: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The searched systems for the audit trail: names and rows per table, no values."""
    return {
        name: {
            "kind": section["kind"],
            "rows": {t: len(rows) for t, rows in section.get("tables", {}).items()},
        }
        for name, section in sections.items()
    }


def _progress(session: Session, case: Case) -> dict[str, SystemErasure]:
    """How far the case's erasure got, per system (a row from its first plan on)."""
    rows = session.exec(select(SystemErasure).where(SystemErasure.case_id == case.id)).all()
    return {row.system: row for row in rows}


def _mark(
    session: Session,
    case: Case,
    system: str,
    now: datetime,
    *,
    plan: dict[str, Any] | None = None,
    outcome: dict[str, Any] | None = None,
) -> None:
    """Record the plan (started) or the outcome (erased) in the caller's transaction."""
    row = session.exec(
        select(SystemErasure).where(
            SystemErasure.case_id == case.id, SystemErasure.system == system
        )
    ).first()
    if row is None:
        row = SystemErasure(
            case_id=case.id or 0, system=system, state="started", plan=plan or {}, started_at=now
        )
    if plan is not None:
        row.state, row.plan, row.started_at = "started", plan, now
    if outcome is not None:
        row.state, row.outcome, row.finished_at = "erased", outcome, now
    session.add(row)


def _plan_detail(plan: SqlPlan) -> dict[str, Any]:
    return {
        "system": plan.system,
        "changes": [c.describe() for c in plan.changes],
        "kept": [
            {
                "table": k.table,
                "rows": k.rows,
                "reason": k.reason,
                "law": k.law,
                "until": k.until.isoformat() if k.until else None,
            }
            for k in plan.kept
        ],
        "found": plan.found,
    }


def plan_systems(
    systems: Sequence[System], env: Mapping[str, str], person: Person, today: date
) -> list[dict[str, Any]]:
    """What an erasure would change in each `sql` system (`cases fulfil --dry-run`)."""
    plans = []
    for system in sql_systems(systems):
        with connected(system, env) as connector:
            plans.append(_plan_detail(connector.erase(person, today, dry_run=True)))
    return plans


def erase_in_systems(
    session: Session,
    case: Case,
    *,
    systems: Sequence[System],
    env: Mapping[str, str],
    person: Person,
    actor: str,
    now: datetime,
    today: date,
) -> list[dict[str, Any]]:
    """Erase in each `sql` system, one transaction each; returns each system's outcome detail.

    The desk's own transaction is committed around each system (plan, then outcome), so the
    case always says how far the erasure got.
    """
    outcomes: list[dict[str, Any]] = []
    progress = _progress(session, case)
    for system in sql_systems(systems):
        row = progress.get(system.name)
        if row is not None and row.state == "erased":
            outcomes.append(dict(row.outcome or {}))
            continue
        with connected(system, env) as connector:
            state = None
            if row is not None:
                planned = {k: v for k, v in row.plan.items() if k != "replanned"}
                state = _interrupted(session, case, planned, connector, actor, now)
                if state == "fully changed":
                    # The crashed run wrote exactly the plan recorded before it (see _apply).
                    detail = {**planned, "interrupted": state}
                    append_event(
                        session,
                        case_id=case.id,
                        actor=actor,
                        action=AuditAction.SYSTEM_ERASED,
                        detail=detail,
                        at=now,
                    )
                    _mark(session, case, system.name, now, outcome=detail)
                    session.commit()
                    outcomes.append(detail)
                    continue
            outcomes.append(_apply(session, case, connector, person, actor, now, today, state))
    return outcomes


def _apply(
    session: Session,
    case: Case,
    connector: SqlConnector,
    person: Person,
    actor: str,
    now: datetime,
    today: date,
    state: str | None,
) -> dict[str, Any]:
    """Record the plan, then carry out exactly it; the outcome is what the system did.

    The system is searched again inside the erasing transaction; if it changed since the
    plan (a new order), the new plan is recorded first and carried out instead, so the
    recorded plan, the outcome and the reply always describe the rows really changed.
    """
    plan = connector.erase(person, today, dry_run=True)
    for attempt in range(REPLANS):
        detail = _plan_detail(plan)
        if attempt:
            detail["replanned"] = True  # the system changed after the previous plan
        append_event(
            session,
            case_id=case.id,
            actor=actor,
            action=AuditAction.SYSTEM_ERASURE_STARTED,
            detail=detail,
            at=now,
        )
        _mark(session, case, connector.name, now, plan=detail)
        session.commit()
        try:
            connector.apply(plan, person, today)  # one transaction in the system
        except PlanChanged as changed:
            plan = changed.plan
            continue
        detail = _plan_detail(plan)
        if state:
            detail["interrupted"] = state
        _mark(session, case, connector.name, now, outcome=detail)
        record_changes(session, case, AuditAction.SYSTEM_ERASED, plan, detail, actor=actor, now=now)
        return detail
    raise Waiting(f"{connector.name} changed during each of {REPLANS} tries to erase; try again")


def record_changes(
    session: Session,
    case: Case,
    action: AuditAction,
    plan: SqlPlan,
    detail: dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> None:
    """Record what one system's transaction changed, and commit.

    The chain keeps each row's digests before and after (in `detail`). A rectification's
    values go in the purgeable personal part, as the record of what was corrected; an
    erasure's do not: a copy of the erased data kept in the desk (and shown in its dossier)
    would undo the erasure (Art. 17(1), and Art. 5(1)(c) for what the record needs).
    """
    keep_values = action != AuditAction.SYSTEM_ERASED
    append_event(
        session,
        case_id=case.id,
        actor=actor,
        action=action,
        detail=detail,
        personal=_jsonable({"rows": _rows(plan)}) if keep_values else None,
        at=now,
    )
    session.commit()


def _rows(plan: SqlPlan) -> list[dict[str, Any]]:
    """Each changed row's table, key, and values before and after (personal data)."""
    return [
        {"table": c.table, "key": str(c.key), "before": c.before, "after": c.after}
        for c in plan.changes
    ]


def _interrupted(
    session: Session,
    case: Case,
    planned: dict[str, Any],
    connector: SqlConnector,
    actor: str,
    now: datetime,
    *,
    action: AuditAction = AuditAction.SYSTEM_ERASURE_INTERRUPTED,
) -> str:
    """An erasure (or restriction) that began before a crash: whether its plan is in the system."""
    changes = planned.get("changes") or []
    state = connector.state(changes) if changes else "unchanged"
    append_event(
        session,
        case_id=case.id,
        actor=actor,
        action=action,
        detail={"system": connector.name, "state": state},
        at=now,
    )
    session.commit()
    return state


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return plain(value)


def record_waiting(
    session: Session, case: Case, *, error: Waiting, actor: str, now: datetime
) -> None:
    """The case waits for a system that is down: said in the trail, nothing else changes."""
    append_event(
        session,
        case_id=case.id,
        actor=actor,
        action=AuditAction.WAITING_FOR_SYSTEM,
        detail={"reason": str(error)},
        at=now,
    )
    session.commit()


def rectify_in_systems(
    session: Session,
    case: Case,
    *,
    systems: Sequence[System],
    env: Mapping[str, str],
    person: Person,
    corrections: Mapping[str, str | None],
    actor: str,
    now: datetime,
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """Apply the corrections in each `sql` system (one transaction each, Art. 16), recorded.

    Returns the changes as the reply lists them (Art. 12(3)): per system and desk field, the
    values before and the value after. With `dry_run` nothing is changed or recorded.
    """
    changes: list[dict[str, Any]] = []
    for system in sql_systems(systems):
        with connected(system, env) as connector:
            plan = connector.rectify(person, corrections, dry_run=dry_run)
        if not dry_run:
            detail = _plan_detail(plan)
            record_changes(
                session, case, AuditAction.SYSTEM_RECTIFIED, plan, detail, actor=actor, now=now
            )
        changes += _reply_changes(system, plan)
    return changes


@dataclass(frozen=True)
class SystemRestriction:
    """What a restriction did in one `sql` system that holds the person."""

    system: str
    restricted: dict[str, int]  # the person's rows per table that now hold the `restrict` values
    unmapped: dict[str, int]  # rows found in tables without `restrict`, when none has it


def restrict_in_systems(
    session: Session,
    case: Case,
    *,
    systems: Sequence[System],
    env: Mapping[str, str],
    person: Person,
    actor: str,
    now: datetime,
    dry_run: bool = False,
) -> list[SystemRestriction]:
    """Mark the person's rows restricted in each `sql` system (Art. 18), one transaction each.

    Recorded like an erasure, in two steps: the plan with the rows' values before and after
    (their digests in the trail, the values in the purgeable personal part: what lifting it
    restores, cases.fulfilment.lifting), committed before the system is changed; then the
    outcome. After a crash in between, the next run compares the plan with the system. A
    system that holds the person in no table with `restrict` is changed in nothing and
    returned with `unmapped`, for a person to do it by hand. With `dry_run` nothing changes.
    """
    done: list[SystemRestriction] = []
    for system in sql_systems(systems):
        marked = {t.table for t in system.tables if t.restrict}
        with connected(system, env) as connector:
            if dry_run:
                plan = connector.restrict(person)
                detail = {**_plan_detail(plan), "restricted": _restricted(plan.found, marked)}
            else:
                detail = _restrict(session, case, connector, person, marked, actor, now)
        restricted: dict[str, int] = detail["restricted"]
        held = {t: n for t, n in detail["found"].items() if n}
        if restricted or held:
            done.append(SystemRestriction(system.name, restricted, {} if restricted else held))
    return done


def _restricted(found: Mapping[str, int], marked: set[str]) -> dict[str, int]:
    """The person's rows per table with `restrict`: all of them hold its values once done."""
    return {t: n for t, n in found.items() if n and t in marked}


def _restrict(
    session: Session,
    case: Case,
    connector: SqlConnector,
    person: Person,
    marked: set[str],
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Restrict in one system: record the plan, carry out exactly it, record the outcome.

    Without the plan recorded first, a crash after the system's commit would leave a next
    run finding the rows restricted already, and the values before, which lifting puts
    back (Art. 18(3)), would be lost.
    """
    state, finished = finish_interrupted(session, case, connector, RESTRICTION, actor, now)
    if finished is not None:
        return finished
    plan = connector.restrict(person)
    for attempt in range(REPLANS):
        detail = {**_plan_detail(plan), "restricted": _restricted(plan.found, marked)}
        if attempt:
            detail["replanned"] = True  # the system changed after the previous plan
        if plan.changes:
            record_plan(session, case, RESTRICTION.started, plan, detail, actor, now)
            try:
                connector.apply_restriction(plan, person)  # one transaction in the system
            except PlanChanged as changed:
                plan = changed.plan
                continue
        if state:
            detail["interrupted"] = state
        if detail["restricted"] or state:
            record_changes(
                session, case, AuditAction.SYSTEM_RESTRICTED, plan, detail, actor=actor, now=now
            )
        return detail
    raise Waiting(f"{connector.name} changed during each of {REPLANS} tries to restrict; try again")


def pending_plan(
    session: Session, case: Case, system: str, *, started: AuditAction, done: AuditAction
) -> CaseEvent | None:
    """The system's last recorded plan (`started`), when no outcome (`done`) came after it."""
    events = session.exec(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, col(CaseEvent.action).in_((started, done)))
        .order_by(col(CaseEvent.id))
    ).all()
    last = next((e for e in reversed(events) if e.detail.get("system") == system), None)
    return last if last is not None and last.action == started else None


@dataclass(frozen=True)
class PlanActions:
    """The trail's actions of one crash-safe change in a system: its plan, outcome and crash."""

    started: AuditAction
    done: AuditAction
    interrupted: AuditAction


RESTRICTION = PlanActions(
    AuditAction.SYSTEM_RESTRICTION_STARTED,
    AuditAction.SYSTEM_RESTRICTED,
    AuditAction.SYSTEM_RESTRICTION_INTERRUPTED,
)
LIFTING = PlanActions(
    AuditAction.SYSTEM_RESTRICTION_LIFT_STARTED,
    AuditAction.SYSTEM_RESTRICTION_LIFTED,
    AuditAction.SYSTEM_RESTRICTION_LIFT_INTERRUPTED,
)


def finish_interrupted(
    session: Session,
    case: Case,
    connector: SqlConnector,
    actions: PlanActions,
    actor: str,
    now: datetime,
) -> tuple[str | None, dict[str, Any] | None]:
    """A plan a crash left without its outcome: its state in the system, and its outcome
    recorded from the plan (values before too) when the system was fully changed."""
    started = pending_plan(
        session, case, connector.name, started=actions.started, done=actions.done
    )
    if started is None:
        return None, None
    planned = {k: v for k, v in started.detail.items() if k != "replanned"}
    state = _interrupted(session, case, planned, connector, actor, now, action=actions.interrupted)
    if state != "fully changed":
        return state, None
    # The crashed run wrote exactly the plan recorded before it.
    detail = {**planned, "interrupted": state}
    append_event(
        session,
        case_id=case.id,
        actor=actor,
        action=actions.done,
        detail=detail,
        personal=started.personal,
        at=now,
    )
    session.commit()
    return state, detail


def record_plan(
    session: Session,
    case: Case,
    action: AuditAction,
    plan: SqlPlan,
    detail: dict[str, Any],
    actor: str,
    now: datetime,
) -> None:
    """Commit the plan, each row's values before and after, before the system is changed."""
    append_event(
        session,
        case_id=case.id,
        actor=actor,
        action=action,
        detail=detail,
        personal=_jsonable({"rows": _rows(plan)}),
        at=now,
    )
    session.commit()


def _reply_changes(system: SqlSystem, plan: SqlPlan) -> list[dict[str, Any]]:
    """One line per corrected field: each distinct value before, and the value after."""
    field_of = {(t.table, column): f for t in system.tables for f, column in t.rectify.items()}
    before: dict[str, list[Any]] = {}
    after: dict[str, Any] = {}
    for change in plan.changes:
        for column, value in (change.after or {}).items():
            field = field_of[(change.table, column)]
            old = plain(change.before[column])
            if old not in before.setdefault(field, []):
                before[field].append(old)
            after[field] = value
    return [
        {
            "system": system.name,
            "field": field,
            "before": olds[0] if len(olds) == 1 else olds,
            "after": after[field],
        }
        for field, olds in before.items()
    ]
