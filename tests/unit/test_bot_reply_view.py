"""The reply preview shows the exact text: split on line ends first, escaped after."""

from __future__ import annotations

from bot.blocks import SECTION_MAX
from bot.reply_view import FENCE, ZWSP, code_pieces, page_view, preview_body


def shown_text(blocks: list[dict[str, object]]) -> str:
    """What the approver reads, put back together: fences off, entities and ZWSP undone."""
    out = []
    for block in blocks:
        text = str(block["text"]["text"])  # type: ignore[index]
        assert text.startswith(FENCE) and text.endswith(FENCE) and len(text) <= SECTION_MAX
        inner = text[len(FENCE) : -len(FENCE)].replace(ZWSP, "")
        out.append(inner.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    return "".join(out)


def reply_with_fences(size: int) -> str:
    lines = ["Hei,", "", "ohessa tiedot <tiedot@example.com> & muuta:", "```", '{"a": 1}', "```"]
    text = "\n".join(lines) + "\n"
    n = 0
    while len(text) < size:
        text += f"rivi {n}: <&> " + "x" * (n % 70) + "\n"
        n += 1
    return text[:size]


def test_a_reply_of_5000_characters_with_code_fences_is_shown_exactly() -> None:
    body = reply_with_fences(5000)

    blocks = preview_body(body, room=45, reference="DSR-2026-0001", draft_id=1)

    assert len(blocks) > 1
    assert shown_text(blocks) == body
    assert all(p.endswith("\n") for p in code_pieces(body)[:-1])  # cut on line ends only


def test_a_line_longer_than_a_section_and_heavy_escaping_still_fit() -> None:
    body = "<" * 4000 + "\n" + "&" * 10 + "\n" + "`" * 3000

    pieces = code_pieces(body)

    assert "".join(pieces) == body
    blocks = preview_body(body, room=45, reference="DSR-2026-0001", draft_id=1)
    assert shown_text(blocks) == body


def test_a_reply_too_long_for_the_message_says_so_and_opens_page_by_page() -> None:
    body = "".join(f"line {n} " + "y" * 80 + "\n" for n in range(6000))  # about 550,000

    blocks = preview_body(body, room=10, reference="DSR-2026-0001", draft_id=7)

    assert len(blocks) == 10
    note = blocks[-1]
    assert (
        f"{len(body):,} characters" in note["text"]["text"]
        and "shows the first" in note["text"]["text"]
    )
    assert note["accessory"]["value"] == "DSR-2026-0001#7#1"
    pages = []
    page, total = 1, None
    while True:
        view = page_view(body, reference="DSR-2026-0001", draft_id=7, page=page)
        assert len(view["blocks"]) <= 100
        heading, *rest = view["blocks"]
        total = int(heading["text"]["text"].rsplit(" ", 1)[1])
        actions = [b for b in rest if b["type"] == "actions"]
        pages.append(shown_text([b for b in rest if b["type"] == "section"]))
        if page == total:
            break
        assert actions[0]["elements"][-1]["value"] == f"DSR-2026-0001#7#{page + 1}"
        page += 1
    assert total and total > 1
    assert "".join(pages) == body
