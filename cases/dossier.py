"""The case dossier: one self-contained HTML file that shows a regulator how a request was handled.

It holds the facts of the procedure (design §1.4): whether the answer came in time, who
decided what, how the deadline was reckoned (GDPR Art. 12(3), Reg. 1182/71 Art. 3), the
identity check (Art. 12(6)), what an erasure kept and until when, the Art. 19 notices and
their confirmations, the person's related cases, every message received and sent, and
whether the hash-chained audit trail is intact. In the case's language and in English.
"""

from __future__ import annotations

import functools
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
from cases.dossier_labels import table_label
from cases.dossier_text import (
    action_label,
    day_reason,
    detail_label,
    rule_text,
    status_label,
    system_state,
    texts,
    yes_no,
)
from cases.dossier_values import outcome_text, right_label, sentence_text, value_label
from cases.drafts import FINAL_TEMPLATES
from cases.lifecycle import ACTIVE_STATUSES, Status
from cases.related import related_cases
from cases.tasks import list_tasks
from store.actions import AuditAction
from store.audit import verify_chain
from store.models import Attachment, Case, CaseEvent, CasePause, Message, Outbox
from templates.labels import LANGUAGES as LANGUAGE_CODES
from templates.labels import kept_reason

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
    env.globals.update(
        status_label=status_label,
        action_label=action_label,
        day_reason=day_reason,
        rule_text=rule_text,
        kept_reason=kept_reason,
        # A task or fulfilment may name the opt-out a right was carried out as.
        kind_label=right_label,
        value_label=value_label,
        outcome_text=outcome_text,
        sentence_text=sentence_text,
        detail_items=detail_items,
    )
    return env


def _local(value: datetime | None) -> str:
    """An aware time as Helsinki local time with its UTC offset, e.g. 2026-03-05 12:00 +02:00."""
    if value is None:
        return "–"
    return value.astimezone(deadlines.HELSINKI).strftime("%Y-%m-%d %H:%M:%S %z")


def _pauses(session: Session, case: Case, events: Sequence[CaseEvent]) -> list[dict[str, Any]]:
    # A pause's words in each language come from its event's code, when it recorded one.
    coded = {
        (e.at, e.full_detail.get("reason")): e.full_detail
        for e in events
        if e.action == AuditAction.PAUSE
    }
    rows = session.exec(
        select(CasePause).where(CasePause.case_id == case.id).order_by(col(CasePause.id))
    ).all()
    out = []
    for p in rows:
        days = None
        if p.ended_at is not None:
            start, end = deadlines.receipt_date(p.started_at), deadlines.receipt_date(p.ended_at)
            days = max(0, (end - start).days)
        detail = coded.get((p.started_at, p.reason)) or {}
        out.append(
            {
                "waiting_for": p.waiting_for,
                "reason": p.reason,
                "reason_code": detail.get("reason_code"),
                "reason_params": detail.get("reason_params"),
                "started": p.started_at,
                "ended": p.ended_at,
                "days": days,
            }
        )
    return out


def _identity_event(case: Case, events: Sequence[CaseEvent]) -> dict[str, Any]:
    """The detail of the verification whose reason the case holds (its code, if recorded)."""
    for event in reversed(events):
        detail = event.full_detail
        if event.action == AuditAction.VERIFY and detail.get("reason") == case.identity_reason:
            return detail
    return {}


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
        out.append({"message": m, "attachments": list(files), **_delivery(session, m)})
    return out


def _delivery(session: Session, message: Message) -> dict[str, Any]:
    """Whether a mail of ours went out: sent only once the outbox recorded `sent_at`.

    A Message row of ours is written when the mail is queued (cases.outbox), so its time
    is the queueing, not the sending; mail without an outbox row (a copy from the Sent
    folder) was sent at its Date: header.
    """
    if message.direction != "out":
        return {"state": "in", "at": message.received_at}
    row = session.exec(select(Outbox).where(Outbox.message_id == message.message_id)).first()
    if row is None:
        return {"state": "sent", "at": message.sent_at or message.received_at}
    if row.sent_at is not None:
        return {"state": "sent", "at": row.sent_at}
    return {"state": "failed" if row.status == "failed" else "queued", "at": message.received_at}


# Detail that the dossier shows elsewhere (the reply's context, the decision) or that is
# internal bookkeeping: never dumped as raw JSON for a regulator (issue 14.9).
_HIDDEN_DETAIL = frozenset({"reply_context", "decision", "draft_id", "extra_context"})


# Detail items that count rows per table: the tables are named as tables, not as detail,
# and a table's name is an identifier of its system, kept as it is there (wp_users).
_TABLE_COUNTS = frozenset({"found", "rows", "restricted", "restored"})


def _plain(value: Any, lang: str, key: str = "") -> str:
    """A detail value as readable text in `lang`: lists joined, mappings as "key: value"."""
    if key == "rows" and isinstance(value, list):  # each changed row's values (personal part)
        return "\n".join(_row_change(row, lang) for row in value) if value else "–"
    if isinstance(value, dict):
        if key in _TABLE_COUNTS:
            return "; ".join(f"{table_label(str(t), lang)}: {n}" for t, n in value.items())
        if key == "systems":  # the data map's systems: name, kind and rows per table
            return "; ".join(_system_text(str(n), part, lang) for n, part in value.items())
        if key == "added":  # an opt-out's addresses and the scopes added for each
            return "; ".join(f"{a}: {_scopes(v, lang)}" for a, v in value.items())
        return "; ".join(f"{detail_label(k, lang)}: {_plain(v, lang, k)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v, lang, key) for v in value) if value else "–"
    if value is None:
        return "–"
    if isinstance(value, bool):
        return yes_no(value, lang)
    if key in _CODE_VALUED and isinstance(value, str):  # e.g. a change's action, "update"
        return value_label(value, lang)
    return str(value)


def _row_change(row: Any, lang: str) -> str:
    """One changed row: "taulu wp_users, avain 1: user_status 0 → 1" (names as in the system)."""
    if not isinstance(row, dict):
        return _plain(row, lang)
    before = row["before"] if isinstance(row.get("before"), dict) else {}
    after = row["after"] if isinstance(row.get("after"), dict) else None
    where = f"{table_label(str(row.get('table', '–')), lang)}, {_key_word(lang)} {row.get('key')}"
    if after is None:  # the row was deleted: only what it held before
        cells = ", ".join(f"{c} {_cell(v)}" for c, v in before.items())
        return f"{where}: {value_label('delete', lang)} ({cells})"
    columns = dict.fromkeys([*before, *after])
    cells = ", ".join(f"{c} {_cell(before.get(c))} → {_cell(after.get(c))}" for c in columns)
    return f"{where}: {cells}"


def _key_word(lang: str) -> str:
    """The word for a row's key in `lang`, lower case inside a line."""
    return detail_label("key", lang).lower()


def _cell(value: Any) -> str:
    """A column's value as stored: NULL as "–", an empty text as "" so it is seen."""
    if value is None:
        return "–"
    return '""' if value == "" else str(value)


def _scopes(value: Any, lang: str) -> str:
    """An opt-out's scope codes (one or a list) named in `lang`."""
    codes = value if isinstance(value, list | tuple) else [value]
    return ", ".join(value_label(str(code), lang) for code in codes)


def _system_text(name: str, part: Any, lang: str) -> str:
    """One system of a detail's `systems`: "Name (kind): table orders: 2" in `lang`."""
    if not isinstance(part, dict):
        return f"{name}: {_plain(part, lang)}"
    rows = _plain(part.get("rows") or {}, lang, "rows") or "–"
    return f"{name} ({value_label(str(part.get('kind', '–')), lang)}): {rows}"


# Detail items whose values are codes the dossier already names in each language.
_KIND_VALUED = frozenset({"kind", "kinds", "task_kind"})
_STATUS_VALUED = frozenset({"status", "channel", "state", "method", "waiting_for", "ground"})
# Templates, languages, a register row's or a task's result: value codes (dossier_values).
_CODE_VALUED = frozenset(
    {"form", "scopes", "template", "language", "customer_outcome", "result", "action"}
)
# An interrupted run's finding: "state" of its own event, "interrupted" of the one it finished.
_FOUND = frozenset({"state", "interrupted"})
# Times recorded as ISO text: shown in Helsinki time like every other time of the dossier.
_TIME_VALUED = frozenset({"original_date", "informed_at", "expires_at"})


def _local_text(value: str) -> str:
    """An ISO time of a detail in Helsinki time; anything else as it is."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return _local(parsed) if parsed.tzinfo is not None else value


# A sentence's code and parameters: shown through the sentence they name, not on their own.
_CODED = ("_code", "_params")


def detail_items(detail: dict[str, Any], lang: str) -> list[tuple[str, str, bool]]:
    """(name, text, long) for each item of an event's detail in `lang`; long texts preformatted."""
    items = []
    for key, value in detail.items():
        if key in _HIDDEN_DETAIL or value in (None, "", [], {}) or key.endswith(_CODED):
            continue
        # What a run found in a system after a crash (SqlConnector.state), in words.
        found = system_state(value, lang) if key in _FOUND and isinstance(value, str) else None
        if f"{key}_code" in detail and isinstance(value, str):
            code, params = detail[f"{key}_code"], detail.get(f"{key}_params")
            text = sentence_text(value, code, params, lang)
        elif key == "outcome" and isinstance(value, str):
            text = outcome_text(value, lang)
        elif key in _KIND_VALUED:
            codes = value if isinstance(value, list | tuple) else [value]
            text = ", ".join(right_label(str(code), lang) for code in codes)
        elif found is not None:
            text = found
        elif key in _STATUS_VALUED and isinstance(value, str):
            text = status_label(value, lang)
        elif key in _CODE_VALUED:
            codes = value if isinstance(value, list | tuple) else [value]
            text = ", ".join(value_label(str(code), lang) for code in codes)
        elif key in _TIME_VALUED and isinstance(value, str):
            text = _local_text(value)
        else:
            text = _plain(value, lang, key)
        items.append((detail_label(key, lang), text, "\n" in text or len(text) > 120))
    return items


# A crash's next run said what it found in the system (SqlConnector.state).
_INTERRUPTED = (
    AuditAction.SYSTEM_ERASURE_INTERRUPTED,
    AuditAction.SYSTEM_RESTRICTION_INTERRUPTED,
    AuditAction.SYSTEM_RESTRICTION_LIFT_INTERRUPTED,
)


def _systems(events: Sequence[CaseEvent]) -> dict[str, list[dict[str, Any]]]:
    """Each system of the data map the case searched, with what was done there (no values)."""
    systems: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        detail = event.full_detail
        for name in detail.get("systems_searched") or []:
            systems.setdefault(str(name), [])
        name = str(detail.get("system", ""))
        if event.action in (AuditAction.SYSTEM_ERASED, AuditAction.SYSTEM_RECTIFIED) and name:
            kept = sum(int(k.get("rows", 0)) for k in detail.get("kept", []))
            done = _note(event.action, rows=len(detail.get("changes", [])), kept=kept)
            systems.setdefault(name, []).append(done)
        elif event.action == AuditAction.SYSTEM_RESTRICTED and name:
            # The rows that hold the restriction, also those that held its values already.
            rows = sum(int(n) for n in (detail.get("restricted") or {}).values())
            systems.setdefault(name, []).append(_note(event.action, rows=rows))
        elif event.action == AuditAction.SYSTEM_RESTRICTION_LIFTED and name:
            rows = len(detail.get("changes") or [])
            systems.setdefault(name, []).append(_note(event.action, rows=rows))
        elif event.action in _INTERRUPTED and name:
            found = _note(event.action, state=str(detail.get("state", "")))
            systems.setdefault(name, []).append(found)
        elif event.action == AuditAction.WAITING_FOR_SYSTEM:
            waiting = _note(event.action, reason=str(detail.get("reason", "")))
            systems.setdefault(name or "–", []).append(waiting)
    return systems


def _note(
    what: str, *, rows: int = 0, kept: int = 0, state: str = "", reason: str = ""
) -> dict[str, Any]:
    """One line of what was done in a system; every key present (the template is strict)."""
    return {"what": what, "rows": rows, "kept": kept, "state": state, "reason": reason}


def _answered(session: Session, case: Case, events: list[CaseEvent]) -> dict[str, Any] | None:
    """When the requester got the whole answer: the last answering mail, or a recorded one.

    A case whose rights are not all answered (one added in its thread later, say) is not
    answered yet, whatever an earlier reply said; and its answer is the last one, on time
    or not (Art. 12(3)).
    """
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.action in (AuditAction.RESPOND, AuditAction.REFUSE):
            before = events[index - 1] if index else None
            if before is not None and _answering_mail(before):
                continue  # the approval of the mail just before it: that mail is the answer
            if Status(case.status) in ACTIVE_STATUSES:
                return None  # answered outside, then reopened: owed again
            return {"at": event.at, "how": "how_outside", "by": event.actor}
        if _answering_mail(event):
            row = session.exec(
                select(Outbox).where(Outbox.message_id == event.full_detail.get("message_id"))
            ).first()
            if row is not None and row.sent_at is None:
                # Approved is not answered: the requester has the reply once it is sent.
                return {"queued": event.at, "failed": row.status == "failed"}
            if Status(case.status) in ACTIVE_STATUSES:
                return None  # part of the answer went out; a right is still owed
            at = row.sent_at if row is not None else event.at
            return {"at": at, "how": "how_mail", "by": event.actor}
    return None


def _answering_mail(event: CaseEvent) -> bool:
    """Whether the event approved a reply that answers (a final reply or a refusal)."""
    return (
        event.action == AuditAction.REPLY_APPROVED and event.full_detail.get("template") in _ANSWERS
    )


_ANSWERS = FINAL_TEMPLATES | {"refusal"}


def _compliance(
    session: Session, case: Case, events: list[CaseEvent], now: datetime
) -> dict[str, Any]:
    """Received, due, answered on, and on time or late by how many days (Art. 12(3))."""
    answered = _answered(session, case, events)
    due = case.effective_due_date
    if answered is not None and "queued" not in answered:
        day = deadlines.receipt_date(answered["at"])
        return {**answered, "day": day, "late_days": max(0, (day - due).days), "open": False}
    today = deadlines.receipt_date(now)
    waiting = answered or {"queued": None, "failed": False}
    return {"open": True, "late_days": max(0, (today - due).days), **waiting}


def _forwarded(events: list[CaseEvent]) -> dict[str, Any] | None:
    """Who forwarded the request to the privacy mailbox, and whether its receipt is theirs."""
    for event in events:
        # A forward that joined an open case (`joined`) left the case's receipt as it was.
        if event.action == AuditAction.FORWARDED_REQUEST and not event.full_detail.get("joined"):
            detail = event.full_detail
            return {
                "by": str(detail.get("forwarded_by") or "–"),
                "at": event.at,
                "original": bool(detail.get("receipt_from_original")),
            }
    return None


_DECISIONS = (
    AuditAction.EXTEND,
    AuditAction.VERIFY,
    AuditAction.FULFIL,
    AuditAction.REFUSE,
    AuditAction.REPLY_APPROVED,
    AuditAction.RECIPIENT_NOTIFIED,
)


def _decisions(events: list[CaseEvent]) -> list[dict[str, Any]]:
    """Each decision of the case and who made it (design §1.4: the facts of the procedure)."""
    out = []
    for event in events:
        if event.action not in _DECISIONS:
            continue
        detail = event.full_detail
        # The right carried out, the recipient told, or how identity was checked.
        what = (
            detail.get("to")
            if event.action == AuditAction.RECIPIENT_NOTIFIED
            else detail.get("method")
        )
        out.append(
            {
                "action": event.action,
                "kind": str(detail.get("kind") or "") if event.action == AuditAction.FULFIL else "",
                "method": str(detail.get("method") or "")
                if event.action == AuditAction.VERIFY
                else "",
                "what": str(what or "").replace("_", " "),
                "by": event.actor,
                "at": event.at,
            }
        )
    return out


def _kept(events: list[CaseEvent], lang: str) -> dict[str, Any] | None:
    """The erasure decision in `lang`: what was erased, what is kept, why, until when."""
    for event in events:
        detail = event.full_detail
        if event.action == AuditAction.FULFIL and detail.get("kind") == "erasure":
            by_language = detail.get("decision") or {}
            chosen = by_language.get(lang) or detail.get("reply_context") or {}
            return {"erased": chosen.get("erased", []), "kept": chosen.get("kept", [])}
    return None


def _notices(session: Session, case: Case, events: list[CaseEvent]) -> list[dict[str, Any]]:
    """The Art. 19 notices: to whom, when sent, and the recipient's confirmation by reply."""
    replies = session.exec(
        select(Message)
        .where(Message.case_id == case.id, Message.direction == "in")
        .order_by(col(Message.received_at), col(Message.id))
    ).all()
    out: list[dict[str, Any]] = []
    for event in events:
        detail = event.full_detail
        if event.action == AuditAction.RECIPIENT_NOTICE_NEEDED:
            for name in detail.get("recipients") or []:
                out.append({"recipient": str(name), "no_address": True})
            continue
        if event.action != AuditAction.RECIPIENT_NOTIFIED:
            continue
        message_id = str(detail.get("message_id") or "")
        row = session.exec(select(Outbox).where(Outbox.message_id == message_id)).first()
        bare = message_id.strip("<>")
        to = str(detail.get("to") or "").lower()
        confirmed = next(
            (
                m
                for m in replies
                if (m.in_reply_to or "").strip("<>") == bare
                or (bare and bare in [r.strip("<>") for r in m.references])
                or (to and (m.from_addr or "").lower() == to and m.received_at >= event.at)
            ),
            None,
        )
        out.append(
            {
                "recipient": to,
                "no_address": False,
                "sent": row.sent_at if row is not None else None,
                "queued": event.at,
                "confirmed": confirmed.received_at if confirmed is not None else None,
                "confirmation": (confirmed.stripped_text or confirmed.body_text or "")[:300]
                if confirmed is not None
                else "",
            }
        )
    return out


def _version(case: Case, lang: str, events: list[CaseEvent]) -> dict[str, Any]:
    """What differs between the language versions: the words and the erasure decision."""
    return {
        "lang": lang,
        "t": texts(lang),
        "kinds": [right_label(k, lang) for k in case.kinds],
        "kept": _kept(events, lang),
    }


def build_dossier(
    session: Session, *, reference: str, now: datetime, controller: ControllerConfig
) -> str:
    """The dossier of one case as a complete HTML document (no external resources).

    In the case's language first, then in English (issue 14.9), from the same facts.
    """
    case = ops.get_case(session, reference)
    events = list(
        session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
        ).all()
    )
    chain = verify_chain(session, case_id=case.id)
    extension = next((e for e in events if e.action == AuditAction.EXTEND), None)
    deadline = _deadline(case, controller)
    languages = [case.language] if case.language in LANGUAGE_CODES else []
    versions = [_version(case, lang, events) for lang in dict.fromkeys([*languages, "en"])]
    context = {
        "case": case,
        "versions": versions,
        "controller": controller,
        "now": now,
        "deadline": deadline,
        "compliance": _compliance(session, case, events, now),
        "forwarded": _forwarded(events),
        "decisions": _decisions(events),
        "notices": _notices(session, case, events),
        "related": related_cases(session, case),
        "pauses": _pauses(session, case, events),
        "identity_event": _identity_event(case, events),
        "events": [{"event": e, "detail": e.full_detail} for e in events],
        "messages": _messages(session, case),
        "identity_notes": [
            e.full_detail for e in events if e.action == AuditAction.IDENTITY_DOCUMENTS_DELETED
        ],
        "codes_sent": [e for e in events if e.action == AuditAction.VERIFICATION_CODE_SENT],
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
