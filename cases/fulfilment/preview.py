"""`cases fulfil REF --dry-run`: what carrying out the right would change, per system."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.fulfilment.common import require_ready
from cases.fulfilment.erasure import Entry, erase_customer, system_entries
from cases.fulfilment.rectification import check_corrections, require_placed
from cases.fulfilment.runner import READ_ONLY_KINDS, _next_kind, corrections_for
from cases.fulfilment.systems import (
    person_for,
    plan_systems,
    rectify_in_systems,
    restrict_in_systems,
)
from cases.register_lookup import subject_for_case
from cases.systems import ManualSystem
from cases.tasks import systems_for
from store.models import Case, Customer
from templates.labels import field_label
from templates.loader import show

LANG = "en"  # the preview is for the desk's staff at a terminal


def preview(
    session: Session,
    *,
    reference: str,
    controller: ControllerConfig,
    env: Mapping[str, str],
    now: datetime,
    kind: str | None = None,
    corrections: Mapping[str, str | None] | None = None,
) -> list[str]:
    """One line per system and change; nothing is written anywhere (the session rolls back)."""
    case = ops.get_case(session, reference)
    chosen = _next_kind(session, case, kind)
    require_ready(case)
    mapped = controller.systems_or_register()
    if chosen in READ_ONLY_KINDS:
        return [f"{case.reference} {chosen}: reads {s.name}; nothing changes" for s in mapped]
    customer = subject_for_case(session, case)
    if chosen == "rectification":
        wanted = check_corrections(corrections_for(case, corrections))
        require_placed(case, wanted, customer, controller)
        return _rectification(session, case, customer, wanted, controller, env, now)
    if chosen == "restriction":
        return _restriction(session, case, customer, controller, env, now)
    if chosen != "erasure":
        return [f"{case.reference} {chosen}: changes only the register; nothing else is touched"]
    lines: list[str] = []
    for system in mapped:
        if system.kind == "register":
            if customer is None:
                lines.append(f"{system.name}: no row about the requester; nothing changes")
                continue
            try:
                outcome = erase_customer(session, customer, now=now, lang=LANG)
            finally:
                session.rollback()
            lines += [f"{system.name}: would erase {text}" for text in outcome.erased(LANG)]
            lines += [
                f"{system.name}: would keep {k['item']} ({k['until'] or k['reason']})"
                for k in outcome.kept(LANG)
            ]
        elif isinstance(system, ManualSystem):
            lines.append(f"{system.name}: a task for {system.owner}; rightsdesk changes nothing")
    today = deadlines.receipt_date(now)
    for detail in plan_systems(mapped, env, person_for(case, customer), today):
        erased, kept = system_entries(detail)
        name = detail["system"]
        if not erased and not kept:
            lines.append(f"{name}: nothing about the requester; nothing changes")
        lines += [f"{name}: would erase {e.text(LANG).split(': ', 1)[1]}" for e in erased]
        lines += [f"{name}: would keep {e.text(LANG).split(': ', 1)[1]} ({_why(e)})" for e in kept]
    return lines


def _why(entry: Entry) -> str:
    """The law a hold names, or why a row is kept with another."""
    if "law" in entry.values:
        return str(entry.values["law"])
    return "kept with the row it belongs to"


def _rectification(
    session: Session,
    case: Case,
    customer: Customer | None,
    wanted: Mapping[str, str | None],
    controller: ControllerConfig,
    env: Mapping[str, str],
    now: datetime,
) -> list[str]:
    """What a rectification would change: the register's fields, then each `sql` system's."""
    register = controller.register_name.get(LANG)
    changes: list[dict[str, Any]] = [
        {"system": register, "field": field, "before": getattr(customer, field), "after": value}
        for field, value in wanted.items()
        if customer is not None and getattr(customer, field) != value
    ]
    changes += rectify_in_systems(
        session,
        case,
        systems=controller.systems_or_register(),
        env=env,
        person=person_for(case, customer),
        corrections=wanted,
        actor="preview",
        now=now,
        dry_run=True,
    )
    if not changes:
        return [f"{case.reference} rectification: nothing would change in any system"]
    return [
        f"{c['system']}: would change {field_label(c['field'], LANG)}:"
        f" {show(c['before'], LANG)} → {show(c['after'], LANG)}"
        for c in changes
    ]


def _restriction(
    session: Session,
    case: Case,
    customer: Customer | None,
    controller: ControllerConfig,
    env: Mapping[str, str],
    now: datetime,
) -> list[str]:
    """Where a restriction would be marked, and where a person would have to mark it."""
    mapped = controller.systems_or_register()
    register = next((s.name for s in mapped if s.kind == "register"), None)
    register = register or controller.register_name.get(LANG)
    lines = [
        f"{register}: would flag the customer restricted"
        if customer is not None
        else f"{register}: no row about the requester; nothing changes"
    ]
    for done in restrict_in_systems(
        session,
        case,
        systems=mapped,
        env=env,
        person=person_for(case, customer),
        actor="preview",
        now=now,
        dry_run=True,
    ):
        lines += [
            f"{done.system}: would restrict the rows of table {table} ({count})"
            for table, count in done.restricted.items()
        ]
        if done.unmapped:
            lines.append(
                f"{done.system}: holds the requester but maps no `restrict`: a task for"
                f" {controller.contact_person.email}; rightsdesk changes nothing there"
            )
    lines += [
        f"{s.name}: a task for {s.owner}; rightsdesk changes nothing"
        for s in systems_for(controller, "restriction")
    ]
    return lines
