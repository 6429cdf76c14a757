"""The kinds of data-subject request: one code per right, used everywhere."""

from __future__ import annotations

from enum import StrEnum


class CaseKind(StrEnum):
    """A right the requester invokes (GDPR Arts. 15-22, and the privacy notice's own)."""

    ACCESS = "access"  # Art. 15
    RECTIFICATION = "rectification"  # Art. 16
    ERASURE = "erasure"  # Art. 17; anonymisation is one way of doing it
    RESTRICTION = "restriction"  # Art. 18
    PORTABILITY = "portability"  # Art. 20
    OBJECTION = "objection"  # Art. 21(1)
    # Art. 21(2)-(3); the notice extends it to distance selling, telemarketing and research.
    MARKETING_OPT_OUT = "marketing_opt_out"
    # The notice's right to forbid publishing one's data in lists and mailing labels.
    PUBLICATION_OPT_OUT = "publication_opt_out"


KIND_CODES: tuple[str, ...] = tuple(k.value for k in CaseKind)


def parse_kinds(codes: str | list[str]) -> list[CaseKind]:
    """Parse kind codes (a comma-separated string or a list), keeping order, dropping repeats."""
    from cases.errors import UserError

    raw = codes.split(",") if isinstance(codes, str) else codes
    kinds: list[CaseKind] = []
    for code in (c.strip() for c in raw):
        if not code:
            continue
        try:
            kind = CaseKind(code)
        except ValueError:
            raise UserError(f"unknown kind {code!r}; use one of: {', '.join(KIND_CODES)}") from None
        if kind not in kinds:
            kinds.append(kind)
    if not kinds:
        raise UserError(f"at least one kind is needed; use one of: {', '.join(KIND_CODES)}")
    return kinds


# A task's right that is no kind of request: lifting by hand a restriction made by hand
# (Art. 18(3)); the operator's texts name it in words, the JSON keeps the code.
TASK_RIGHT_WORDS: dict[str, str] = {"lift_restriction": "restriction lift"}


def task_right(code: str) -> str:
    """A task's right as the operator's texts name it: a kind's code, or words for a lift."""
    return TASK_RIGHT_WORDS.get(code, code)
