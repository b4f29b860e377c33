"""The minutes as one self-contained HTML page (protocol.html), from the document model.

Semantic HTML is what screen readers and web accessibility checks (BITV 2.0 / WCAG) read: the
page declares its language, headings are h1-h6, lists are ul/ol/li, the header table has row
headers (th scope="row"). The same markup feeds the fpdf2 PDF when LibreOffice is missing.
"""

from __future__ import annotations

from html import escape

from meetings.docmodel import Block, Span

_CSS = ("body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:48em;margin:2em auto;padding:0 1em;"
        "line-height:1.45}table{border-collapse:collapse}th,td{border:1px solid #999;padding:.2em .5em;"
        "text-align:left;vertical-align:top}blockquote{font-style:italic;margin-left:1em}")


def render_html(blocks: list[Block], title: str, lang: str = "de", standalone: bool = True) -> str:
    """`standalone`: a full page with <head>; else the body markup only (for fpdf2's write_html)."""
    body = "\n".join(_body(blocks, table_headers=standalone))
    if not standalone:
        return body
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            f"{body}\n</main>\n</body>\n</html>\n")


def inline_html(spans: list[Span]) -> str:
    out = []
    for span in spans:
        if span.line_break:
            out.append("<br>")
            continue
        text = escape(span.text)
        if span.code:
            text = f"<code>{text}</code>"
        if span.strike:
            text = f"<s>{text}</s>"
        if span.italic:
            text = f"<em>{text}</em>"
        if span.bold:
            text = f"<strong>{text}</strong>"
        if span.href:
            text = f'<a href="{escape(span.href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def _body(blocks: list[Block], table_headers: bool) -> list[str]:
    out: list[str] = []
    open_lists: list[str] = []   # tags of the open lists, innermost last
    for block in blocks:
        if block.kind == "list_item":
            _enter_list(out, open_lists, block)
            if block.first:
                out.append(f"<li>{inline_html(block.spans)}")
            else:
                out.append(f"<p>{inline_html(block.spans)}</p>")
            continue
        while open_lists:
            out.append(f"</li></{open_lists.pop()}>")
        if block.kind == "heading":
            out.append(f"<h{block.level}>{inline_html(block.spans)}</h{block.level}>")
        elif block.kind == "quote":
            out.append(f"<blockquote><p>{inline_html(block.spans)}</p></blockquote>")
        elif block.kind == "code":
            out.append(f"<pre><code>{escape(block.text)}</code></pre>")
        elif block.kind == "rule":
            out.append("<hr>")
        elif block.kind == "table":
            out.append(_table(block, table_headers))
        else:
            out.append(f"<p>{inline_html(block.spans)}</p>")
    while open_lists:
        out.append(f"</li></{open_lists.pop()}>")
    return out


def _enter_list(out: list[str], open_lists: list[str], block: Block) -> None:
    tag = "ol" if block.ordered else "ul"
    while len(open_lists) > block.depth or (len(open_lists) == block.depth and open_lists[-1] != tag):
        out.append(f"</li></{open_lists.pop()}>")
    if len(open_lists) == block.depth and block.first:
        out.append("</li>")
    while len(open_lists) < block.depth:
        start = f' start="{block.number}"' if block.ordered and block.number != 1 else ""
        out.append(f"<{tag}{start}>")
        open_lists.append(tag)


def _table(block: Block, row_headers: bool) -> str:
    rows = []
    for index, row in enumerate(block.rows):
        cells = []
        for col, cell in enumerate(row):
            if block.header and index == 0:
                cells.append(f'<th scope="col">{inline_html(cell)}</th>')
            elif col == 0 and row_headers and not block.header:
                cells.append(f'<th scope="row">{inline_html(cell)}</th>')
            else:
                cells.append(f"<td>{inline_html(cell)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table>{''.join(rows)}</table>"
