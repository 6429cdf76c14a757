"""Subcommands that only read: answered in the acknowledgement itself (bounded queries)."""

from __future__ import annotations

from bot import queries
from bot.blocks import Block, Reply, case_line, detail_blocks, section
from bot.listeners.commands.call import Call, usage
from cases import operations as ops
from cases.related import related_cases
from store.models import Case


def _listing(title: str, cases: list[Case], call: Call, *, show_identity: bool) -> Reply:
    now = call.deps.clock()
    if not cases:
        return Reply(f"{title}: none.")
    lines = [case_line(c, now, show_identity=show_identity) for c in cases]
    blocks: list[Block] = [section(f"*{title}*")] + [section(line) for line in lines]
    if len(cases) >= queries.PAGE:
        blocks.append(section(f"Showing the first {queries.PAGE}; narrow it with a filter."))
    text = f"{title}:\n" + "\n".join(case_line(c, now) for c in cases)
    return Reply(text, blocks)


def help_text(call: Call) -> Reply:
    """Every subcommand with its arguments."""
    return Reply(usage(call.deps.command))


def list_cases(call: Call) -> Reply:
    """Open cases for one filter; the channel-safe line (no requester) unless configured."""
    which = call.args.strip().lower() or "open"
    if which not in queries.LIST_FILTERS:
        raise call.fail()
    with call.deps.session_factory() as session:
        cases = queries.cases_by_filter(
            session, which=which, user_actor=call.actor, now=call.deps.clock()
        )
        total = queries.count_open(session) if which == "open" else None
    title = {"open": "Open cases", "overdue": "Overdue cases", "mine": "Your open cases"}.get(
        which, f"Active {which.replace('_', ' ')} cases"
    )
    if total is not None:
        title += f" ({total} in all)"
    return _listing(title, cases, call, show_identity=call.deps.show_identity)


def show_case(call: Call) -> Reply:
    """One case with its requester (asked for, by an allowed user) and its history."""
    (word,) = call.split(1, 1)
    reference = call.reference(word)
    with call.deps.session_factory() as session:
        case = ops.get_case(session, reference)
        events = queries.recent_events(session, case.id or 0)
        related = related_cases(session, case)
    now = call.deps.clock()
    return Reply(case_line(case, now), detail_blocks(case, events, now, related))


def search_cases(call: Call) -> Reply:
    """Cases by reference, requester address or name; the user searched, so identity shows."""
    needle = call.args.strip()
    if len(needle) < 2:
        raise call.fail()
    with call.deps.session_factory() as session:
        cases = queries.search(session, needle)
    return _listing("Matching cases", cases, call, show_identity=True)


def show_stats(call: Call) -> Reply:
    """Counts by status, overdue, due this week, unassigned."""
    with call.deps.session_factory() as session:
        figures = queries.stats(session, call.deps.clock())
    by_status = ", ".join(
        f"{status.replace('_', ' ')} {n}" for status, n in sorted(figures.by_status.items())
    )
    text = (
        f"Open: {sum(figures.by_status.values())} ({by_status or 'none'})\n"
        f"🔴 Overdue: {figures.overdue} · 🟠 due within 7 days: {figures.due_this_week}"
        f" · unassigned: {figures.unassigned}"
    )
    return Reply(text, [section(text)])
