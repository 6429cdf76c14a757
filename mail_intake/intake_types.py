"""What every intake path shares: the wiring's dependencies, a mail's result, the actor."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from cases.controller import ControllerConfig
from cases.outbox import Sender
from cases.policy import DeskPolicy

Outcome = Literal[
    "case_opened", "follow_up", "machine", "bounce", "non_request", "duplicate", "quarantined"
]
INTAKE_ACTOR = "intake"


@dataclass(frozen=True)
class IntakeDeps:
    """What intake needs from the wiring."""

    controller: ControllerConfig
    policy: DeskPolicy
    sender: Sender
    own_addresses: Collection[str] = ()
    daily_cap: int = 5
    max_size: int = 25 * 1024 * 1024
    # Receiving servers whose Authentication-Results count (mail_intake/authentication.py).
    trusted_authserv_ids: frozenset[str] = frozenset()

    @cached_property
    def colleague_domains(self) -> frozenset[str]:
        """The controller's own mail domains, built once: every mail reads them."""
        return self.controller.colleague_domains()


@dataclass
class IntakeResult:
    """What happened to one message (for counters and logs: references only)."""

    outcome: Outcome
    reference: str | None = None
    message_row_id: int | None = None
    reason: str | None = None
    kinds: list[str] = field(default_factory=list)


def raw_sha256(raw: bytes) -> str:
    """The hash intake de-duplicates on besides the Message-ID (design.md §2.3)."""
    return hashlib.sha256(raw).hexdigest()
