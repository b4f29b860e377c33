"""German numbers as spoken in a meeting ("dreiundzwanzig", "eine", "vierten") to integers.

ASR writes small numbers as words ("zwei Enthaltungen", "Punkt sieben") and minutes texts as
digits; vote and agenda parsing must read both. text2num does the compounds; this module adds
what it refuses (inflected "eine/einer/einem", ordinals "vierte/siebten").
"""

from __future__ import annotations

import re

_SMALL = {
    "null": 0, "kein": 0, "keine": 0, "keiner": 0,
    "ein": 1, "eine": 1, "einer": 1, "einem": 1, "einen": 1, "eins": 1, "einzige": 1,
    "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8,
    "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
}
_ORDINAL = {
    "erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7,
    "siebent": 7, "acht": 8, "neunt": 9, "zehnt": 10, "elft": 11, "zwölft": 12,
}
_ORDINAL_END = re.compile(r"(e|en|er|es|em)$")


def cardinal(word: str) -> int | None:
    """The value of one number word or digit string; None when it is no number."""
    token = word.strip().lower().strip(".,;:!?()\"'„“")
    if not token:
        return None
    if token.isdigit():
        return int(token)
    if token in _SMALL:
        return _SMALL[token]
    if not token.isalpha():
        return None
    try:
        from text_to_num import text2num

        return int(text2num(token, "de"))
    except (ValueError, AssertionError, TypeError):
        return None


def ordinal(word: str) -> int | None:
    """The value of an ordinal word ("vierten" -> 4, "21." -> 21, "zwanzigsten" -> 20)."""
    token = word.strip().lower().strip(",;:!?()\"'„“")
    if re.fullmatch(r"\d+\.", token):
        return int(token[:-1])
    stem = _ORDINAL_END.sub("", token)
    if stem in _ORDINAL:
        return _ORDINAL[stem]
    for suffix in ("st", "t"):
        if stem.endswith(suffix):
            value = cardinal(stem[: -len(suffix)])
            if value is not None and value > 12:
                return value
    return None


_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+|\d+")


def number_words_to_digits(text: str) -> str:
    """Replace cardinal number words by digits, keeping everything else ("zwei Enthaltungen"
    -> "2 Enthaltungen"). "ein/eine" are replaced only before a vote word or a count noun,
    because "eine Frage" is no number worth converting."""
    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.isdigit():
            return word
        lower = word.lower()
        if lower in ("ein", "eine", "einer", "einem", "einen", "kein", "keine", "keiner"):
            rest = text[match.end(): match.end() + 30].lower()
            if not re.match(r"\s+(ja|nein|gegen|stimm|enthalt|zustimm|dafür)", rest):
                return word
        value = cardinal(word)
        return str(value) if value is not None else word

    return _WORD.sub(replace, text)
