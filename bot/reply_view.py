"""A reply as the approver reads it: the exact text in code blocks, split on line ends.

The text is split first and escaped after, so joined again the pieces are the reply,
character for character; each piece has its own opening and closing fence. A reply too long
for one message says so and opens in a modal, page by page.
"""

from __future__ import annotations

import re

from bot.blocks import SECTION_MAX, Block, escape_exact, mrkdwn, row_id

FENCE = "```"
ZWSP = "\u200b"  # between backticks in a code block: the reader sees the same characters
_BACKTICK_PAIR = re.compile(r"`(?=`)")
SHOW_FULL_REPLY = "show_full_reply"
MODAL_BLOCKS = 100
PAGE_PIECES = MODAL_BLOCKS - 3  # a heading and the page buttons around the text


def _code(text: str) -> str:
    """Text as it stands inside a code block: escaped, no run of backticks to close it."""
    return _BACKTICK_PAIR.sub("`" + ZWSP, escape_exact(text))


def _hard_split(line: str, room: int) -> list[str]:
    """A line too long for one section, in pieces that each fit once escaped."""
    pieces: list[str] = []
    start = 0
    while start < len(line):
        end = min(len(line), start + room)
        while end > start + 1 and len(_code(line[start:end])) > room:
            end -= max(1, (len(_code(line[start:end])) - room) // 5)
        pieces.append(line[start:end])
        start = end
    return pieces


def code_pieces(text: str, limit: int = SECTION_MAX) -> list[str]:
    """Split TEXT on line ends into pieces that fit one code-block section each.

    Split first, escaped after: joined again, the pieces are the text, character for
    character; each gets its own opening and closing fence (see `code_section`).
    """
    room = limit - 2 * len(FENCE)
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        lines += [line] if len(_code(line)) <= room else _hard_split(line, room)
    pieces: list[str] = []
    current, size = "", 0
    for line in lines:
        width = len(_code(line))
        if current and size + width > room:
            pieces.append(current)
            current, size = "", 0
        current, size = current + line, size + width
    if current or not pieces:
        pieces.append(current)
    return pieces


def code_section(piece: str) -> Block:
    """One piece of a reply in a code block of its own, fences closed."""
    return {"type": "section", "text": mrkdwn(FENCE + _code(piece) + FENCE)}


def preview_body(body: str, *, room: int, reference: str, draft_id: int | None) -> list[Block]:
    """The reply in at most ROOM blocks; when it does not fit, the last says so and offers it."""
    pieces = code_pieces(body)
    if len(pieces) <= room:
        return [code_section(p) for p in pieces]
    shown = pieces[: max(room - 1, 0)]
    told = (
        f"⚠️ The reply is {len(body):,} characters; this preview shows the first"
        f" {sum(len(p) for p in shown):,}. Read all of it before approving."
    )
    more: Block = {
        "type": "section",
        "text": mrkdwn(told),
        "accessory": _page_button("Show the full reply", reference, draft_id, 1),
    }
    return [*(code_section(p) for p in shown), more]


def _page_button(text: str, reference: str, draft_id: int | None, page: int) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": f"{SHOW_FULL_REPLY}:{page}",
        "value": f"{reference}#{draft_id}#{page}",
    }


def page_view(body: str, *, reference: str, draft_id: int | None, page: int) -> Block:
    """One page of the full reply as a modal (100 blocks a view)."""
    pieces = code_pieces(body)
    pages = [pieces[i : i + PAGE_PIECES] for i in range(0, len(pieces), PAGE_PIECES)]
    page = min(max(page, 1), len(pages))
    buttons = []
    if page > 1:
        buttons.append(_page_button("Previous page", reference, draft_id, page - 1))
    if page < len(pages):
        buttons.append(_page_button("Next page", reference, draft_id, page + 1))
    blocks: list[Block] = [
        {"type": "section", "text": mrkdwn(f"*Reply to {reference}*, page {page} of {len(pages)}")}
    ]
    blocks += [code_section(p) for p in pages[page - 1]]
    if buttons:
        blocks.append({"type": "actions", "block_id": "reply_pages", "elements": buttons})
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Reply preview"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


def parse_page_value(value: str) -> tuple[str, int | None, int]:
    """REF#DRAFT#PAGE from a page button."""
    reference, _, rest = value.partition("#")
    draft, _, page = rest.partition("#")
    return reference, row_id(draft), row_id(page) or 1
