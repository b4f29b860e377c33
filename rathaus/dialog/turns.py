"""What a caller's words say about the turn itself, apart from the catalog: a correction ("nein,
ich meinte ..."), a condition ("und wenn ..."), yes or no, goodbye, a question about one's own
case, another authority named, an emergency, the nouns that bring a new topic. Patterns live in data/turns.toml; yes/no and goodbye
words are the phone's (prompts/<lang>/phone.toml).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import prompts
from rathaus.catalog import text as T
from rathaus.dialog import facets as F
from rathaus.dialog.data import read


_WORD = re.compile(r"[\w']+")


class TurnData(NamedTuple):
    """data/turns.toml, folded and compiled."""

    correction: list[re.Pattern]
    refer: frozenset[str]
    spoken_of: frozenset[str]
    fillers: frozenset[str]
    procedure: tuple[str, ...]
    case: list[re.Pattern]
    condition: list[re.Pattern]
    authority: list[re.Pattern]
    apply: list[re.Pattern]
    emergency: list[re.Pattern]
    past_event: list[re.Pattern]
    not_meant: list[re.Pattern]
    guessed_place: list[re.Pattern]
    do_there: list[re.Pattern]
    places: dict[str, int]
    place_tail: frozenset[str]


@lru_cache(maxsize=1)
def turn_data() -> TurnData:
    raw = read("turns.toml")
    compiled = {key: [re.compile(T.fold(p)) for p in raw[key]]
                for key in ("correction", "case", "condition", "authority", "apply", "emergency", "past_event",
                            "guessed_place", "do_there")}
    compiled["not_meant"] = [re.compile(T.fold(p), re.IGNORECASE) for p in raw["not_meant"]]  # on the caller's own words
    return TurnData(refer=frozenset(T.fold(w) for w in raw["refer"]),
                    spoken_of=frozenset(T.fold(w) for w in raw["spoken_of"]),
                    fillers=frozenset(T.fold(w) for w in raw["fillers"]),
                    procedure=tuple(T.fold(w) for w in raw["procedure"]),
                    places={T.fold(w): int(n) for n, ws in raw["places"].items() for w in ws},
                    place_tail=frozenset(T.fold(w) for w in raw["place_tail"]), **compiled)


def condition_facet(text: str, previous: str | None) -> str | None:
    """"Und wenn ich die online hole?" after a cost question: still the cost. The facet the main
    clause asks ("Und wenn es eilig ist, wie lange dauert es?"), else the one before."""
    folded = F.folded_text(text).strip()
    if previous is None or not any(p.search(folded) for p in turn_data().condition):
        return None
    _, comma, main = text.partition(",")
    if not comma:  # speech without commas: the main clause after the condition's verb or at its question word
        split = _MAIN_CLAUSE.search(folded)
        main = folded[split.start(1):] if split else ""
    return (F.detect(main) if main else None) or previous


# "und wenn ein rohr platzt wen rufe ich an", "und wenn wir draussen heiraten wollen kostet das mehr"
_MAIN_CLAUSE = re.compile(r"\bwenn\b(?:\s+\S+){2,}?\s+(?:(?=(?:wen|wer|wo|wohin|was|wat|wie|wann|welche\w*)\b)|"
                          r"(?:wollen|will|mochten|mochte|ist|sind|habe|haben|hat|hab|kann|konnen|muss|mussen|wird|werden|soll|sollen)\s+"
                          r"(?=(?:kostet|kosten|dauert|dauern|brauche|brauch|brauchen|gilt|geht|muss|mussen)\b))(\w.*)$")


def place_in_list(text: str) -> int | None:
    """"Das zweite", "Letzteres": the place in a list of options the reply names (0 the first,
    -1 the last), or None. "Für den zweiten Hund" names a further dog, no place."""
    data = turn_data()
    words = T.words(text)
    said = [i for i, w in enumerate(words) if w in data.places]
    if len(said) != 1 or not all(x in data.place_tail for x in words[said[0] + 1:]):
        return None  # none, several ("das erste oder das zweite"), or one before a noun
    return data.places[words[said[0]]]


def does_there(text: str) -> bool:
    """"kann ich das mittwochs in Hürtenich machen": whether the thing spoken of can be done at a place."""
    folded = F.folded_text(text).strip()
    return any(p.search(folded) for p in turn_data().do_there)


def guesses_place(text: str) -> bool:
    """"Wo is dat überhaupt, im Rathaus?": where the office spoken of is, with the caller's guess
    at the place (an office's name) after it."""
    folded = F.folded_text(text).strip()
    return any(p.search(folded) for p in turn_data().guessed_place)


def case_cues(text: str) -> list[str]:
    """The words of `text` that make it a question about the caller's own case (status, refusal,
    complaint), which only a person with the file can answer; none if it is not one."""
    folded = F.folded_text(text)
    return [m.group(0).strip() for p in turn_data().case if (m := p.search(folded))]


def emergency(text: str) -> bool:
    """Fire, gas, someone hurt, a burst water main: 112 or 110 first, and a person at once."""
    folded = F.folded_text(text)
    for past in turn_data().past_event:
        folded = past.sub(" ", folded)
    return any(p.search(folded) for p in turn_data().emergency)


def other_authorities(text: str) -> set[str]:
    """The other authorities the question names (Finanzamt, Jobcenter, Familienkasse ...), folded:
    most such questions are about a case there; the dialog forwards them unless the catalog
    answers (a document that authority wants from the town, or what the service under
    discussion says about it). One the caller says it is not for ("..., nich fürs Jobcenter") is none."""
    folded = F.folded_text(_meant(T.fold(text)))
    return {m.group(0).strip() for p in turn_data().authority for m in p.finditer(folded)}


def asks_how_to_apply(text: str) -> bool:
    """"Wo beantrage ich das Elterngeld?": where or how to apply for something. Asked of another
    authority's matter, it is that authority's, even where the service under discussion names it
    ("Geburtsurkunden für Elterngeld und Kindergeld")."""
    folded = F.folded_text(text)
    return any(p.search(folded) for p in turn_data().apply)


def nouns(text: str) -> set[str]:
    """Stems of the capitalised words after the first (German nouns name things; a question that
    names none brings no new topic). Text without any capital letter (lower-cased input) counts
    every word, so nothing is lost where the case is unknown."""
    tokens = re.findall(r"[^\W\d_][\w-]*", text)
    if not any(t[0].isupper() for t in tokens):
        return {T.stem(w) for t in tokens for w in T.words(t)}
    return {T.stem(w) for t in tokens[1:] if t[0].isupper() for w in T.words(t)}


def only_procedure(residual: set[str]) -> bool:
    """Whether what a turn says beyond facet and back-reference words is only verbs of a procedure
    ("beantragen", "muss"): it names no topic of its own."""
    return all(w.startswith(turn_data().procedure) for w in residual)


def closing(text: str, lang: str) -> bool:
    """"Danke, das war's" / "Tschüss": the caller is done (the phone's own words for it)."""
    words = _WORD.findall(text.lower())
    norm = " " + " ".join(words) + " "
    done = [" ".join(_WORD.findall(w.lower())) for w in prompts.raw("phone.words.done", lang)]
    return len(words) <= 5 and any(f" {w} " in norm for w in done if len(w.split()) > 1 or w in ("tschüss", "bye", "goodbye"))


def _meant(text: str) -> str:
    """The text without a closing "nicht ..." that says what is not meant ("..., nich fürs Jobcenter")."""
    for tail in turn_data().not_meant:
        text = tail.sub("", text)
    return text


def correction(text: str) -> str | None:
    """The new question of a correction ("nein, ich meinte den Reisepass" -> "den Reisepass")."""
    original = text.split()
    folded = " ".join(T.fold(w) for w in original)  # one folded word per original word
    for pattern in turn_data().correction:
        m = pattern.search(folded)
        if m:
            consumed = len(folded[:m.end()].split())
            rest = " ".join(original[consumed:]).strip(" ,.!?")
            return _meant(rest).strip(" ,.!?") or rest or None
    return None


_PERSON = re.compile(r"\b(fur mich|mir selbst|ich selbst|fur (meinen?|meine|unseren?|unsere) \w+|for me|for my \w+)\b")


def names_person(text: str) -> bool:
    """Whether a turn says who it is for ("für mich", "für meinen Mann"): then nothing of an
    earlier turn's person carries over."""
    return bool(_PERSON.search(T.fold(text)))


def yes_no(text: str, lang: str) -> bool | None:
    """True for yes, False for no, None for neither (the phone's yes/no words)."""
    norm = " " + " ".join(_WORD.findall(text.lower())) + " "

    def has(key: str) -> bool:
        return any(f" {' '.join(_WORD.findall(w.lower()))} " in norm for w in prompts.raw(f"phone.words.{key}", lang))

    if has("no"):
        return False
    if has("yes"):
        return True
    return None
