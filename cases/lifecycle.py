"""The case lifecycle: statuses and the one table of legal transitions."""

from __future__ import annotations

from enum import StrEnum

from cases.errors import IllegalTransition


class Status(StrEnum):
    """Where a case stands."""

    RECEIVED = "received"
    NEEDS_TRIAGE = "needs_triage"  # a request nobody could classify: for a human
    AWAITING_IDENTITY = "awaiting_identity"  # Art. 12(6): clock paused
    AWAITING_CLARIFICATION = "awaiting_clarification"  # EDPB 01/2022 §159: clock paused
    IN_PROGRESS = "in_progress"
    RESPONDED = "responded"
    REFUSED = "refused"  # Art. 12(4)
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


# The clock runs (or is paused) for these: the desk still owes the requester an answer.
ACTIVE_STATUSES: frozenset[Status] = frozenset(
    {
        Status.RECEIVED,
        Status.NEEDS_TRIAGE,
        Status.AWAITING_IDENTITY,
        Status.AWAITING_CLARIFICATION,
        Status.IN_PROGRESS,
    }
)
PAUSED_STATUSES: frozenset[Status] = frozenset(
    {Status.AWAITING_IDENTITY, Status.AWAITING_CLARIFICATION}
)
# Answered one way or another, not yet closed.
ANSWERED_STATUSES: frozenset[Status] = frozenset(
    {Status.RESPONDED, Status.REFUSED, Status.WITHDRAWN}
)
OPEN_STATUSES: frozenset[Status] = ACTIVE_STATUSES | ANSWERED_STATUSES

_S = Status
_ACTIVE = ACTIVE_STATUSES

# operation -> (statuses it may start from, the status it leads to; None keeps the status).
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "triage": (frozenset({_S.NEEDS_TRIAGE}), _S.RECEIVED),
    "assign": (OPEN_STATUSES, None),
    "note": (frozenset(Status), None),
    "request_identity": (
        frozenset({_S.RECEIVED, _S.NEEDS_TRIAGE, _S.IN_PROGRESS}),
        _S.AWAITING_IDENTITY,
    ),
    "request_clarification": (
        frozenset({_S.RECEIVED, _S.NEEDS_TRIAGE, _S.IN_PROGRESS, _S.AWAITING_IDENTITY}),
        _S.AWAITING_CLARIFICATION,
    ),
    "verify": (frozenset({_S.RECEIVED, _S.AWAITING_IDENTITY, _S.NEEDS_TRIAGE}), _S.IN_PROGRESS),
    "resume": (PAUSED_STATUSES, None),  # the target depends on the identity status
    "extend": (_ACTIVE, None),
    "mark_complex": (_ACTIVE, None),
    "draft": (_ACTIVE, None),
    "respond": (frozenset({_S.IN_PROGRESS}), _S.RESPONDED),
    "refuse": (_ACTIVE, _S.REFUSED),
    "withdraw": (_ACTIVE, _S.WITHDRAWN),
    # Intake opens a case for anything it cannot tell apart from a request (the clock runs
    # from receipt); a person who reads a mere greeting or thanks closes it as no request.
    "dismiss": (frozenset({_S.NEEDS_TRIAGE}), _S.CLOSED),
    "close": (ANSWERED_STATUSES, _S.CLOSED),
    "reopen": (ANSWERED_STATUSES | {_S.CLOSED}, None),  # back to work; target by identity
}


def check_transition(operation: str, current: Status | str) -> Status | None:
    """Return the status `operation` leads to from `current`, or raise IllegalTransition."""
    sources, target = TRANSITIONS[operation]
    status = Status(current)
    if status not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise IllegalTransition(
            f"cannot {operation.replace('_', ' ')} a case that is {status.value}"
            f" (allowed from: {allowed})"
        )
    return target
