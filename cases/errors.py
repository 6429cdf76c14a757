"""The two kinds of failure: the user's input is wrong, or we failed."""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error rightsdesk raises on purpose."""


class UserError(DeskError):
    """The requester's or the user's input is wrong; the message is shown to them as is."""


class IllegalTransition(UserError):
    """The case's status does not allow this operation."""


class NotFound(UserError):
    """No case (or register row) with that reference."""


class Waiting(DeskError):
    """A system the case needs is not reachable: the case waits, nothing was changed."""


class InternalError(DeskError):
    """Our fault: logged with a case reference, never with personal data."""
