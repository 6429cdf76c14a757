"""The subject of the mail asking a system owner to do a task, written and found in one place.

An owner's reply keeps it (RFC 5322 "Re:"), so intake files the reply by its tag and the
desk finds the original to tell the owner when the task ends; both read what this builds.
"""

from __future__ import annotations

import re

# The tag in the subject that an owner's reply keeps: "[DSR-2026-0001] Task 3: erase ...".
TASK_TAG = re.compile(r"\bTask (\d{1,9}):")


def task_subject_prefix(reference: str, task_id: int) -> str:
    """What every subject of the task's mail begins with: the case and the task's tag."""
    return f"[{reference}] Task {task_id}:"


def task_subject(reference: str, task_id: int, *, verb: str, system: str) -> str:
    """The subject of the mail asking the owner to do the task."""
    return f"{task_subject_prefix(reference, task_id)} {verb} data in {system}"
