"""Vote counts in German council text: "3 Gegenstimmen", "dreiundzwanzig Ja-Stimmen",
"Gegenstimmen? - Keine.", and the ASR spellings of the vote words ("gegen Stimmen").

Counts are read from text whose number words were turned into digits (meetings.spoken_numbers).
"""

from __future__ import annotations

import re

from meetings.spoken_numbers import cardinal, number_words_to_digits

_N = r"(\d{1,3})"
_YES = re.compile(_N + r"\s*(?:Ja-?\s*Stimmen|Ja-?Stimme|Jastimmen|Ja\b|Stimmen\s+dafür|Dafür-?Stimmen|"
                       r"Zustimmungen|Befürwort\w*|dafür\b|Stimmen\s+für)", re.I)
_NO = re.compile(_N + r"\s*(?:Nein-?\s*Stimmen|Nein-?Stimme|Neinstimmen|Nein\b|Gegenstimmen?|"
                      r"Stimmen\s+dagegen|dagegen\b|Ablehnungen)", re.I)
_ABSTAIN = re.compile(_N + r"\s*(?:Stimm)?[Ee]nthaltung(?:en)?", re.I)
_NONE_ANSWER = re.compile(r"\b(?:keine?|niemand|0)\b", re.I)

_ASR_FIXES = [
    # whisper splits or respells the vote words
    (re.compile(r"\bgegen\s*-?\s*stimme(n?)\b", re.I), r"Gegenstimme\1"),
    (re.compile(r"\bja\s*-?\s*stimme(n?)\b", re.I), r"Ja-Stimme\1"),
    (re.compile(r"\bnein\s*-?\s*stimme(n?)\b", re.I), r"Nein-Stimme\1"),
    (re.compile(r"\bstimm\s*-?\s*enthaltung", re.I), "Stimmenthaltung"),
    (re.compile(r"\bWir\s+ist\s+(dafür|dagegen)\b"), r"Wer ist \1"),
]


def normalize_asr(text: str) -> str:
    """Undo the usual ASR spellings of vote words ("gegen Stimmen" -> "Gegenstimmen")."""
    for pattern, replacement in _ASR_FIXES:
        text = pattern.sub(replacement, text)
    return text


_KW_TOKEN = re.compile(
    r"(?P<yes>Ja-Stimmen|Ja-Stimme|Jastimmen|Zustimmungen|Stimmen\s+dafür|Wer\s+(?:ist|stimmt)\s+dafür)|"
    r"(?P<no>Nein-Stimmen|Nein-Stimme|Neinstimmen|Gegenstimmen|Gegenstimme|Ablehnungen|Wer\s+(?:ist|stimmt)\s+dagegen)|"
    r"(?P<abstain>(?:Stimm)?[Ee]nthaltungen|(?:Stimm)?[Ee]nthaltung|Wer\s+enthält\s+sich)", re.I)
_COUNT_TOKEN = re.compile(r"\b(?P<n>\d{1,3})\b(?![.,]\d)|\b(?P<zero>keine?|niemand)\b", re.I)


def _keyword_first_counts(digits: str) -> tuple[int | None, int | None, int | None] | None:
    """Counts said after their vote word, as in a call sequence whose punctuation ASR dropped:
    "Gegenstimmen, drei, Enthaltungen, keine". Only when the first vote token is a keyword and
    the text ends on a count; each keyword takes a count within three words after it."""
    tokens = []
    for match in _KW_TOKEN.finditer(digits):
        kind = next(k for k in ("yes", "no", "abstain") if match.group(k))
        tokens.append((match.start(), match.end(), "kw", kind))
    for match in _COUNT_TOKEN.finditer(digits):
        value = 0 if match.group("zero") else int(match.group("n"))
        tokens.append((match.start(), match.end(), "n", value))
    tokens.sort()
    # drop counts inside keywords' spans and "keine" directly before a keyword (count-first)
    if len(tokens) < 2 or tokens[0][2] != "kw" or tokens[-1][2] != "n":
        return None
    result: dict[str, int | None] = {}
    for i, (start, end, typ, value) in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if typ == "kw" and nxt[2] == "n" and len(digits[end:nxt[0]].split()) <= 3:
            result.setdefault(value, nxt[3])
    if not result or any(k not in ("yes", "no", "abstain") for k in result):
        return None
    return result.get("yes"), result.get("no"), result.get("abstain")


def parse_counts(text: str) -> tuple[int | None, int | None, int | None]:
    """(yes, no, abstain) said in `text`; None where a count is not said. Counts come before
    their word ("3 Gegenstimmen") or, in a call sequence, after it ("Gegenstimmen? Drei.")."""
    text = normalize_asr(text)
    digits = number_words_to_digits(text)
    keyword_first = _keyword_first_counts(digits)
    if keyword_first is not None:
        return keyword_first
    found = []
    for pattern in (_YES, _NO, _ABSTAIN):
        match = pattern.search(digits)
        found.append(int(match.group(1)) if match else None)
    if found[1] is None and re.search(r"\bkeine?\s+(?:Gegenstimmen?|Nein-?Stimmen?)\b", text, re.I):
        found[1] = 0
    if found[2] is None and re.search(r"\bkeine?\s+(?:Stimm)?[Ee]nthaltung", text, re.I):
        found[2] = 0
    return found[0], found[1], found[2]


def answer_count(answer: str) -> int | None:
    """The count in a reply to "Gegenstimmen?": "Keine." -> 0, "Zwei." -> 2, "3 Stimmen" -> 3."""
    for word in answer.split()[:4]:
        value = cardinal(word)
        if value is not None:
            return value
    if _NONE_ANSWER.search(answer):
        return 0
    return None


