"""HTML from source catalogs (DLDB descriptions and fees) to plain text that can be spoken."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)


def html_to_text(value: str | None) -> str:
    """Plain text with one line per paragraph or list item; zero-width characters removed."""
    if not value:
        return ""
    if "<" not in value:
        text = html.unescape(value)
    else:
        parser = _Text()
        parser.feed(value)
        parser.close()
        text = "".join(parser.parts)
    text = text.translate(_INVISIBLE).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line and line != "-":
            out.append(line)
    return "\n".join(out)


# not "am 15. Februar", "im 2. Obergeschoss"; but a number ends a sentence before a word that
# starts one ("... unter 06189 742-999. Die Wasserzähler ...")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\d\.)\s+(?=[A-ZÄÖÜ0-9„\"(])|(?<=\d\.)\s+(?=(?:Die|Der|Das|Den|Dem|Sie|Wir|Es|Er|"
                           r"Ein|Eine|Bei|Für|Im|In|Am|Auf|Bitte|Wer|Wenn|Auch|Nach|Mit|Ohne|Diese|Dieser|Dieses|Dort|Hier)\s)")


def first_sentences(text: str, limit: int = 2, max_chars: int = 300) -> str:
    """The first sentences of a description: enough to say what a service is."""
    flat = " ".join(line.lstrip("- ") for line in text.splitlines())
    sentences = _SENTENCE_END.split(flat)
    out = ""
    for sentence in sentences[:limit]:
        if out and len(out) + len(sentence) > max_chars:
            break
        out = f"{out} {sentence}".strip()
    if len(out) <= 2 * max_chars:
        return out  # one long sentence is said whole: cut off, it loses its verb ("braucht eine ...")
    clause = out[:max_chars].rsplit(", ", 1)[0].rstrip(",;: ")
    return clause if clause.endswith((".", "!", "?")) else clause + "."


def sentences(description: str) -> list[str]:
    """Whole sentences of a description, for answering one facet with the sentence that holds it
    (headings and fragments of fewer than four words dropped)."""
    out = []
    for line in (description or "").splitlines():
        for s in _SENTENCE_END.split(line.strip()):
            s = s.strip(" -•")
            if len(s.split()) >= 4 and s[-1:] in ".!?":
                out.append(s)
    return out
