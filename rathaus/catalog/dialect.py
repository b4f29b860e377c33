"""Regional and spoken German word forms brought to standard German before a question is read.

Callers phone in their own German: "Was koscht des?" (Swabian), "Wat kost det?" (Berlin), "Ko i
des online macha?" (Bavarian). The facet and turn cues, the office names and the catalog are in
standard German, so each of them would need every regional form. Instead the caller's words are
standardised once, word by word, from `data/dialect.toml`; a question already in standard German
comes back unchanged.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

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
    changed = word
    for pattern, replacement in _sounds():
        changed = pattern.sub(replacement, changed)
    return changed[:1].upper() + changed[1:] if word[:1].isupper() else changed


# Debian's German word list (package wngerman, installed by scripts/install-system.sh): without it a
# word no table lists stays as the caller said it.
WORD_LIST = Path("/usr/share/dict/ngerman")


@lru_cache(maxsize=1)
def _word_list() -> tuple[frozenset[str], dict[str, str]]:
    """(every standard German word form folded, the spelling of those whose folding changed them)."""
    try:
        lines = WORD_LIST.read_text(encoding="utf-8").split()
    except OSError:
        return frozenset(), {}
    plain = {word.lower() for word in lines}
    spelled = {}
    for word in lines:
        key = fold(word)
        if key not in plain:  # "älter" for "alter" only where no "Alter" is
            spelled.setdefault(key, word.lower())
    return frozenset(plain | spelled.keys()), spelled


@lru_cache(maxsize=1)
def _soft() -> tuple[list[tuple[str, str]], list[tuple[re.Pattern, str]]]:
    table = _raw()["soft"]
    return ([tuple(pair) for pair in table["letters"]],
            [(re.compile(pattern), replacement) for pattern, replacement in table["endings"]])


_MOST_CHANGED = 3  # letters changed in one word at most: more would make a new word of any long one


@lru_cache(maxsize=4096)
def _hardened(word: str) -> str | None:
    """The standard German word a softly spoken one stands for ("kosd" -> "kost", "Dogumende" ->
    "Dokumente", "fällisch" -> "fällig"): the variant with the fewest letters changed that the word
    list knows, where exactly one does; None for a word the list knows or one it cannot place."""
    known, spelled = _word_list()
    key = fold(word)
    if len(key) < 4 or key in known or not known:
        return None
    letters, endings = _soft()
    places = sorted((m.start(), m.end(), hard) for soft, hard in letters for m in re.finditer(soft, key))
    changes = {}
    for k in range(1, min(len(places), _MOST_CHANGED) + 1):
        for chosen in itertools.combinations(places, k):
            if any(a[1] > b[0] for a, b in zip(chosen, chosen[1:])):
                continue  # overlapping ("sch" and "ch")
            changed = key
            for begin, stop, hard in reversed(chosen):
                changed = changed[:begin] + hard + changed[stop:]
            changes.setdefault(changed, k)
    for variant, n in [(key, 0), *changes.items()]:
        for pattern, replacement in endings:
            changes.setdefault(pattern.sub(replacement, variant), n + 1)
    hits = sorted((n, variant) for variant, n in changes.items() if variant in known and variant != key)
    if not hits or (len(hits) > 1 and hits[1][0] == hits[0][0]):
        return None
    return spelled.get(hits[0][1], hits[0][1])


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
            before = word.split("'")[0]
            standard = table.get(fold(before)) or _hardened(before)
        if standard is None and key.startswith("d") and "'" in word[:2] and len(word) > 3:
            return "die " + word[2:]  # "d'Kinder"
        if standard is None:  # "verkoofn": the "e" put back, then the word looked up again
            restored = _sound_changed(_e_restored(word))
            standard = table.get(fold(restored.replace("'", ""))) or _hardened(restored)
            if standard is None:
                return restored
        return standard[:1].upper() + standard[1:] if word[:1].isupper() else standard

    return _WORD.sub(replace, text)
