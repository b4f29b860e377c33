"""What a caller asks about (cost, documents, where, hours, ...) and where the catalog answers it.

A facet is found from cue patterns of the question (data/facets.toml). Its answer comes from the
catalog field that holds it (fees, documents, offices) or from the sentence of the service's
description that answers it: sentences with the facet's cue words, ranked by the words they share
with the question and, when an encoder is given, by embedding similarity.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from rathaus.catalog import text as T
from rathaus.catalog.html import sentences
from rathaus.dialog.data import read
from rathaus.dialog import hours as H

FACETS = ("cost", "documents", "where", "hours", "contact", "appointment", "processing_time", "online",
          "deadline", "validity", "what", "limit")
# Facets answered from a field of the service or its offices; the others from the description.
FIELD_FACETS = ("cost", "documents", "where", "hours", "contact")
# Facets that also make sense for an office on its own ("Wann hat das Bürgerbüro geöffnet?").
OFFICE_FACETS = ("hours", "contact", "where")
# Facets a bare "Wann denn?" goes on asking.
TIME_FACETS = ("hours", "deadline", "processing_time")


@lru_cache(maxsize=1)
def cue_data() -> dict:
    raw = read("facets.toml")

    def compile_all(table: dict) -> dict[str, list[re.Pattern]]:
        return {k: [re.compile(T.fold(p)) for p in v] for k, v in table.items()}

    def weighted(table: dict) -> dict[str, list[tuple[re.Pattern, float]]]:
        return {k: [(re.compile(T.fold(p)), 1.0) if isinstance(p, str) else (re.compile(T.fold(p[0])), float(p[1]))
                    for p in v] for k, v in table.items()}

    def literal_words(pattern: str) -> frozenset[str]:  # "\bhat .* \bauf\b" -> {"hat", "auf"}
        # an optional last letter is left off, so that the word counts without it ("wie lange?": "lang")
        plain = re.sub(r"\w\?", "", re.sub(r"\\[a-zA-Z]", " ", T.fold(pattern)))
        return frozenset(w for w in re.findall(r"\w{2,}", plain) if not w.isdigit())

    return {"order": raw["order"], "question": weighted(raw["question"]), "sentence": compile_all(raw["sentence"]),
            "words": {k: [T.fold(w) for w in v] for k, v in raw.get("words", {}).items()},
            "literals": {p.pattern: literal_words(p.pattern) for v in weighted(raw["question"]).values() for p, _ in v},
            "age": compile_all(raw["age"]), "special": [T.fold(w) for w in raw["special"]["words"]],
            "general": tuple(T.stem(T.fold(w)) for w in raw["detail"]["general"]),
            "fees": {k: [T.fold(w) for w in v] for k, v in raw["fees"].items()},
            "asked_as": {facet: {T.stem(T.fold(w)): tuple(T.fold(f) for f in families) for w, families in table.items()}
                         for facet, table in raw.get("asked_as", {}).items()},
            "numbers": {T.fold(w): n for words in raw["numbers"].values() for n, w in enumerate(words)},
            "travel": [re.compile(T.fold(p)) for p in raw["context"]["travel"]],
            "not_places": frozenset(T.fold(w) for w in raw["context"]["not_places"]),
            "family_re": {k: _family_pattern([T.fold(w) for w in v]) for k, v in raw.get("words", {}).items()}}


def _family_pattern(families: list[str]) -> re.Pattern:
    """One expression for a facet's word families: a word starting with one, or holding a "*" one
    after its first letter."""
    starts = [re.escape(f) for f in families if not f.startswith("*")]
    inside = [re.escape(f[1:]) for f in families if f.startswith("*")]
    parts = ([f"^(?:{'|'.join(starts)})"] if starts else []) + ([f"^.+(?:{'|'.join(inside)})"] if inside else [])
    return re.compile("|".join(parts) or "(?!)")


@lru_cache(maxsize=16384)
def folded_text(text: str) -> str:
    return " " + " ".join(T.fold(text).split()) + " "


def in_family(token: str, family: str) -> bool:
    """A word of the question belongs to a word family: it starts with it, or ("*family") holds it."""
    if family.startswith("*"):
        return family[1:] in token[1:]
    return token.startswith(family)


def cue_tokens(question: str) -> list[tuple[str, tuple[str, ...]]]:
    """(word, the words of the question it stands for): the folded words, and the separable verbs
    joined ("nehm ich da mit" -> "mitnehm", standing for "nehm" and "mit")."""
    out = [(w, (w,)) for w in T.words(question)]
    for clause in re.split(r"[,.;:!?]+", question):
        tokens = T.words(clause)
        if len(tokens) >= 3 and tokens[-1] in T.PARTICLES:
            out.extend((tokens[-1] + t, (t, tokens[-1])) for t in tokens[:-1]
                       if len(t) >= 3 and t not in T.STOPWORDS and t.isalpha())
    return out


def scores(question: str) -> dict[str, float]:
    """Per facet, the weight of its cues that the question holds (word families and phrases)."""
    return dict(_scores(question))


@lru_cache(maxsize=4096)
def _scores(question: str) -> dict[str, float]:
    folded = folded_text(question)
    data = cue_data()
    tokens = [w for w, _ in cue_tokens(question)]
    out: dict[str, float] = {}
    for facet in data["order"]:
        score = sum(weight for p, weight in data["question"].get(facet, []) if p.search(folded))
        if facet in data["family_re"] and any(data["family_re"][facet].match(t) for t in tokens):
            score += sum(1.0 for family in data["words"][facet] if any(in_family(t, family) for t in tokens))
        if facet == "hours" and _day_asked(question) and not any(p.search(folded) for p in data["travel"]):
            score += 0.75  # "am Samstag", "heute", "und nachmittags": a day hints at opening hours, a cue outweighs it
        if score > 0:
            out[facet] = score
    return out


_TOLD = re.compile(r"\b(verstorben|gestorben|geboren|passiert|gestohlen|geklaut|verloren|umgezogen|eingezogen|angekommen)\b")


def _day_asked(question: str) -> bool:
    """Whether a day is named where the caller asks: a day in a sentence that only tells what
    happened ("Mein Sohn ist am Montag geboren. Was müssen wir jetzt machen?") is no hint."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+", question.strip()) if p]
    asking = " ".join(p for i, p in enumerate(parts) if p.endswith("?") or i == len(parts) - 1)
    # "Meine Mutter ist heute Nacht verstorben, was muss ich ... machen?": the clause telling the event,
    # up to its verb where nothing marks the clause ("mein vater ist heute nacht gestorben was muss ich")
    clauses = asking.split(",")
    asking_clauses = []
    for clause in clauses:
        told = _TOLD.search(folded := folded_text(clause))
        if told is None:
            asking_clauses.append(clause)
        elif re.search(r"\w", folded[told.end():]):
            asking_clauses.append(folded[told.end():])
    if asking_clauses and asking_clauses != clauses:
        asking = ",".join(asking_clauses)
    return H.asked_day(asking) is not None or any(H.is_day_word(w) for w, _ in cue_tokens(H.without_greeting(asking)))


def detect(question: str) -> str | None:
    """The facet a question asks about, or None (a plain request: "Ich brauche einen Pass"): the
    best-scoring one, a tie going to the earlier facet of the order (the more specific question)."""
    found = scores(question)
    if not found:
        return None
    order = cue_data()["order"]
    return max(found, key=lambda f: (found[f], -order.index(f)))


def facet_words(question: str, facet: str | None = None) -> set[str]:
    """Folded words of the question that belong to facet cues (of one facet, or of any), whole
    words even where a cue matches a part ("telefon" in "Telefonnummer")."""
    return set(_facet_words(question, facet))


def facet_stems(question: str, facet: str | None = None) -> set[str]:
    """Stems of the question's facet words: what it asks, to be set apart from what it names."""
    return {T.stem(w) for w in _facet_words(question, facet)}


@lru_cache(maxsize=4096)
def _facet_words(question: str, facet: str | None) -> frozenset[str]:
    folded = folded_text(question)
    out: set[str] = set()
    data = cue_data()
    for name, patterns in data["question"].items():
        if facet is not None and name != facet:
            continue
        for p, weight in patterns:
            if weight < 0:  # a frame that takes a cue back ("ich mach meinen Laden zu") is no cue
                continue
            for m in p.finditer(folded):
                start, end = m.start(), m.end()
                while start > 0 and folded[start - 1].isalnum():
                    start -= 1
                while end < len(folded) and folded[end].isalnum():
                    end += 1
                # the cue's own words, not what a wildcard spans ("hat der Wertstoffhof am Samstag auf")
                literals = data["literals"][p.pattern]
                out.update(w for w in T.words(folded[start:end]) if any(w.startswith(x) for x in literals))
    tokens = cue_tokens(question)
    for name, families in data["words"].items():
        if facet is not None and name != facet:
            continue
        pattern = data["family_re"][name]
        for token, parts in tokens:
            if pattern.match(token):
                out.update(parts)
    return frozenset(out)


# ------------------------------------------------------------------------------------ sentences
Similarity = Callable[[str, list[str]], list[float]]


@lru_cache(maxsize=8192)
def _sentence_stems(sentence: str) -> frozenset[str]:
    return frozenset(T.content_stems(sentence))


@lru_cache(maxsize=2048)
def sentences_of(description: str) -> tuple[str, ...]:
    """The description's sentences, split once per description (a catalog text is asked again and again)."""
    return tuple(sentences(description))


def anaphoric(sentence: str) -> bool:
    """Whether a sentence leans on the one before ("Dieser ist drei Monate gültig.")."""
    return bool(_ANAPHORIC.match(sentence))


def _mentions(stems: set[str], specific: set[str]) -> int:
    """How many of the question's specific stems a sentence holds (also as part of a compound)."""
    def meets(q: str, s: str) -> bool:  # either way round; "Blindenhund" meets "Blindenführhunde"
        return T.part_of(q, s) or T.part_of(s, q) or (len(q) >= 8 and len(s) >= 8 and q[:7] == s[:7])

    return sum(1 for q in specific if any(meets(q, s) for s in stems))


def mentions(text: str, specific: set[str]) -> int:
    """How many of the specific stems a text holds."""
    return _mentions(_sentence_stems(text), specific) if specific else 0


def detail_sentences(description: str, specific: set[str], own: set[str] = frozenset(),
                     said: set[str] = frozenset()) -> list[str]:
    """Sentences of the description that hold what the question names beyond the service itself
    ("Blindenhund", "Gartenhaus", "Hasenbühl"), most such words first, then those naming a thing
    rather than a permission in general ([detail] general), then those holding more of the
    question's other words (`said`, stems: "ein grünes Kennzeichen" of "Kennzeichen" sentences),
    then in order. `own`: stems of the service's name, which tell no sentence apart
    ("Kinderreisepass" is not "Reisepass")."""
    if not specific:
        return []
    general = cue_data()["general"]
    things = {q for q in specific if not any(g in q for g in general)}
    found = [(n, _mentions(stems, things), len(stems & said), i, s)
             for i, s in enumerate(sentences_of(description))
             if (n := _mentions(stems := _sentence_stems(s) - own, specific))]
    return [s for *_, s in sorted(found, key=lambda x: (-x[0], -x[1], -x[2], x[3]))]


_CHILD_RULE = re.compile(r"\b\d+ (bis|-) \d+ jahr|\b(unter|bis) \d+ jahr|\bjugend(?!amt|hilfe|\b)|minderjahrig|vor vollendung")


def child_rules(description: str) -> list[str]:
    """The sentences of a description that set a rule for children ("Jugendfischereischein für
    Kinder von 10 bis 15 Jahren", "unter 18"), where only a few do: a description that speaks of
    children throughout (a Kita's) has no such rule to pick."""
    all_sentences = sentences_of(description)
    rules = [s for s in all_sentences if _CHILD_RULE.search(folded_text(s))]
    return rules if len(rules) * 2 < len(all_sentences) else []


# The months, folded, as one alternation ("im Oktober", "1. August")
MONTHS = "januar|februar|marz|april|mai|juni|juli|august|september|oktober|november|dezember"


def age_rules(description: str, age: int) -> list[str]:
    """The sentences of a description that name this age as a number ("Ab dem 16. Geburtstag")."""
    number = re.compile(rf"(?<![\d,.]){age}(?![\d,])(?!\.\s*({MONTHS})\b)")  # not a date ("1. August")
    return [s for s in sentences_of(description) if number.search(folded_text(s))]


def special(text: str) -> bool:
    """Whether a text speaks of a special case: express, an exception ("eilig", "ausnahmsweise")."""
    words = cue_data()["special"]
    return any(in_family(t, w) for t, _ in cue_tokens(text) for w in words)


_WHEN = re.compile(r"\b(wann|when)\b")


def best_sentences(description: str, facet: str, question: str, similarity: Similarity | None = None,
                   limit: int = 2, specific: set[str] | None = None) -> list[str]:
    """Up to `limit` sentences of the description that answer `facet` for this question, best first
    (in the description's order when two are given). Empty when none carries the facet's cues.
    A sentence that holds the question's specific words (`specific`) comes first; one about a
    special case (express, exceptions) only when the caller names such a case."""
    cues = cue_data()["sentence"].get(facet, [])
    if not cues:
        return []
    all_sentences = sentences_of(description)
    candidates = [(i, s) for i, s in enumerate(all_sentences) if any(p.search(folded_text(s)) for p in cues)]
    if facet == "validity":  # "In der Seestraße gilt Bewohnerparken." says where, not for how long
        candidates = [c for c in candidates if _SPAN.search(folded_text(c[1]))] or candidates
    if not candidates:
        return []
    q_facet = facet_stems(question)
    q_stems = T.content_stems(question) - q_facet
    # "wann bezahlen" asks for "fällig" ("Kann ich auf einmal zahlen?" for the sentence on paying at once)
    for meant, families in cue_data()["asked_as"].get(facet, {}).items() if _WHEN.search(folded_text(question)) else ():
        standing = {q for q in q_stems | q_facet if q.startswith(families)}
        if standing:
            q_stems, q_facet = q_stems - standing, (q_facet - standing) | {meant}
    plain = not special(question)
    rival = _RIVALS.get(facet)
    rival_cues = cue_data()["sentence"].get(rival, []) if rival and rival not in _scores(question) else []
    scores = []
    for i, s in candidates:
        s_stems = _sentence_stems(s)
        cue_hits = sum(1 for p in cues if p.search(folded_text(s)))
        score = 0.25 * min(cue_hits, 3) + 0.5 * len(q_stems & s_stems) + 0.6 * len(q_facet & s_stems) - 0.01 * i
        score += 1.5 * _mentions(s_stems, specific or set())
        if plain and special(s):
            score -= 0.6
        if not q_facet & s_stems and any(p.search(folded_text(s)) for p in rival_cues):
            score -= 0.5  # a sentence of the other duration that shares no word of what was asked
        scores.append(score)
    ranked = sorted(range(len(candidates)), key=lambda k: -scores[k])
    if similarity is not None and len(candidates) > 1:
        # Embeddings re-rank the lexically best few (a sentence is embedded once, then cached).
        top = ranked[:4]
        sims = similarity(question, [candidates[k][1] for k in top])
        for k, sim in zip(top, sims):
            scores[k] += 3.0 * sim
        ranked = sorted(top, key=lambda k: -scores[k])
    chosen = [candidates[ranked[0]]]
    if limit > 1 and len(ranked) > 1 and scores[ranked[1]] >= 0.8 * scores[ranked[0]] > 0:
        chosen.append(candidates[ranked[1]])
    out: list[tuple[int, str]] = []
    for i, s in sorted(chosen):
        # "Dieser ist drei Monate gültig." says nothing without the sentence before it.
        if i > 0 and _ANAPHORIC.match(s) and (i - 1, all_sentences[i - 1]) not in out:
            out.append((i - 1, all_sentences[i - 1]))
        if (i, s) not in out:
            out.append((i, s))
    return [s for _, s in out[:3]]


# Durations a caller easily mixes up in the catalog's wording: "bewilligt für zwölf Monate" (how long
# it holds) does not answer "wie lange dauert es" (how long it takes), unless both are asked or the
# sentence holds the words asked ("sofort einen vorläufigen Ausweis, der drei Monate gilt").
_RIVALS = {"processing_time": "validity", "validity": "processing_time"}
# what a sentence on how long a thing holds names: a span, a date, or that it does not end (folded)
_SPAN = re.compile(r"\d|jahr|monat|woche|\btag|tage\b|stunde|unbefristet|unbegrenzt|lebenslang|lebenszeit|dauerhaft"
                   r"|fur immer|ablauf|ablauft|verfall|erlisch|endet|\bbis\b")
_ANAPHORIC = re.compile(r"(dieser|diese|dieses|er|dabei|dafür|dazu|hierfür|hierzu|damit|dort)\b", re.I)
