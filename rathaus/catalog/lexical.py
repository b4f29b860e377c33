"""The lexical side of the search: a question's words against each service's name, keywords and
text, each question word counted once.

A caller's word often reaches the catalog in several forms: its stem, the parts of a compound
("Familienkasse" -> "Familie", "Kasse"), the administrative words a colloquial word stands for
("Karre" -> "Fahrzeug"). The earlier scoring counted every form as a word of its own, so a
compound or a colloquial word outweighed the rest of the question and a service that matched
only the modifier of a compound ("Familie") beat one that matched what the caller asked for.
Here each question word is one *concept* with alternative forms; a service gets, per concept,
the best of its forms (a compound part counts less than the whole word), and concepts are
weighted by how few services any of their forms reaches (idf of the union).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from rathaus.catalog import text as T
from rathaus.catalog.model import Service

# Where in a service a word is found: its name says what it is; keywords (staff-curated) nearly
# as much; the description and document list mention many things in passing.
NAME, KEYS, BODY = 1.0, 0.85, 0.6
# A part of a compound stands for the whole word only in part ("Parkausweis" of "Anwohnerparkausweis"):
# one of the two halves of a two-part compound.
PART = 0.5
BODY_CHARS = 100_000   # how much of a description is searched
PREFIX_MIN = 4       # shortest stem that matches the head of a longer compound ("kirch" -> "kirchenaustritt")


@dataclass
class Concept:
    """One word of the question with its alternative stems: stem -> share of the word it stands for."""

    word: str
    forms: dict[str, float]


@dataclass
class LexicalIndex:
    n: int
    postings: dict[str, dict[int, float]] = field(default_factory=dict)   # stem -> service -> field weight
    name_terms: list[set[str]] = field(default_factory=list)
    terms: list[set[str]] = field(default_factory=list)          # per service: its stems and compound heads
    unknown_idf: float = 1.0
    # name word forms: stem -> [(service, group, word in group, share of the word)]; per service the
    # weight (mean idf) of each group of its name (name_groups)
    name_forms: dict[str, list[tuple[int, int, int, float]]] = field(default_factory=dict)
    name_idf: list[list[float]] = field(default_factory=list)
    name_totals: np.ndarray = field(default_factory=lambda: np.ones(0, dtype=np.float32))

    @classmethod
    def build(cls, services: list[Service], vocab: T.Vocabulary) -> "LexicalIndex":
        index = cls(n=len(services))
        for i, s in enumerate(services):
            fields = ((NAME, s.name), (KEYS, " ".join([*s.keywords, *s.synonyms])),
                      (BODY, s.description[:BODY_CHARS] + "\n" + " ".join(s.documents)))
            all_terms: set[str] = set()
            for weight, text in fields:
                terms = stems_with_parts(text, vocab)
                if weight == NAME:
                    index.name_terms.append(set(terms))
                for t in terms:
                    # heads of compounds: "kirch" (Kirche) finds "kirchenaustritt"
                    keys = [t] + ([t[:k] for k in range(PREFIX_MIN, len(t) - 2)] if len(t) >= 8 else [])
                    all_terms.update(keys)
                    for key in keys:
                        slot = index.postings.setdefault(key, {})
                        if slot.get(i, 0.0) < weight:
                            slot[i] = weight
            index.terms.append(all_terms)
        index.unknown_idf = index.idf(0)   # a word that no service contains
        for i, s in enumerate(services):
            groups = []
            for k, group in enumerate(name_groups(s.name)):
                idfs = []
                for j, w in enumerate(group):
                    stem = T.stem(w)
                    parts = [T.stem(p) for p in vocab.split_compound(w) if p not in T.STOPWORDS]
                    for form, share in [(stem, 1.0)] + [(p, 1.0 / len(parts)) for p in parts]:
                        index.name_forms.setdefault(form, []).append((i, k, j, share))
                    idfs.append(index.idf(len(index.postings[stem])) if stem in index.postings else index.unknown_idf)
                groups.append(float(np.mean(idfs)))
            index.name_idf.append(groups)
        index.name_totals = np.array([sum(x) or 1.0 for x in index.name_idf], dtype=np.float32)
        return index

    def split(self, word: str, vocab: T.Vocabulary) -> list[str]:
        """Parts of a question's compound: two catalog words, or else two pieces each of which
        the catalog has as a word or as a compound's first or last part ("Krippenplatz" ->
        "Krippen" (of "Kinderkrippe") + "Platz")."""
        parts = vocab.split_compound(word)
        if parts or len(word) < 9 or T.stem(word) in self.postings:
            return parts
        for i in range(len(word) - 4, 3, -1):   # the longest first part first
            head, tail = word[:i], word[i:]
            if len(T.stem(tail)) >= 4 and T.stem(tail) in self.postings and (
                    T.stem(head) in self.postings or (head.endswith("s") and T.stem(head[:-1]) in self.postings)):
                return [head, tail]
        return []

    def idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def score(self, concepts: list[Concept], count_unknown: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Per service: the idf-weighted share of the question's concepts it contains, each concept
        by its best form and field; and the same share counting its name only.

        A concept weighs the idf of all services that any of its whole forms reaches (the word,
        its colloquial meanings); a service that has only a compound part of it gets the part's
        share of the part's own idf ("Platz" of "Krippenplatz" tells little). Words the catalog
        does not know at all weigh as rare words (unless `count_unknown` is off), so a question
        about something else ("Grundsteuer") keeps a low score everywhere."""
        scores = np.zeros(self.n, dtype=np.float32)
        in_name = np.zeros(self.n, dtype=np.float32)
        total = 0.0
        for concept in concepts:
            whole: dict[int, float] = {}
            for form, share in concept.forms.items():
                if share >= 1.0:
                    for i, w in self.postings.get(form, {}).items():
                        whole[i] = max(whole.get(i, 0.0), w)
            parts = [(form, share, self.idf(len(self.postings[form])))
                     for form, share in concept.forms.items() if share < 1.0 and form in self.postings]
            # a word the catalog lacks weighs like an unknown word even where its parts are known
            # ("Bürgergeld"): the parts explain it only in part
            weight = self.idf(len(whole)) if whole else self.unknown_idf
            if not whole and not parts and not count_unknown:
                continue
            total += weight
            best = {i: w * weight for i, w in whole.items()}
            name = {i: weight for i, w in whole.items() if w == NAME}
            for form, share, idf in parts:
                value = min(weight, share * idf)
                for i, w in self.postings[form].items():
                    if w * value > best.get(i, 0.0):
                        best[i] = w * value
                    if w == NAME and value > name.get(i, 0.0):
                        name[i] = value
            for i, v in best.items():
                scores[i] += v
            for i, v in name.items():
                in_name[i] += v
        if total:
            scores /= total
            in_name /= total
        return scores, in_name

    def name_cover(self, forms: set[str]) -> np.ndarray:
        """Per service: the idf-weighted share of its name's words that the question says; a
        compound name word ("Wohnsitzanmeldung") counts in part when the question says some of
        its parts ("Wohnsitz", "Anmeldung"), and of alternatives ("Personalausweis, Reisepass
        oder eID-Karte") one is enough."""
        words: dict[tuple[int, int, int], float] = {}
        for form in forms:
            for i, k, j, share in self.name_forms.get(form, ()):
                words[(i, k, j)] = min(1.0, words.get((i, k, j), 0.0) + share)
        groups: dict[tuple[int, int], float] = {}
        for (i, k, _), share in words.items():  # a group of alternatives is said when one of them is
            groups[(i, k)] = max(groups.get((i, k), 0.0), share)
        out = np.zeros(self.n, dtype=np.float32)
        for (i, k), share in groups.items():
            out[i] += self.name_idf[i][k] * share
        return out / self.name_totals


_ALTERNATIVE = re.compile(r"\s*(?:,|/|\boder\b|\bund\b|\bbzw\.?)\s*", re.IGNORECASE)


def name_groups(name: str) -> list[list[str]]:
    """A service name's content words, grouped where the name lists alternatives: "Abholung
    Personalausweis, Reisepass oder eID-Karte" -> [[abholung], [personalausweis, reisepass, eidkarte]].
    What a name excludes ("... ohne Auslandsbezug") is no word a caller must say: a question
    that names no foreign connection fits "ohne Auslandsbezug" better than "mit Auslandsbezug"."""
    groups: list[list[str]] = []
    linked = False
    name = re.split(r"\bohne\b", name, maxsplit=1, flags=re.IGNORECASE)[0]
    for piece in re.split(r"(\s*\|\s*|\s+)", _ALTERNATIVE.sub(" | ", name)):
        if piece.strip() == "|":
            linked = bool(groups)
            continue
        words = [w for w in T.content_words(piece)]
        if not words:
            continue
        word = max(words, key=len)  # "eID-Karte" -> its joined form
        if linked and groups:
            groups[-1].append(word)
        else:
            groups.append([word])
        linked = False
    return groups


def stems_with_parts(text: str, vocab: T.Vocabulary) -> list[str]:
    """Stems of a text's content words and of their compound parts (split against the catalog),
    or, where no split into two catalog words exists, of the compound's last part."""
    out = []
    for w in T.content_words(text):
        out.append(T.stem(w))
        parts = vocab.split_compound(w)
        tail = vocab.compound_tail(w) if not parts and len(w) >= 10 else None
        for part in parts or ([tail] if tail else []):
            if part not in T.STOPWORDS:
                out.append(T.stem(part))
    return list(dict.fromkeys(out))
