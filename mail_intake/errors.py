"""Errors of mail intake that are the sender's fault, not ours."""

from __future__ import annotations

from cases.errors import UserError


class UnparseableMessage(UserError):
    """The message cannot be read as mail at all: oversize, headerless or binary junk."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
