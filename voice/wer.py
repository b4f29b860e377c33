"""Word error rate with German normalisation, shared by the speech, phone and meeting benchmarks.

Why normalise: whisper writes "37 Euro", "14:30 Uhr" or "Straße" where a reference says
"siebenunddreißig Euro" or "Strasse"; without normalisation those count as errors that no caller
would notice. Both sides are lower-cased, stripped of punctuation, digits become words
(num2words), "ß" becomes "ss" and hyphenated compounds are split.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from num2words import num2words

_SYMBOLS = {"de": {"%": " prozent ", "€": " euro ", "&": " und ", "§": " paragraf "},
            "en": {"%": " percent ", "€": " euro ", "&": " and ", "$": " dollar "}}


def normalize(text: str, language: str = "de") -> list[str]:
    """The words of `text`, normalised for comparison."""
    lang = (language or "de")[:2]
    text = unicodedata.normalize("NFC", text).lower()
    for symbol, word in _SYMBOLS.get(lang, _SYMBOLS["de"]).items():
        text = text.replace(symbol, word)
    text = re.sub(r"(\d+):(\d{2})", lambda m: f"{m.group(1)} uhr {m.group(2)}" if lang == "de" else f"{m.group(1)} {m.group(2)}", text)
    text = re.sub(r"(?<=\d)[.](?=\d{3}\b)", "", text)  # 1.250 -> 1250

    def number(m: re.Match) -> str:
        raw = m.group(0).replace(",", ".")
        try:
            value = float(raw) if "." in raw else int(raw)
            return " " + num2words(value, lang=lang if lang in ("de", "en") else "de") + " "
        except (ValueError, OverflowError, NotImplementedError):
            return " " + raw + " "

    text = re.sub(r"\d+(?:[.,]\d+)?", number, text)
    text = text.replace("ß", "ss").replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text).replace("'", "")
    return text.split()


@dataclass
class WerResult:
    errors: int
    words: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else float(self.errors > 0)


def align(reference: list[str], hypothesis: list[str]) -> WerResult:
    """Levenshtein alignment of two word lists, counting each kind of error."""
    rows, cols = len(reference) + 1, len(hypothesis) + 1
    # cost, substitutions, deletions, insertions
    prev = [(j, 0, 0, j) for j in range(cols)]
    for i in range(1, rows):
        cur = [(i, 0, i, 0)]
        for j in range(1, cols):
            if reference[i - 1] == hypothesis[j - 1]:
                best = prev[j - 1]
            else:
                sub, dele, ins = prev[j - 1], prev[j], cur[j - 1]
                best = min(
                    (sub[0] + 1, sub[1] + 1, sub[2], sub[3]),
                    (dele[0] + 1, dele[1], dele[2] + 1, dele[3]),
                    (ins[0] + 1, ins[1], ins[2], ins[3] + 1),
                )
            cur.append(best)
        prev = cur
    cost, s, d, n = prev[-1]
    return WerResult(cost, len(reference), s, d, n)


def wer(reference: str, hypothesis: str, language: str = "de") -> float:
    """Word error rate of `hypothesis` against `reference` after normalisation."""
    return align(normalize(reference, language), normalize(hypothesis, language)).wer


def corpus_wer(pairs: list[tuple[str, str]], language: str = "de") -> WerResult:
    """Pooled WER over many utterances (errors summed, divided by all reference words)."""
    total = WerResult(0, 0, 0, 0, 0)
    for ref, hyp in pairs:
        r = align(normalize(ref, language), normalize(hyp, language))
        total = WerResult(total.errors + r.errors, total.words + r.words, total.substitutions + r.substitutions,
                          total.deletions + r.deletions, total.insertions + r.insertions)
    return total
