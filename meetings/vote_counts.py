"""Vote counts in German council text: "3 Gegenstimmen", "dreiundzwanzig Ja-Stimmen",
"Gegenstimmen? - Keine.", and the ASR spellings of the vote words ("gegen Stimmen").

Counts are read from text whose number words were turned into digits (meetings.spoken_numbers).
"""

from __future__ import annotations

import re

from meetings.spoken_numbers import number_words_to_digits
from meetings.vote_stream import stream_counts

_N = r"(\d{1,3})"
_YES = re.compile(_N + r"\s*(?:Ja-?\s*Stimmen|Ja-?Stimme|Jastimmen|Ja\b|Stimmen\s+dafür|Dafür-?Stimmen|"
                       r"Zustimmungen|Befürwort\w*|dafür\b|Stimmen\s+für)", re.I)
_NO = re.compile(_N + r"\s*(?:Nein-?\s*Stimmen|Nein-?Stimme|Neinstimmen|Nein\b|Gegenstimmen?|"
                      r"Stimmen\s+dagegen|dagegen\b|Ablehnungen)", re.I)
_ABSTAIN = re.compile(_N + r"\s*(?:Stimm)?[Ee]nthaltung(?:en)?", re.I)

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


# "mit 20 zu 18 Stimmen angenommen", "die Zählung ergibt 15 zu 16": Ja first, then Nein
_SCORE = re.compile(r"\b(?:mit|ergibt|steht\s+(?:es\s+)?|Ergebnis\w*:?)\s+(\d{1,3})\s+zu\s+(\d{1,3})\b", re.I)


# counts said with the verb: "Für den Antrag haben 19 Mitglieder gestimmt, dagegen haben 23
# gestimmt, enthalten hat sich niemand."
_SAID_AS_VERB = (
    re.compile(r"\bfür\s+(?:den|die|das)\s+\w+\s+(?:haben|stimmten|stimmen)\s+(\d{1,3})\b", re.I),
    re.compile(r"\bdagegen\s+(?:haben|stimmten|stimmen|waren|sind)\s+(\d{1,3})\b", re.I),
    re.compile(r"\benthalten\s+(?:hat|haben)\s+sich\s+(\d{1,3}|niemand|keiner)\b", re.I),
)


def parse_counts(text: str) -> tuple[int | None, int | None, int | None]:
    """(yes, no, abstain) said in `text`; None where a count is not said. Counts come before
    their word ("3 Gegenstimmen", "mit 20 zu 18 Stimmen") or after it, as a chair reads out a
    result ("Ja-Stimmen: 21, Nein-Stimmen: 21"); counts said faction by faction add up."""
    text = normalize_asr(text)
    digits = number_words_to_digits(text)
    found: list[int | None] = []
    for pattern in (_YES, _NO, _ABSTAIN):
        match = pattern.search(digits)
        found.append(int(match.group(1)) if match else None)
    if found[1] is None and re.search(r"\bkeine?\s+(?:Gegenstimmen?|Nein-?Stimmen?)\b", text, re.I):
        found[1] = 0
    if found[2] is None and re.search(r"\bkeine?\s+(?:Stimm)?[Ee]nthaltung", text, re.I):
        found[2] = 0
    for index, pattern in enumerate(_SAID_AS_VERB):
        match = pattern.search(digits) if found[index] is None else None
        if match:
            found[index] = int(match.group(1)) if match.group(1).isdigit() else 0
    if found[1] is None and re.search(r"\bohne\s+(?:Gegenstimmen?|Nein-?Stimmen?)\b", text, re.I):
        found[1] = 0
    if found[2] is None and re.search(r"\bohne\s+(?:Stimm)?[Ee]nthaltung", text, re.I):
        found[2] = 0
    score = _SCORE.search(digits)
    if score and found[0] is None and found[1] is None:
        found[0], found[1] = int(score.group(1)), int(score.group(2))
    stream = stream_counts(text)
    for index, kind in enumerate(("yes", "no", "abstain")):
        if found[index] is None or kind in stream.added:
            found[index] = getattr(stream, kind) if getattr(stream, kind) is not None else found[index]
    return found[0], found[1], found[2]
