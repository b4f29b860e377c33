"""Counts of a spoken call sequence read as a stream of vote words and numbers.

A chair asks and the room answers: "Wer ist dafür? - Zwanzig. Wer ist dagegen? - Zwanzig.
Enthaltungen? - Zwei." Whisper often drops the punctuation ("wer ist dafür zwanzig wer ist
dagegen zwanzig enthaltungen zwei"), and chairs mix the two orders of count and word ("eine
Gegenstimme, Enthaltungen keine"). So the sequence is read as tokens, vote slots (a question or a
vote noun) and numbers, and each number is given to one slot:

- after a question the answer is the first number within a few words ("Wer ist dagegen? Die
  Fraktion der Linken, also drei Stimmen.");
- a number right before a vote noun is that noun's count ("zwei Enthaltungen"), unless the noun
  has a number of its own after it, then the number answers the slot before ("dagegen zwanzig
  enthaltungen zwei");
- the same kind counted several times adds up (faction by faction: "die CDU mit elf Stimmen
  dafür, die SPD mit acht Stimmen dafür"), unless the last count is the total of the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from meetings.spoken_numbers import number_words_to_digits

_SLOT = re.compile(
    r"(?P<qyes>\bwer\s+(?:ist|stimmt|wäre)\s+(?:für|dafür)\b|\bwer\s+stimmt\s+(?:\w+\s+){0,5}?zu\b|"
    r"\bwer\s+(?:möchte|will|kann)\s+zustimmen\b|\bZustimmung\s*\?|\bJa-Stimmen\s*\?)"
    r"|(?P<qno>\bwer\s+(?:ist|stimmt)\s+(?:dagegen|gegen)\b|\bwer\s+lehnt\b|\bGegenprobe\b|\bdagegen\s*\?|"
    r"\b(?:Gegenstimmen|Nein-Stimmen)\s*\?)"
    r"|(?P<qabstain>\bwer\s+enthält\s+sich\b|\b(?:Stimm)?[Ee]nthaltungen\s*\?)"
    r"|(?P<yes>\bJa-Stimmen\b|\bJa-Stimme\b|\bJastimmen\b|\bdafür\b|\bZustimmungen\b)"
    r"|(?P<no>\bNein-Stimmen\b|\bNein-Stimme\b|\bGegenstimmen\b|\bGegenstimme\b|\bdagegen\b|"
    r"\bAblehnungen\b)"
    r"|(?P<abstain>\b(?:Stimm)?[Ee]nthaltung(?:en)?\b)", re.I)
# words between a count and its noun: "elf Stimmen dafür", "zwei weitere Enthaltungen"
_BETWEEN = re.compile(r"^\s*(?:(?:Stimmen|weitere|weiteren)\s+)?$", re.I)
_DIGITS = re.compile(r"\b\d{1,3}\b(?![.,:]\d)(?!\s*(?:Uhr|Euro|Prozent|%|Jahr|Mio|Millionen|Tausend))")
_NOT_A_COUNT = re.compile(r"(?:Punkt|Tagesordnungspunkt|TOP|Nummer|Ziffer|§|Paragraf\w*|Absatz|Anlage|"
                          r"Seite|Drucksache|Vorlage)\s*$", re.I)
# "eine", "keine" are counts where they stand alone or before a vote word, not where they go
# with a noun of the debate: "eine breite Mehrheit", "keine Mehrheit", "keine Fragen"
_ONE_OR_NONE = re.compile(
    r"\b(?P<word>eins|null|niemand|keiner|auch\s+nicht|(?:k?ein(?:e|er|en)?))\b"
    r"(?!\s+(?:große\w*|breite\w*|klare\w*|deutliche\w*|überwiegende\w*|übergroße\w*|knappe\w*|"
    r"Mehrheit|Minderheit|Frage\w*|Wortmeldung\w*|Einw\w+|Widerspr\w*|Abstimmung\w*|Bedenken|"
    r"Möglichkeit|Zustimmung|Änderung\w*|Sitzung|Vorlage|Antrag|Ergänzung\w*|Information\w*|"
    r"Enthaltung\w*\s*\?)\b)", re.I)
_ALL = re.compile(r"\b(?:alle|einstimmig|alle\s+hände)\b", re.I)
_MAJORITY_ANSWER = re.compile(r"\b(?:Mehrheit|mehrheitlich)\b", re.I)

_QUESTION_REACH = 7  # words after a question within which its answer is said
_NOUN_REACH = 3      # words after a vote noun within which its count is said ("Enthaltungen: keine")


@dataclass
class _Token:
    start: int
    end: int
    kind: str               # yes | no | abstain | num
    question: bool = False
    value: int = 0


@dataclass
class StreamCounts:
    """Counts read from a call sequence, with what the answers said besides numbers."""

    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    all_yes: bool = False        # "Wer ist dafür? Alle."
    majority_yes: bool = False   # "Wer ist dafür? Das ist die Mehrheit."
    slots: set[str] = field(default_factory=set)  # the kinds asked or named
    added: set[str] = field(default_factory=set)  # kinds whose count was added up from several

    @property
    def counts(self) -> tuple[int | None, int | None, int | None]:
        return self.yes, self.no, self.abstain


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _SLOT.finditer(text):
        group = match.lastgroup or ""
        tokens.append(_Token(match.start(), match.end(), group.removeprefix("q"),
                             question=group.startswith("q")))
    taken = [(t.start, t.end) for t in tokens]

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    for match in _DIGITS.finditer(text):
        if free(match.start(), match.end()) and not _NOT_A_COUNT.search(text[max(0, match.start() - 20):match.start()]):
            tokens.append(_Token(match.start(), match.end(), "num", value=int(match.group(0))))
    for match in _ONE_OR_NONE.finditer(text):
        if free(match.start(), match.end()):
            word = match.group("word").lower()
            value = 1 if word in ("eins", "ein", "eine", "einer", "einen") else 0
            tokens.append(_Token(match.start(), match.end(), "num", value=value))
    tokens.sort(key=lambda t: t.start)
    return tokens


def _words_between(text: str, first: _Token, second: _Token) -> int:
    return len(text[first.end:second.start].split())


def stream_counts(text: str) -> StreamCounts:
    """The counts said in one call sequence (see the module docstring for the rules)."""
    digits = number_words_to_digits(text)
    tokens = _tokens(digits)
    said: dict[str, list[tuple[int, bool]]] = {}   # kind -> [(value, count-first)]
    result = StreamCounts()
    used: set[int] = set()

    def noun_after(i: int) -> bool:
        return (i + 1 < len(tokens) and tokens[i + 1].kind != "num" and not tokens[i + 1].question
                and bool(_BETWEEN.match(digits[tokens[i].end:tokens[i + 1].start])))

    def own_number(i: int) -> bool:
        """Whether the vote noun at i has a number of its own after it ("dafür 34 dagegen 8
        enthaltungen 0": each noun's number follows it, down the chain)."""
        if not (i + 1 < len(tokens) and tokens[i + 1].kind == "num"
                and _words_between(digits, tokens[i], tokens[i + 1]) <= _NOUN_REACH):
            return False
        return not noun_after(i + 1) or own_number(i + 2)

    for i, token in enumerate(tokens):
        if token.kind == "num":
            if i in used:
                continue
            if noun_after(i):   # "zwei Enthaltungen", "elf Stimmen dafür"
                said.setdefault(tokens[i + 1].kind, []).append((token.value, True))
                used.update((i, i + 1))
            continue
        result.slots.add(token.kind)
        if i in used:
            continue
        reach = _QUESTION_REACH if token.question else _NOUN_REACH
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.kind == "num" and _words_between(digits, token, nxt) <= reach:
            if noun_after(i + 1) and not own_number(i + 2):
                continue   # "wer ist dafür ... 3 Gegenstimmen": the number is the noun's
            said.setdefault(token.kind, []).append((nxt.value, False))
            used.update((i, i + 1))
        elif token.kind == "yes" and token.question:
            answer = digits[token.end: nxt.start if nxt is not None else len(digits)]
            answer = " ".join(answer.split()[:_QUESTION_REACH])
            result.all_yes = result.all_yes or bool(_ALL.search(answer))
            result.majority_yes = result.majority_yes or bool(_MAJORITY_ANSWER.search(answer))
    for kind, values in said.items():
        numbers = [v for v, _ in values]
        if len(numbers) > 1 and numbers[-1] == sum(numbers[:-1]):
            total = numbers[-1]        # the chair adds up what the factions said
        elif len(numbers) > 1 and all(first for _, first in values):
            total = sum(numbers)       # faction by faction
            result.added.add(kind)
        else:
            total = numbers[0]
        setattr(result, kind, total)
    return result
