"""The minutes as a small document model, parsed from Markdown with a real CommonMark parser.

The drafted minutes (prompts/<lang>/minutes.j2) and the clerk's edited version are both Markdown.
DOCX, PDF and HTML are all rendered from this one model, so a list, a link or an emphasis the
clerk typed looks the same in every format, and no renderer has its own idea of Markdown.
markdown-it-py is CommonMark-compliant; tables (as the minutes header uses them) and
strikethrough are switched on from its GFM extensions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass
class Span:
    """A run of inline text with its marks; `line_break` is a hard line break (no text)."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str | None = None
    line_break: bool = False


@dataclass
class Block:
    """One block of the document, in reading order.

    kind: heading (level 1-6), paragraph, list_item (depth >= 1, ordered, number; `first` is False
    for a second paragraph of the same item), quote (a paragraph inside a block quote), code
    (preformatted `text`), table (`rows` of cells, each a list of spans; `header` when the first
    row is a real header) or rule.
    """

    kind: str
    spans: list[Span] = field(default_factory=list)
    level: int = 0
    depth: int = 0
    ordered: bool = False
    number: int | None = None
    first: bool = True
    text: str = ""
    rows: list[list[list[Span]]] = field(default_factory=list)
    header: bool = False

    @property
    def plain(self) -> str:
        """The block's text without marks (headings in outlines, document titles)."""
        return "".join("\n" if s.line_break else s.text for s in self.spans)


_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_INLINE_MARKS = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)([#>]|[-+](?=\s))", re.M)


def escape_markdown(value: object) -> str:
    """Text that Markdown shows as it is: "Einwohner*innen", "Top_3" or "<Anlage>" from a speaker
    or an agenda title stay literal instead of turning into emphasis or HTML. Used on every
    value the minutes template writes (its `finalize`)."""
    text = _INLINE_MARKS.sub(r"\\\1", "" if value is None else str(value))
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


def parse_markdown(text: str) -> list[Block]:
    """Markdown -> blocks. Raw HTML in the source is kept as literal text, never interpreted."""
    tokens = _PARSER.parse(text)
    blocks: list[Block] = []
    lists: list[dict] = []        # open lists: {"ordered": bool, "next": int}
    item_paragraphs: list[int] = []   # per open list item: paragraphs seen so far
    quote = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrGet("start") or 1) if kind == "ordered_list_open" else 1
            lists.append({"ordered": kind == "ordered_list_open", "next": start})
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            item_paragraphs.append(0)
        elif kind == "list_item_close":
            if item_paragraphs and item_paragraphs[-1] == 0:   # an empty item still shows its mark
                blocks.append(_list_block([], lists))
            item_paragraphs.pop()
            lists[-1]["next"] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "heading_open":
            blocks.append(Block("heading", _spans(tokens[i + 1]), level=int(tok.tag[1])))
            i += 2
        elif kind == "paragraph_open":
            spans = _spans(tokens[i + 1])
            if item_paragraphs:
                block = _list_block(spans, lists, first=item_paragraphs[-1] == 0)
                item_paragraphs[-1] += 1
                blocks.append(block)
            else:
                blocks.append(Block("quote" if quote else "paragraph", spans))
            i += 2
        elif kind in ("fence", "code_block"):
            blocks.append(Block("code", text=tok.content.rstrip("\n"), depth=len(lists)))
        elif kind == "html_block":
            blocks.append(Block("paragraph", [Span(tok.content.strip())]))
        elif kind == "hr":
            blocks.append(Block("rule"))
        elif kind == "table_open":
            i = _table(tokens, i, blocks)
        i += 1
    return blocks


def _list_block(spans: list[Span], lists: list[dict], first: bool = True) -> Block:
    current = lists[-1]
    return Block("list_item", spans, depth=len(lists), ordered=current["ordered"],
                 number=current["next"] if current["ordered"] else None, first=first)


def _table(tokens: list[Token], i: int, blocks: list[Block]) -> int:
    """Collect a GFM table; an all-empty header row (as in the minutes header) is dropped."""
    rows: list[list[list[Span]]] = []
    header_rows = 0
    in_head = False
    row: list[list[Span]] = []
    while tokens[i].type != "table_close":
        kind = tokens[i].type
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if in_head:
                header_rows += 1
            rows.append(row)
        elif kind == "inline":
            row.append(_spans(tokens[i]))
        i += 1
    header = header_rows > 0
    if header and rows and all(not "".join(s.text for s in cell).strip() for cell in rows[0]):
        rows, header = rows[1:], False
    blocks.append(Block("table", rows=rows, header=header))
    return i


def _spans(inline: Token) -> list[Span]:
    spans: list[Span] = []
    bold = italic = strike = 0
    href: list[str] = []
    for child in inline.children or []:
        kind = child.type
        mark = dict(bold=bold > 0, italic=italic > 0, strike=strike > 0, href=href[-1] if href else None)
        if kind == "text" or kind == "html_inline":
            _add(spans, Span(child.content, **mark))
        elif kind == "softbreak":
            _add(spans, Span(" ", **mark))
        elif kind == "hardbreak":
            spans.append(Span("", line_break=True))
        elif kind == "code_inline":
            spans.append(Span(child.content, code=True, **mark))
        elif kind == "image":
            _add(spans, Span(child.content or str(child.attrGet("alt") or ""), **mark))
        elif kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "s_open":
            strike += 1
        elif kind == "s_close":
            strike -= 1
        elif kind == "link_open":
            href.append(str(child.attrGet("href") or ""))
        elif kind == "link_close":
            href.pop()
    return spans


def _add(spans: list[Span], span: Span) -> None:
    """Merge a span into the previous one when the marks are equal (fewer runs in DOCX)."""
    if not span.text:
        return
    last = spans[-1] if spans else None
    if last and not last.line_break and not last.code and not span.code and \
            (last.bold, last.italic, last.strike, last.href) == (span.bold, span.italic, span.strike, span.href):
        last.text += span.text
    else:
        spans.append(span)
