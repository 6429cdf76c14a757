"""A returned one-time code (Art. 12(6), design §1.3): checked in a reply, on a budget.

`cases.identity.send_code` mails the code to the register's address; intake hands each reply
to a case awaiting identity here, with the reply's own words only (not the quoted code mail).
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from cases import operations as ops
from cases.identity import code_hash, delete_identity_documents
from cases.policy import DEFAULT_POLICY, DeskPolicy
from store.actions import AuditAction
from store.models import Case, VerificationCode

CODE_ATTEMPTS = 5  # candidates tried per code before it is void: 40 bits stay out of reach
CODE_TEXT_CHARS = 20_000  # a code is typed near the top; the budget holds whatever follows
# A candidate is written in the code's own alphabet (no I, O, 0, 1): in capitals, as the mail
# shows it, or in small letters with its hyphen, so that prose ("back here") is not a guess.
# Zero-width lookaheads find overlapping candidates: "HERE K7MQ 2XPA" holds two.
_CODE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?=([A-HJ-NP-Z2-9]{4})[- ]?([A-HJ-NP-Z2-9]{4})(?![A-Za-z0-9]))"
)
_TYPED_CODE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?=([a-hj-np-z2-9]{4})-([a-hj-np-z2-9]{4})(?![A-Za-z0-9]))", re.IGNORECASE
)


class CodeCheck(StrEnum):
    """What a reply did to the case's one-time code."""

    NO_CODE = "no_code"  # nothing shaped like a code, or no code is outstanding
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"
    VOID = "void"  # the attempt budget is spent: only a new code (or a person) verifies


def code_candidates(text: str) -> list[str]:
    """Each distinct code-shaped token in `text`, in the order written, without its separator."""
    found = [m for pattern in (_CODE_RE, _TYPED_CODE_RE) for m in pattern.finditer(text)]
    found.sort(key=lambda m: m.start())
    return list(dict.fromkeys((m.group(1) + m.group(2)).upper() for m in found))


def _matches(reference: str, row: VerificationCode, candidate: str) -> bool:
    # Constant time: how long a comparison takes must not tell how much of a guess was right.
    return hmac.compare_digest(row.code_hash, code_hash(reference, candidate))


def _reject(
    session: Session,
    case: Case,
    row: VerificationCode,
    result: str,
    *,
    actor: str,
    now: datetime,
    counted: bool,
) -> None:
    """The event (and the contact person's thread line) for a code that did not verify."""
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.CODE_REPLY_REJECTED,
        now=now,
        result=result,
        attempts=row.attempts,
        attempts_left=CODE_ATTEMPTS - row.attempts if counted else None,
    )


def _verify(
    session: Session,
    case: Case,
    row: VerificationCode,
    *,
    actor: str,
    now: datetime,
    policy: DeskPolicy,
) -> None:
    """Verify by code, then delete identity documents exactly as a manual verification does."""
    row.used_at = now
    session.add(row)
    ops._apply_verify(
        session,
        case,
        method="code",
        reason="the one-time code sent to the address in the register"
        f" on {row.created_at.date().isoformat()} was returned",
        reason_code="code_returned",
        reason_params={"sent_on": row.created_at.date().isoformat()},
        actor=actor,
        now=now,
        policy=policy,
    )
    delete_identity_documents(session, case, actor=actor, now=now)


def check_code_reply(
    session: Session,
    case: Case,
    text: str,
    now: datetime,
    *,
    actor: str = "intake",
    policy: DeskPolicy = DEFAULT_POLICY,
) -> CodeCheck:
    """Check the code-shaped tokens of a reply's own text against the case's newest code.

    Each distinct candidate is one attempt; after CODE_ATTEMPTS the code is void, so a reply
    holding thousands of guesses gets five. A match verifies (method `code`), which ends the
    pause. Runs in the caller's transaction (intake's, which took the reply in).
    """
    candidates = code_candidates(text[:CODE_TEXT_CHARS])
    if not candidates or case.identity_status == "verified":
        return CodeCheck.NO_CODE
    row = session.exec(
        select(VerificationCode)
        .where(VerificationCode.case_id == case.id, col(VerificationCode.used_at).is_(None))
        .order_by(col(VerificationCode.id).desc())
        .limit(1)
        .with_for_update()  # two replies at once must not both spend the same attempt
    ).first()
    if row is None:
        return CodeCheck.NO_CODE
    if row.attempts >= CODE_ATTEMPTS:
        _reject(session, case, row, "void code", actor=actor, now=now, counted=False)
        return CodeCheck.VOID
    if row.expires_at <= now:
        late = any(_matches(case.reference, row, c) for c in candidates[:CODE_ATTEMPTS])
        result = "expired code" if late else "wrong code; the code has expired too"
        _reject(session, case, row, result, actor=actor, now=now, counted=False)
        return CodeCheck.EXPIRED
    for candidate in candidates:
        row.attempts += 1
        if _matches(case.reference, row, candidate):
            _verify(session, case, row, actor=actor, now=now, policy=policy)
            return CodeCheck.VERIFIED
        if row.attempts >= CODE_ATTEMPTS:
            break
    session.add(row)
    if row.attempts < CODE_ATTEMPTS:
        _reject(session, case, row, "wrong code", actor=actor, now=now, counted=True)
        return CodeCheck.WRONG
    ops.record(
        session,
        case,
        actor=actor,
        action=AuditAction.CODE_VOIDED,
        now=now,
        result="attempt budget spent; send a new code or verify by hand",
        result_code="code_attempts_spent",
        attempts=row.attempts,
    )
    return CodeCheck.VOID
