"""What intake learnt of a case's sender, kept in `case.evidence["sender"]`, and its wording."""

from __future__ import annotations

from typing import Any

from store.models import Case


def sender_evidence(*, unclear: str | None, authenticated: bool, detail: str) -> dict[str, Any]:
    """What intake learnt of the sender, kept in the case's evidence under "sender"."""
    return {"unclear": unclear, "authenticated": authenticated and not unclear, "detail": detail}


def sender_note(case: Case) -> str | None:
    """The sender check in words for the contact person (Slack, `cases show`); None if none."""
    found = (case.evidence or {}).get("sender")
    if not isinstance(found, dict):
        return None
    if found.get("unclear"):
        return f"sender unclear: {found['unclear']}; not verified by address"
    if found.get("address_matches") and case.identity_status != "verified":
        return f"address matches, not authenticated ({found.get('detail')}); send the code"
    if found.get("authenticated"):
        return f"sender authenticated: {found.get('detail')}"
    return f"sender not authenticated: {found.get('detail')}"


def code_offered(case: Case) -> bool:
    """Whether the contact person should be offered the one-time code with one click."""
    found = (case.evidence or {}).get("sender")
    return (
        isinstance(found, dict)
        and bool(found.get("address_matches"))
        and case.identity_status != "verified"
    )
