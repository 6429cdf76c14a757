"""The template context every reply shares: the controller and the case."""

from __future__ import annotations

from typing import Any

from cases.controller import ControllerConfig
from store.models import Case


def case_context(case: Case) -> dict[str, Any]:
    """The `case` mapping of the template context contract (templates/loader.py)."""
    return {
        "reference": case.reference,
        "kinds": list(case.kinds),
        "receipt_date": case.receipt_date,
        "due_date": case.due_date,
        "extended_due_date": case.extended_due_date,
        "extension_reasons": case.extension_reason,
        "extension_ground": case.extension_ground,
        "requester_name": case.requester_name,
        "language": case.language,
    }


def base_context(controller: ControllerConfig, case: Case) -> dict[str, Any]:
    """Controller and case: enough for the acknowledgement and the requests to the requester."""
    return {"controller": controller, "case": case_context(case)}
