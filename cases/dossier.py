"""The case dossier: one self-contained HTML file that shows a regulator how a request was handled.

It holds the facts of the procedure (design §1.4): the timeline, how the deadline was
reckoned (GDPR Art. 12(3), Reg. 1182/71 Art. 3), the identity check (Art. 12(6)), every
message received and sent, and whether the hash-chained audit trail is intact.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from sqlmodel import Session, col, select

from cases import deadlines
from cases import operations as ops
from cases.controller import ControllerConfig
from cases.deadlines import DeadlineTrace
from cases.tasks import list_tasks
from store.audit import verify_chain
from store.models import Attachment, Case, CaseEvent, CasePause, Message
from templates.labels import kind_label

TEMPLATE = "dossier.html.j2"


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local
    return env


def _local(value: datetime | None) -> str:
    """An aware time as Helsinki local time with its UTC offset, e.g. 2026-03-05 12:00 +02:00."""
    if value is None:
        return "–"
    return value.astimezone(deadlines.HELSINKI).strftime("%Y-%m-%d %H:%M:%S %z")


def _pauses(session: Session, case: Case) -> list[dict[str, Any]]:
    rows = session.exec(
        select(CasePause).where(CasePause.case_id == case.id).order_by(col(CasePause.id))
    ).all()
    out = []
    for p in rows:
        days = None
        if p.ended_at is not None:
            start, end = deadlines.receipt_date(p.started_at), deadlines.receipt_date(p.ended_at)
            days = max(0, (end - start).days)
        out.append(
            {
                "waiting_for": p.waiting_for,
                "reason": p.reason,
                "started": p.started_at,
                "ended": p.ended_at,
                "days": days,
            }
        )
    return out


def _deadline(case: Case, controller: ControllerConfig) -> dict[str, Any]:
    xmas = controller.christmas_eve_working
    base = deadlines.explain(
        case.receipt_date, paused_days=case.paused_days, christmas_eve_working=xmas
    )
    extended: DeadlineTrace | None = None
    if case.extended_due_date is not None:
        extended = deadlines.explain(
            case.receipt_date,
            months=deadlines.EXTENDED_MONTHS,
            paused_days=case.paused_days,
            christmas_eve_working=xmas,
        )
    return {
        "one_month": base,
        "extended": extended,
        "instant": deadlines.deadline_instant(case.effective_due_date),
        "christmas_eve_working": xmas,
    }


def _messages(session: Session, case: Case) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Message)
        .where(Message.case_id == case.id)
        .order_by(col(Message.received_at), col(Message.id))
    ).all()
    out = []
    for m in rows:
        files = session.exec(
            select(Attachment).where(Attachment.message_id == m.id).order_by(col(Attachment.id))
        ).all()
        out.append({"message": m, "attachments": list(files)})
    return out


def _detail(detail: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(key, text, long) for each item of an event's detail; long texts are shown preformatted."""
    items = []
    for key, value in detail.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
        items.append((key, text, "\n" in text or len(text) > 120))
    return items


def _systems(events: Sequence[CaseEvent]) -> dict[str, list[str]]:
    """Each system of the data map the case searched, with what was done there (no values)."""
    systems: dict[str, list[str]] = {}
    for event in events:
        detail = event.full_detail
        for name in detail.get("systems_searched") or []:
            systems.setdefault(str(name), [])
        name = str(detail.get("system", ""))
        if event.action in ("system_erased", "system_rectified") and name:
            verb = "erased" if event.action == "system_erased" else "rectified"
            note = f"{verb} {len(detail.get('changes', []))} row(s)"
            kept = sum(int(k.get("rows", 0)) for k in detail.get("kept", []))
            systems.setdefault(name, []).append(note + (f", kept {kept}" if kept else ""))
        elif event.action == "system_erasure_interrupted" and name:
            systems.setdefault(name, []).append(f"interrupted, found {detail.get('state')}")
        elif event.action == "waiting_for_system":
            systems.setdefault("(waiting)", []).append(str(detail.get("reason", "")))
    return systems


def build_dossier(
    session: Session, *, reference: str, now: datetime, controller: ControllerConfig
) -> str:
    """The dossier of one case as a complete HTML document (no external resources)."""
    case = ops.get_case(session, reference)
    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
    ).all()
    chain = verify_chain(session, case_id=case.id)
    extension = next((e for e in events if e.action == "extend"), None)
    deadline = _deadline(case, controller)
    context = {
        "case": case,
        "kinds": [kind_label(k, "en") for k in case.kinds],
        "controller": controller,
        "now": now,
        "deadline": deadline,
        "pauses": _pauses(session, case),
        "events": [{"event": e, "detail": _detail(e.full_detail)} for e in events],
        "messages": _messages(session, case),
        "identity_notes": [
            e.full_detail for e in events if e.action == "identity_documents_deleted"
        ],
        "codes_sent": [e for e in events if e.action == "verification_code_sent"],
        "extension_event": extension,
        # Art. 12(3): an extension is only possible within the first month.
        "extension_within": extension is not None
        and deadlines.receipt_date(extension.at) <= deadline["one_month"].due,
        "chain": chain,
        "systems": _systems(events),
        # Issue 15: what each manual system's owner was asked and answered.
        "tasks": [t for t, _ in list_tasks(session, case=case)],
    }
    return _environment().get_template(TEMPLATE).render(context)


def write_dossier(
    session: Session,
    *,
    reference: str,
    now: datetime,
    controller: ControllerConfig,
    path: Path,
) -> Path:
    """Write the dossier to `path` (UTF-8) and return the path."""
    html = build_dossier(session, reference=reference, now=now, controller=controller)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
