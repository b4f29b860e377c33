"""Word error rate with German normalisation, shared by the speech, phone and meeting benchmarks.

Why normalise: whisper writes "37 Euro", "14:30 Uhr" or "Straße" where a reference says
"siebenunddreißig Euro" or "Strasse"; without normalisation those count as errors that no caller
would notice. Both sides are lower-cased, stripped of punctuation, digits become words
(num2words), "ß" becomes "ss" and hyphenated compounds are split.

German numbers are first brought to one written form, since the same spoken words come back as
"37,50 €", "37 Euro 50" or "siebenunddreißig Euro fünfzig", a phone number as "05432 810-210" or
"0 5 4 3 2 8 1 0 2 1 0", a time as "7:30 Uhr" or "7 Uhr 30", a date as "31.03.2027" or "31. März
2027": spoken numbers become digits (text2num), amounts, times and dates take one shape, digit
groups of a phone number become one token, and catalog abbreviations ("z. B.", "Nr.") are read
out as voice/speakable_de.toml says, on both sides alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from num2words import num2words

_SYMBOLS = {"de": {"%": " prozent ", "€": " euro ", "&": " und ", "§": " paragraf "},
            "en": {"%": " percent ", "€": " euro ", "&": " and ", "$": " dollar "}}


_MONTHS = ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember"]


def _german_numbers(text: str) -> str:
    """One written form for the German numbers of `text` (see the module docstring)."""
    from text_to_num import alpha2digit

    from voice.speakable import expand_abbreviations

    text = expand_abbreviations(text)
    text = re.sub(r"\bzwo\b", "zwei", text, flags=re.I)
    text = alpha2digit(text, "de")
    text = text.lower()
    text = re.sub(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?!\d)",
                  lambda m: f"{m.group(1)} {_MONTHS[int(m.group(2)) - 1]} {m.group(3) or ''}"
                  if 1 <= int(m.group(2)) <= 12 else m.group(0), text)
    money = r"(\d+),(\d{2}|-{1,2}|–)\s?(?:€|eur\b|euro\b)"
    text = re.sub(money, lambda m: f"{m.group(1)} euro {m.group(2) if m.group(2).isdigit() else ''}", text)
    text = re.sub(r"\b(\d{1,2}):(\d{2})(?:\s?uhr)?\b", r"\1 uhr \2", text)
    text = re.sub(r"\b(\d{1,2})\.(\d{2})(?:\s?uhr\b|(?=\s?(?:bis|-|–)\s?\d))", r"\1 uhr \2", text)
    text = re.sub(r"\b(\d+)\s?uhr\s?(\d+)\s?(?:bis|-|–)\s?(\d+)\s?uhr\b", r"\1 uhr \2 bis \3 uhr", text)
    text = re.sub(r"\b(euro|uhr) 00\b", r"\1", text)
    text = re.sub(r"\b(\d+) uhr (bis|-|–) (\d+) uhr\b", r"\1 \2 \3 uhr", text)
    text = re.sub(r"\b(\d+)\.(?!\d)", r"\1", text)  # ordinals: "31." and "31" sound alike

    def digit_run(m: re.Match) -> str:
        run = m.group(0)
        digits = re.sub(r"\D", "", run)
        groups = len(re.findall(r"\d+", run))
        phone = len(digits) >= 5 and (run[0] in "0+" or groups >= 3 or len(digits) >= 7)
        return f" {digits} " if phone else run

    # phone numbers: digit groups apart by spaces, hyphens or slashes are one number, and so are
    # digits listed with commas ("0, 5, 4, 3, 2" and "0,721, 1, 3, 3, 0" are how whisper writes a
    # number read digit by digit) and groups that whisper ends with a full stop where the voice
    # paused ("0761. 2 0 1 4455"); a run joins only where it has a phone number's length
    text = re.sub(r"(?<![\d,.])\+?\d+(?:(?:[ /–-]+|\s?,\s?(?=\d)|\.\s(?=\d))\d+)+(?![\d])", digit_run, text)
    text = re.sub(r"\b(\d{1,4}) ?[–-] ?(\d{1,4})\b", r"\1 bis \2", text)  # "80-120 Euro"
    return re.sub(r"(?<=\d)(?:[.,]|\s(?:komma|punkt)\s)(?=\d)", " punkt ", text)


def normalize(text: str, language: str = "de") -> list[str]:
    """The words of `text`, normalised for comparison."""
    lang = (language or "de")[:2]
    text = unicodedata.normalize("NFC", text)
    if lang == "de":
        text = _german_numbers(text)
    text = text.lower()
    for symbol, word in _SYMBOLS.get(lang, _SYMBOLS["de"]).items():
        text = text.replace(symbol, word)
    text = re.sub(r"(\d+):(\d{2})", lambda m: f"{m.group(1)} uhr {m.group(2)}" if lang == "de" else f"{m.group(1)} {m.group(2)}", text)
    text = re.sub(r"(?<=\d)[.](?=\d{3}\b)", "", text)  # 1.250 -> 1250

    def number(m: re.Match) -> str:
        raw = m.group(0).replace(",", ".")
        if lang == "de" and len(raw) >= 5 and raw.isdigit():  # a phone number: one token
            return " " + raw + " "
        try:
            value = float(raw) if "." in raw else int(raw)
            return " " + num2words(value, lang=lang if lang in ("de", "en") else "de") + " "
        except (ValueError, OverflowError, NotImplementedError):
            return " " + raw + " "

    text = re.sub(r"\d+(?:[.,]\d+)?", number, text)
    text = text.replace("ß", "ss").replace("-", " ")
    if lang == "de":  # "buergerbuero@..." is heard as "Bürgerbüro"; "eins" and "ein" are one word here
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
        text = re.sub(r"\beins\b", "ein", text)
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


def join_compounds(reference: list[str], hypothesis: list[str]) -> list[str]:
    """`hypothesis` with neighbours joined where together they spell a reference word: German
    compounds come back split ("Einwohnermelde Amts") though the listener heard the same word."""
    words = set(reference)
    out: list[str] = []
    i = 0
    while i < len(hypothesis):
        for n in (3, 2):
            joined = "".join(hypothesis[i:i + n])
            if i + n <= len(hypothesis) and joined in words and hypothesis[i] not in words:
                out.append(joined)
                i += n
                break
        else:
            out.append(hypothesis[i])
            i += 1
    return out


def _aligned(reference: str, hypothesis: str, language: str) -> WerResult:
    ref = normalize(reference, language)
    hyp = normalize(hypothesis, language)
    if (language or "de")[:2] == "de":
        hyp = join_compounds(ref, hyp)
        ref = join_compounds(hyp, ref)
    return align(ref, hyp)


def wer(reference: str, hypothesis: str, language: str = "de") -> float:
    """Word error rate of `hypothesis` against `reference` after normalisation."""
    return _aligned(reference, hypothesis, language).wer


def corpus_wer(pairs: list[tuple[str, str]], language: str = "de") -> WerResult:
    """Pooled WER over many utterances (errors summed, divided by all reference words)."""
    total = WerResult(0, 0, 0, 0, 0)
    for ref, hyp in pairs:
        r = _aligned(ref, hyp, language)
        total = WerResult(total.errors + r.errors, total.words + r.words, total.substitutions + r.substitutions,
                          total.deletions + r.deletions, total.insertions + r.insertions)
    return total
