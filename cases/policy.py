"""The controller's choices that shape every case: reference prefix and holiday reading."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeskPolicy:
    """Settings the operations need; built by the wiring from the controller config."""

    reference_prefix: str = "DSR"
    # Christmas Eve is contested for 1182/71 (design.md §1.1): True gives the earlier, safe date.
    christmas_eve_working: bool = False


DEFAULT_POLICY = DeskPolicy()
