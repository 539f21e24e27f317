"""Block Kit primitives that keep Slack's rules: escaped user text and published limits.

Every builder goes through these, so a proposal containing `<!channel>` never pings anyone,
and no header, section or message grows past what Slack accepts.
"""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

# Slack's published limits (Block Kit reference).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
MODAL_TITLE = 24
ELLIPSIS = "…"
# A message's `text`: what notifications and screen readers show, kept within a section's size.
FALLBACK_CHARS = 2900

Message = tuple[str, list[Block]]  # (fallback text, blocks), as chat.postMessage takes them


def escape(text: str) -> str:
    """User text made inert: `&`, `<` and `>` become entities, as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, never inside an `&...;` entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def quote(text: str, limit: int = 500) -> str:
    """User text as an escaped, one-line mrkdwn quote."""
    return "> " + truncate(escape(" ".join(text.split())), limit)


def plain(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(escape(text) or " ", limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object; `text` is already mrkdwn (user parts escaped by the caller)."""
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(text: str, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text, SECTION_TEXT)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def sections(text: str, limit: int = SECTION_TEXT) -> list[Block]:
    """Long mrkdwn split into sections at line breaks, each within Slack's section limit."""
    out: list[Block] = []
    chunk = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if chunk:
                out.append(section(chunk))
                chunk = ""
            out.append(section(truncate(line, limit)))
            line = ""
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(candidate) > limit:
            out.append(section(chunk))
            chunk = line
        else:
            chunk = candidate
    if chunk.strip():
        out.append(section(chunk))
    return out


def context(*texts: str) -> Block:
    elements = [mrkdwn(t) for t in texts if t][:CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements or [mrkdwn(" ")]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    style: str | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(text, BUTTON_TEXT), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style in ("primary", "danger"):
        element["style"] = style
    return element


def actions(elements: list[Block], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": elements[:ACTIONS_ELEMENTS]}
    if block_id:
        block["block_id"] = block_id
    return block


def fit(blocks: list[Block], limit: int = MESSAGE_BLOCKS, more: str | None = None) -> list[Block]:
    """At most `limit` blocks; when some are dropped, the last says how to see the rest."""
    if len(blocks) <= limit:
        return blocks
    hidden = len(blocks) - (limit - 1)
    note = more or "the rest is not shown here"
    return [*blocks[: limit - 1], context(f"{hidden} more block(s) left out: {note}")]
