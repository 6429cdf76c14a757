"""One invocation of the slash command, and the parsing its subcommands share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.blocks import row_id
from bot.deps import BotDeps
from bot.errors import UsageError
from cases.references import REFERENCE_RE, normalise_reference

USAGE: dict[str, tuple[str, str]] = {
    "help": ("help", "this list"),
    "list": ("list [open|overdue|mine|KIND]", "open cases, overdue first"),
    "show": ("show REF", "one case, its requester and history"),
    "new": ("new", "enter a request that came by letter or phone"),
    "assign": ("assign REF @user|me", "make someone responsible"),
    "note": ("note REF TEXT", "add a note to the record"),
    "verify": ("verify REF [METHOD REASON]", "record the identity check (Art. 12(6))"),
    "pause": ("pause REF [identity|clarification] [REASON]", "stop the clock while waiting"),
    "resume": ("resume REF [REASON]", "restart the clock"),
    "extend": ("extend REF", "two more months, with reasons (Art. 12(3))"),
    "draft": ("draft REF", "preview the reply waiting for approval"),
    "approve": ("approve REF", "approve and send the pending reply"),
    "refuse": ("refuse REF", "refuse, with reasons (Art. 12(4))"),
    "close": ("close REF [OUTCOME]", "close an answered case"),
    "lift": ("lift REF", "lift the case's restriction, the person told first (Art. 18(3))"),
    "not-done": ("not-done TASK REASON", "record that a manual system's task will not be done"),
    "search": ("search TEXT", "by reference, requester email or name"),
    "stats": ("stats", "the desk at a glance"),
    "mail": ("mail", "mail the intake set aside: quarantined, or read as not a request"),
    "from-mail": ("from-mail ID KIND[,KIND]", "open the case a set-aside mail asked for"),
}


def usage(command: str, sub: str | None = None) -> str:
    """The usage of one subcommand, or of all of them."""
    if sub in USAGE:
        syntax, meaning = USAGE[sub]
        return f"Usage: `{command} {syntax}` — {meaning}"
    lines = "\n".join(f"• `{command} {syntax}` — {meaning}" for syntax, meaning in USAGE.values())
    return f"*{command}* subcommands:\n{lines}"


@dataclass(frozen=True)
class Call:
    """What a subcommand gets: who asked, the words after it, and how to answer."""

    deps: BotDeps
    user: str
    sub: str
    args: str
    client: WebClient
    respond: Callable[..., Any]
    trigger_id: str | None = None
    response_url: str | None = None
    channel_id: str | None = None

    @property
    def actor(self) -> str:
        """The audit-trail actor."""
        return self.deps.actor(self.user)

    @property
    def meta(self) -> dict[str, Any]:
        """What a modal opened by this call needs to answer afterwards."""
        return {"response_url": self.response_url, "channel_id": self.channel_id}

    def fail(self) -> UsageError:
        """The usage error of this subcommand."""
        return UsageError(usage(self.deps.command, self.sub))

    def split(self, at_least: int, at_most: int) -> list[str]:
        """The arguments: whitespace-separated, the last one taking the rest of the text."""
        words = self.args.split(maxsplit=at_most - 1) if at_most else []
        if len(words) < at_least:
            raise self.fail()
        return words

    def number(self, word: str) -> int:
        """A positive id as typed (ASCII digits, within a 63-bit signed int), or the usage error."""
        number = row_id(word)
        if number is None:
            raise self.fail()
        return number

    def reference(self, word: str) -> str:
        """A case reference as typed, or the usage error."""
        ref = normalise_reference(word)
        if not REFERENCE_RE.fullmatch(ref):
            raise self.fail()
        return ref
