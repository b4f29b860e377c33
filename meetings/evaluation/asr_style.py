"""Written text as whisper would write the same words down: without punctuation or capitals,
numbers as words ("Bei 3 Gegenstimmen." -> "bei drei gegenstimmen"). Used to measure the vote
rules on the Karlsruhe minutes in the form a transcript of the meeting would have."""

from __future__ import annotations

import re

from num2words import num2words

_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?!\d|[.,]\d)")
_PUNCT = re.compile(r"[.,;:!?()\[\]\"„“”'–—/]|(?<!\w)-|-(?!\w)")


def asr_style(text: str) -> str:
    """`text` lower-cased, without punctuation, numbers up to 999 spelled out in German; hyphens
    inside words become spaces ("Ja-Stimmen" -> "ja stimmen"), as whisper often writes them."""
    text = _NUMBER.sub(lambda m: num2words(int(m.group(0)), lang="de"), text)
    text = text.replace("-", " ")
    text = _PUNCT.sub(" ", text)
    return " ".join(text.lower().split())
