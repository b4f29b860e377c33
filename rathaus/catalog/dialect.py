"""Regional and spoken German word forms brought to standard German before a question is read.

Callers phone in their own German: "Was koscht des?" (Swabian), "Wat kost det?" (Berlin), "Ko i
des online macha?" (Bavarian). The facet and turn cues, the office names and the catalog are in
standard German, so each of them would need every regional form. Instead the caller's words are
standardised once, word by word, from `data/dialect.toml`; a question already in standard German
comes back unchanged.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from rathaus.catalog.text import fold


@lru_cache(maxsize=1)
def _raw() -> dict:
    return tomllib.loads(resources.files("rathaus.catalog.data").joinpath("dialect.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(forms replaced anywhere, forms replaced after the turn's first word)."""
    raw = _raw()
    anywhere = {fold(key): value for key, value in raw["words"].items()}
    return anywhere, {**anywhere, **{fold(key): value for key, value in raw.get("inside", {}).items()}}


@lru_cache(maxsize=1)
def _ich() -> tuple[str, str, frozenset[str], frozenset[str], frozenset[str]]:
    """(the form, "ich", verb forms it follows as "ich", conjunctions that open a clause, words it
    opens a clause before as another word)."""
    table = _raw()["ich"]
    form, ich = table["forms"]
    return (fold(form), ich, frozenset(map(fold, table["after"])), frozenset(map(fold, table["conjunctions"])),
            frozenset(map(fold, table["opens_not_before"])))


def _means_ich(before: str, after: str) -> bool:
    """Whether "isch" between these texts says "ich" ("muss isch", "isch mach") rather than "ist"."""
    _, _, verbs, conjunctions, not_before = _ich()
    previous = _WORD.findall(before.split(",")[-1])
    following = _WORD.findall(after)
    if previous and fold(previous[-1]) not in conjunctions:
        return fold(previous[-1]) in verbs
    return bool(following) and fold(following[0]) not in not_before


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@lru_cache(maxsize=1)
def _dropped_e() -> re.Pattern:
    letters = sorted(_raw()["endings"]["dropped_e_before_n"], key=len, reverse=True)
    return re.compile(rf"(?<=[^\W\d_]{{2}})({'|'.join(letters)})n$")


def _e_restored(word: str) -> str:
    """"findn" -> "finden"; any other word unchanged."""
    return _dropped_e().sub(r"\1en", word) if len(word) >= 4 else word


@lru_cache(maxsize=1)
def _sounds() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(pattern, re.I), replacement) for pattern, replacement in _raw()["sounds"]["rules"]]


def _sound_changed(word: str) -> str:
    """"jestorben" -> "gestorben", "samstachs" -> "samstags"; any other word unchanged."""
    for pattern, replacement in _sounds():
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[re.Pattern, str]]:
    """Word pairs that mean something else together than each alone: Low German "wo lang" is
    "wie lange", while "wo" alone stays "wo"."""
    return [(re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, key.split())) + r"(?!\w)", re.I), value)
            for key, value in _raw().get("phrases", {}).items()]


def standard_german(text: str) -> str:
    """`text` with regional word forms replaced by standard German ("isch" -> "ist")."""
    for pattern, value in _phrases():
        text = pattern.sub(value, text)
    anywhere, inside = _tables()
    form, ich = _ich()[:2]

    def replace(match: re.Match) -> str:
        word = match.group(0)
        table = inside if text[:match.start()].strip(" ,.!?") else anywhere
        key = fold(word.replace("'", ""))
        if key == form and _means_ich(re.split(r"[.!?;]", text[:match.start()])[-1], text[match.end():]):
            return ich[:1].upper() + ich[1:] if word[:1].isupper() else ich
        standard = table.get(key)
        if standard is None and "'" in word[2:]:  # "gostet'n", "brauch's": the word before the clitic
            standard = table.get(fold(word.split("'")[0]))
        if standard is None and key.startswith("d") and "'" in word[:2] and len(word) > 3:
            return "die " + word[2:]  # "d'Kinder"
        if standard is None:  # "verkoofn": the "e" put back, then the word looked up again
            restored = _sound_changed(_e_restored(word))
            standard = table.get(fold(restored.replace("'", "")))
            if standard is None:
                return restored
        return standard[:1].upper() + standard[1:] if word[:1].isupper() else standard

    return _WORD.sub(replace, text)
