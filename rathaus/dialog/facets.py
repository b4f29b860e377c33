"""What a caller asks about (cost, documents, where, hours, ...) and where the catalog answers it.

A facet is found from cue patterns of the question (data/facets.toml). Its answer comes from the
catalog field that holds it (fees, documents, offices) or from the sentence of the service's
description that answers it: sentences with the facet's cue words, ranked by the words they share
with the question and, when an encoder is given, by embedding similarity.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable

from rathaus.catalog import text as T
from rathaus.catalog.html import sentences

FACETS = ("cost", "documents", "where", "hours", "contact", "appointment", "processing_time", "online",
          "deadline", "validity", "what")
# Facets answered from a field of the service or its offices; the others from the description.
FIELD_FACETS = ("cost", "documents", "where", "hours", "contact")
# Facets that also make sense for an office on its own ("Wann hat das Bürgerbüro geöffnet?").
OFFICE_FACETS = ("hours", "contact", "where")


@lru_cache(maxsize=1)
def _data() -> dict:
    raw = tomllib.loads(resources.files("rathaus.dialog.data").joinpath("facets.toml").read_text(encoding="utf-8"))

    def compile_all(table: dict) -> dict[str, list[re.Pattern]]:
        return {k: [re.compile(T.fold(p)) for p in v] for k, v in table.items()}

    def weighted(table: dict) -> dict[str, list[tuple[re.Pattern, float]]]:
        return {k: [(re.compile(T.fold(p)), 1.0) if isinstance(p, str) else (re.compile(T.fold(p[0])), float(p[1]))
                    for p in v] for k, v in table.items()}

    return {"order": raw["order"], "question": weighted(raw["question"]), "sentence": compile_all(raw["sentence"]),
            "words": {k: [T.fold(w) for w in v] for k, v in raw.get("words", {}).items()},
            "age": compile_all(raw["age"])}


def _folded(text: str) -> str:
    return " " + " ".join(T.fold(text).split()) + " "


def _family(token: str, family: str) -> bool:
    """A word of the question belongs to a word family: it starts with it, or ("*family") holds it."""
    if family.startswith("*"):
        return family[1:] in token[1:]
    return token.startswith(family)


def _tokens(question: str) -> list[tuple[str, tuple[str, ...]]]:
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
    folded = _folded(question)
    data = _data()
    tokens = [w for w, _ in _tokens(question)]
    out: dict[str, float] = {}
    for facet in data["order"]:
        score = sum(weight for p, weight in data["question"].get(facet, []) if p.search(folded))
        score += sum(1.0 for family in data["words"].get(facet, []) if any(_family(t, family) for t in tokens))
        if score > 0:
            out[facet] = score
    return out


def detect(question: str) -> str | None:
    """The facet a question asks about, or None (a plain request: "Ich brauche einen Pass"): the
    best-scoring one, a tie going to the earlier facet of the order (the more specific question)."""
    found = scores(question)
    if not found:
        return None
    order = _data()["order"]
    return max(found, key=lambda f: (found[f], -order.index(f)))


def facet_words(question: str, facet: str | None = None) -> set[str]:
    """Folded words of the question that belong to facet cues (of one facet, or of any), whole
    words even where a cue matches a part ("telefon" in "Telefonnummer")."""
    folded = _folded(question)
    out: set[str] = set()
    data = _data()
    for name, patterns in data["question"].items():
        if facet is not None and name != facet:
            continue
        for p, _ in patterns:
            for m in p.finditer(folded):
                start, end = m.start(), m.end()
                while start > 0 and folded[start - 1].isalnum():
                    start -= 1
                while end < len(folded) and folded[end].isalnum():
                    end += 1
                out.update(T.words(folded[start:end]))
    tokens = _tokens(question)
    for name, families in data["words"].items():
        if facet is not None and name != facet:
            continue
        for token, parts in tokens:
            if any(_family(token, family) for family in families):
                out.update(parts)
    return out


# ------------------------------------------------------------------------------------ sentences
Similarity = Callable[[str, list[str]], list[float]]


def best_sentences(description: str, facet: str, question: str, similarity: Similarity | None = None,
                   limit: int = 2) -> list[str]:
    """Up to `limit` sentences of the description that answer `facet` for this question, best first
    (in the description's order when two are given). Empty when none carries the facet's cues."""
    cues = _data()["sentence"].get(facet, [])
    if not cues:
        return []
    all_sentences = sentences(description)
    candidates = [(i, s) for i, s in enumerate(all_sentences) if any(p.search(_folded(s)) for p in cues)]
    if not candidates:
        return []
    q_stems = {T.stem(w) for w in T.content_words(question)} - {T.stem(w) for w in facet_words(question)}
    q_facet = {T.stem(w) for w in facet_words(question)}
    scores = []
    for i, s in candidates:
        s_stems = {T.stem(w) for w in T.content_words(s)}
        cue_hits = sum(1 for p in cues if p.search(_folded(s)))
        scores.append(0.25 * min(cue_hits, 3) + 0.5 * len(q_stems & s_stems) + 0.6 * len(q_facet & s_stems) - 0.01 * i)
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


_ANAPHORIC = re.compile(r"(dieser|diese|dieses|er|dabei|dafür|dazu|hierfür|hierzu|damit|dort)\b", re.I)


# ------------------------------------------------------------------------------------------ fees
_MONEY = re.compile(r"\d[\d.,]*\s*(euro|eur|€)|€\s*\d|gebührenfrei|kostenlos|kostenfrei|keine gebühr", re.I)
_AGE = re.compile(r"\b(\d{1,2})(?:\s*|-)(jahre|jahren|jahr|jährig|years|yaş|лет|років|سنة)", re.I)


def fee_lines(fees: str) -> list[str]:
    """The lines of a fee text that name an amount or say "free" (not bank details)."""
    lines = [line.lstrip("-• ").strip().rstrip(".;") for line in re.split(r"\n|;\s*", fees or "") if line.strip()]
    return [line for line in lines if _MONEY.search(line)]


def _young(line: str) -> bool:
    return any(p.search(_folded(line)) for p in _data()["age"]["young"])


def _adult(line: str) -> bool:
    return any(p.search(_folded(line)) for p in _data()["age"]["adult"])


def _age_fits(line: str, age: int) -> bool:
    folded = _folded(line)
    below = re.search(r"unter (\d+)|bis (\d+) jahr|vor vollendung des (\d+)", folded)
    above = re.search(r"(?:ab|uber) (\d+)|alter von (\d+)", folded)
    if below:
        limit = int(next(g for g in below.groups() if g))
        return age < limit
    if above:
        limit = int(next(g for g in above.groups() if g))
        return age >= limit
    return False


def fitting_fees(fees: str, question: str, service_name: str = "", max_items: int = 2) -> tuple[list[str], bool]:
    """(the fee lines for this caller, whether the catalog lists further amounts).

    A fee table is answered with the adult fee first, or the line that matches an age or a
    keyword the caller said ("unter 24", "für mein Kind", "Express")."""
    lines = fee_lines(fees)
    if not lines:
        return [], False
    folded = _folded(question)
    bound = re.search(r"\b(unter|uber|ab|bis) (\d+)", folded)  # "für unter 24-Jährige"
    if bound:
        same = [line for line in lines if f"{bound.group(1)} {bound.group(2)}" in _folded(line)]
        if same:
            return same[:1], len(lines) > 1
    if re.search(r"\b(zweite|zweiten|zweiter|dritte|dritten|weitere|weiteren|noch ein|noch eine)", folded):
        further = [line for line in lines if re.search(r"\bweitere|\bzweite", _folded(line))]
        if further:  # "für einen zweiten Hund": "150 Euro für jeden weiteren Hund"
            return further[:1], len(lines) > 1
    age = _AGE.search(question)
    if age:
        fitting = [line for line in lines if _age_fits(line, int(age.group(1)))]
        if fitting:
            return fitting[:1], len(lines) > 1
    if re.search(r"\b(kind|kinder|sohn|tochter|baby|jugendlich|child|kid)", folded):
        young = [line for line in lines if _young(line)]
        if young:
            return young[:1], len(lines) > 1
    name_stems = {T.stem(w) for w in T.content_words(service_name) if len(w) >= 5}
    q_words = {q for q in {T.stem(w) for w in T.content_words(question)} - {T.stem(w) for w in facet_words(question, "cost")}
               if not any(n in q or (len(q) >= 4 and n.startswith(q)) for n in name_stems)}  # the service itself

    def names(line: str) -> bool:  # "Express" names "Expresszuschlag 32 Euro"
        stems = {T.stem(w) for w in T.content_words(line)}
        return any(q == s or (len(q) >= 5 and s.startswith(q)) or (len(q) >= 6 and s[:6] == q[:6])
                   for q in q_words for s in stems)  # "Expresspass" names "Expresszuschlag"

    named = [line for line in lines if names(line) and not (_young(line) or _adult(line))]
    if named:
        return named[:1], len(lines) > 1
    adult = [line for line in lines if _adult(line)]
    plain = [line for line in lines if not _young(line) and not _adult(line)]
    if adult:
        return adult[:1], len(lines) > 1
    if len(lines) <= max_items:
        return lines, False
    first = plain[:1] or lines[:1]
    return first, True
