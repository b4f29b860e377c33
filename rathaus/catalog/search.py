"""Hybrid search over the catalog: two multilingual embeddings, German stems and compound parts
(lexical.py), repair of ASR damage, colloquial words and staff synonyms, fused into one score per
service.

`SearchIndex.build(store, encoders)` reads the catalog once (service vectors come from the
store's cache); `SearchIndex.search(question)` then needs two query embeddings, a few dictionary
look-ups and a few numpy products.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from rathaus.catalog import text as T
from rathaus.catalog.embeddings import Encoder, cached_passages, prune_vectors, query_vector
from rathaus.catalog.html import first_sentences, sentences
from rathaus.catalog.lexical import NAME, PART, Concept, LexicalIndex
from rathaus.catalog.model import Service
from rathaus.catalog.repository import all_services, generation, index_text
from rathaus.store import Store

# Weights of the fused score, set by hand on the Munich dev questions and our own held-out sets
# (tests/core/test_ask.py, tests/data/); bench/catalog.py measures the result.
W_E5 = 0.30
W_USE = 0.30
W_LEX = 0.40
W_NAME = 0.15        # share of the service name the question covers (prefers the generic service)
SYNONYM_BONUS = 0.35
# A service named for another registration verb than the one the caller says ("anmelden" against
# "Fahrzeug abmelden"): the same nouns, the opposite procedure.
VERB_CONFLICT = 0.10
# Where the e5 encoder and the lexical score (meaning and words, evidence of two kinds) both put
# the same service first and the fused score ranks it among its first AGREED_WITHIN, it goes
# first: the USE encoder alone, drawn to an occasion the caller names ("Hochzeit" in a question
# about fireworks at a wedding), should not outvote both.
AGREED_WITHIN = 3
_REGISTER = re.compile(r"^(an|ab|um)(ge|zu)?meld")


def register_verbs(text: str) -> frozenset[str]:
    """The particles of the registration verbs a text says: "ummelden", "Anmeldung" -> {"um", "an"}."""
    return frozenset(m.group(1) for w in T.words(text) if (m := _REGISTER.match(w)))


@lru_cache(maxsize=1)
def _colloquial_data() -> dict[str, Any]:
    return tomllib.loads(resources.files("rathaus.catalog.data").joinpath("colloquial.toml").read_text(encoding="utf-8"))


# Turkish glossary words are also found with endings ("ehliyetimi"); shorter ones start German
# words too ("vize", "adres"), except as the last word of a phrase ("oturma iznimi")
_SUFFIXED, _SUFFIXED_MIN = "tr~", 6


@lru_cache(maxsize=1)
def colloquial_table() -> dict[str, str]:
    """Folded colloquial word or phrase -> catalog words (data/colloquial.toml, data/glossary.toml)."""
    data = resources.files("rathaus.catalog.data")
    raw = _colloquial_data()
    table = {" ".join(T.words(k)): v for k, v in raw.get("words", {}).items()}
    glossary = tomllib.loads(data.joinpath("glossary.toml").read_text(encoding="utf-8"))
    for language, words in glossary.items():  # other languages: whole words only (no German stemming)
        for key, value in words.items():
            folded = " ".join(T.words(key))
            table[folded] = " ".join(dict.fromkeys((table.get(folded, "") + " " + value).split()))
            if language == "tr" and (" " in folded or len(folded) >= _SUFFIXED_MIN):
                table.setdefault(_SUFFIXED + folded, value)
    for key, value in raw.get("words", {}).items():  # German words also by stem ("Hunde" finds "hund")
        key = " ".join(T.words(key))
        if " " not in key:
            table.setdefault("~" + T.stem(key), value)
    return table


@lru_cache(maxsize=None)
def word_lists(table: str) -> dict[str, frozenset[str]]:
    """A table of word lists in data/colloquial.toml, folded: [containers] ("words" for wallets and
    bags, "theft"), [animals] ("words", "death")."""
    lists = _colloquial_data().get(table, {})
    return {key: frozenset(w for v in values for w in T.words(v)) for key, values in lists.items()}


def meanings(word: str, vehicle: bool = False) -> str | None:
    """The catalog words a colloquial word stands for ("Auto" -> "Fahrzeug Kfz"), or None. With
    `vehicle` (a vehicle is spoken of), registration words mean the vehicle's ("ummelden" ->
    "Umschreibung")."""
    return _meaning(" ".join(T.words(word)), vehicle)


def with_meanings(question: str) -> str:
    """The question with the catalog word its phrases stand for first after it ("How much is the
    brown bin?" ... "Biotonne"; not the broader words after it): for matching a question in another
    language against German fields such as the fee lines."""
    words, said = T.words(question), []
    for n in (3, 2, 1):
        said += [found.split()[0] for i in range(len(words) - n + 1)
                 if (found := _colloquial(" ".join(words[i:i + n])))]
    return " ".join([question, *dict.fromkeys(said)])


def _names_vehicle(words: list[str]) -> bool:
    """Whether the words name a vehicle: a word of [vehicles] in data/colloquial.toml, or one whose
    colloquial meaning is a vehicle ("Golf", "nen Gebrauchten")."""
    vehicles = word_lists("vehicles").get("words", frozenset())
    for i, w in enumerate(words):
        if w in vehicles:
            return True
        for n in (1, 2, 3):
            found = _colloquial(" ".join(words[i:i + n])) if i + n <= len(words) else None
            if found and vehicles & set(T.words(found)):
                return True
    return False


def names_vehicle(text: str) -> bool:
    """Whether a text names a vehicle ("mein Golf", "das Auto")."""
    return _names_vehicle(T.words(text))


def vehicle_words(text: str) -> list[str]:
    """The words of [vehicles] in data/colloquial.toml that a text says ("Fahrzeug abmelden" ->
    ["fahrzeug"])."""
    vehicles = word_lists("vehicles").get("words", frozenset())
    return [w for w in T.words(text) if w in vehicles]


@lru_cache(maxsize=1)
def _vehicle_meanings() -> dict[str, str]:
    """What registration words mean where a vehicle is named ("ummelden" is then the vehicle's
    change of keeper, not a move): [vehicles.meanings] in data/colloquial.toml, folded."""
    table = _colloquial_data().get("vehicles", {}).get("meanings", {})
    folded = {" ".join(T.words(k)): v for k, v in table.items()}
    return folded | {"~" + T.stem(k): v for k, v in folded.items()}  # also by stem: "meld ... um" -> "ummeld"


def _meaning(phrase: str, vehicle: bool) -> str | None:
    """The catalog words a folded word or phrase means; where a vehicle is spoken of, first what
    it means of the vehicle ([vehicles.meanings], also by stem)."""
    if vehicle:
        table = _vehicle_meanings()
        found = table.get(phrase) or table.get("~" + T.stem(phrase))
        if found:
            return found
    return _colloquial(phrase)


def _colloquial(word: str) -> str | None:
    """The catalog words a colloquial word or phrase means. Single words also by stem, and verbs
    also without the ending of the 2nd/3rd person ("läuft ... ab" -> "ablaufen"), which the
    stemmer leaves on."""
    table = colloquial_table()
    if " " in word:
        # a Turkish phrase with an ending on its last word ("oturma iznimi" for "oturma izni")
        head, last = word.rsplit(" ", 1)
        return table.get(word) or next((found for end in range(len(last) - 1, 2, -1)
                                        if (found := table.get(f"{_SUFFIXED}{head} {last[:end]}"))), None)
    found = table.get(word) or table.get("~" + T.stem(word))
    # Turkish adds its endings to the word ("ehliyetimi", "ehliyetine"): a known word at its start
    for end in range(len(word) - 1, _SUFFIXED_MIN - 1, -1):
        if found is not None:
            break
        found = table.get(_SUFFIXED + word[:end])
    for ending in ("st", "t"):
        if found is None and word.endswith(ending) and len(word) - len(ending) >= 4:
            found = table.get("~" + T.stem(word[:-len(ending)]))
    return found


def _meaning_shares(meaning: str) -> dict[str, float]:
    """The words of a colloquial meaning and how much of the caller's word each stands for: the
    first the whole, the further, broader ones ("Hund" of "Hundemarke" -> "Hundesteuer Hund") in part."""
    shares: dict[str, float] = {}
    for k, word in enumerate(T.content_words(meaning)):
        shares[word] = max(shares.get(word, 0.0), 1.0 if k == 0 else PART)
    return shares


_CLAUSE = re.compile(r"[,.;:!?]+")


def separable_verbs(question: str) -> list[str]:
    """Verbs with their particle at the end of a clause joined again ("gebe ... auf" -> "aufgebe")."""
    return [verb for _, verb in separable_pairs(question)]


def _verb_like(token: str) -> bool:
    return len(token) >= 3 and token not in T.STOPWORDS and token.isalpha()


def separable_pairs(question: str) -> list[tuple[str, str]]:
    """(word, word with particle) for separable verbs: the particle at the end of a clause
    ("gebe ... auf" -> "aufgebe"), or, as often in speech, right after the verb ("wir ziehen um
    innerhalb von ..." -> "umziehen"). The caller keeps only joins the catalog knows."""
    out = []
    for clause in _CLAUSE.split(question):
        tokens = T.words(clause)
        if len(tokens) >= 3 and tokens[-1] in T.PARTICLES:
            out += [(token, tokens[-1] + token) for token in tokens[:-1] if _verb_like(token)]
        out += [(token, particle + token) for token, particle in zip(tokens, tokens[1:-1])
                if particle in T.PARTICLES and _verb_like(token)]
    return list(dict.fromkeys(out))


@dataclass
class Analysis:
    """What the search made of a question (shown by `rathaus ask --explain`)."""

    question: str
    words: list[str]
    repaired: list[str]
    expansions: list[str]
    stems: list[str]
    embed_text: str          # the question with repairs and meanings of colloquial words appended
    concepts: list[Concept] = field(default_factory=list)   # one per content word, with its alternative stems


@dataclass
class Hit:
    service: Service
    score: float
    e5: float = 0.0
    use: float = 0.0
    lexical: float = 0.0
    synonym: bool = False
    matched: frozenset[str] = frozenset()   # question stems found in the service's text
    name_matched: frozenset[str] = frozenset()  # question stems found in the service's name


@dataclass
class SearchIndex:
    services: list[Service]
    generation: int
    vocab: T.Vocabulary
    encoders: list[Encoder]
    doc_vectors: list[np.ndarray] = field(default_factory=list)     # per encoder: (n_services, dim)
    key_vectors: list[np.ndarray] = field(default_factory=list)     # per encoder: (n_keys, dim)
    key_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    key_starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    key_starts_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    terms: list[set[str]] = field(default_factory=list)
    name_terms: list[set[str]] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    synonyms: list[tuple[str, int]] = field(default_factory=list)   # (folded phrase, service index)
    position: dict[str, int] = field(default_factory=dict)
    vocab_stems: set[str] = field(default_factory=set)
    derived: dict[str, Any] = field(default_factory=dict)   # CatalogAssistant.derived
    lexical: LexicalIndex | None = None
    name_verbs: list[frozenset[str]] = field(default_factory=list)   # register_verbs of each name

    @classmethod
    def build(cls, store: Store, encoders: list[Encoder]) -> "SearchIndex":
        gen = generation(store)
        services = all_services(store)
        vocab = T.Vocabulary.build([t for s in services for t in index_text(s)])
        index = cls(services=services, generation=gen, vocab=vocab, encoders=encoders)
        index.position = {s.id: i for i, s in enumerate(services)}
        index.vocab_stems = {T.stem(w) for w in vocab.words}
        docs = [service_document(s) for s in services]
        keys: list[str] = []
        owners: list[int] = []
        for i, s in enumerate(services):
            for phrase in dict.fromkeys([s.name, *s.keywords, *s.synonyms]):
                if phrase.strip():
                    keys.append(phrase.strip())
                    owners.append(i)
        index.key_owner = np.array(owners, dtype=np.int64)
        if owners:
            starts = [0] + [k for k in range(1, len(owners)) if owners[k] != owners[k - 1]]
            index.key_starts = np.array(starts, dtype=np.int64)
            index.key_starts_owner = index.key_owner[index.key_starts]
        described = [x for s in services for x in sentences(s.description)]
        for enc in encoders:
            index.doc_vectors.append(cached_passages(store, enc, docs))
            index.key_vectors.append(cached_passages(store, enc, keys))
            # description sentences are embedded when a facet question first needs them
            prune_vectors(store, enc.name, docs + keys + described)
        index.lexical = LexicalIndex.build(services, vocab)
        index.terms = index.lexical.terms
        index.name_terms = index.lexical.name_terms
        lex = index.lexical
        index.idf = {t: lex.idf(len(p)) for t, p in lex.postings.items()}
        index.synonyms = [(" ".join(T.words(p)), index.position[s.id]) for s in services for p in s.synonyms if T.words(p)]
        index.name_verbs = [register_verbs(s.name) for s in services]
        return index

    # --- question analysis -----------------------------------------------------------------------

    def analyze(self, question: str) -> Analysis:
        tokens = T.words(question)
        joined = T.join_split_compounds(tokens, self.vocab)
        repaired = []
        for w in joined:
            fixed = self.vocab.correct(w) if _colloquial(w) is None else None
            repaired.append(fixed or w)
        known = self.vocab_stems
        verbs = {token: verb for token, verb in separable_pairs(question)
                 if T.stem(verb) in known or _colloquial(verb) is not None}
        vehicle = _names_vehicle(joined) or _names_vehicle(repaired)

        concepts: list[Concept] = []
        expansions: list[str] = []
        inside = 0   # words up to here belong to a phrase of the colloquial table ("id card")
        for i, w in enumerate(repaired):
            if i >= inside and (w in T.STOPWORDS or len(w) < 2) and not w.isdigit():
                # a phrase that starts with a function word ("get married", "zu schnell gefahren"): its meaning
                phrase = next((p for n in (4, 3, 2) if i + n <= len(repaired)
                               and _meaning(p := " ".join(repaired[i:i + n]), vehicle) is not None), None)
                if phrase is not None:
                    found = _meaning(phrase, vehicle)
                    if found not in expansions:
                        expansions.append(found)
                    forms = {T.stem(x): share for x, share in _meaning_shares(found).items()}
                    concepts.append(Concept(word=phrase, forms=forms))
                    inside = i + len(phrase.split())
            if i < inside or w in T.STOPWORDS or w in T.FACET_WORDS or (len(w) < 2 and not w.isdigit()):
                continue
            # the word itself (and its verb with particle) and the first word of each meaning the
            # colloquial table gives are the concept; the table's further, broader words ("Hund" of
            # "Hundemarke" -> "Hundesteuer Hund") and compound parts stand for it only in part
            alternatives = {w: 1.0, **({verbs[w]: 1.0} if w in verbs else {})}
            for n, phrase in [(1, a) for a in list(alternatives)] + [(n, " ".join(repaired[i:i + n])) for n in (2, 3)]:
                found = _meaning(phrase, vehicle) if n == 1 or i + n <= len(repaired) else None
                if found:
                    if found not in expansions:
                        expansions.append(found)
                    for word, share in _meaning_shares(found).items():
                        alternatives[word] = max(alternatives.get(word, 0.0), share)
                    inside = max(inside, i + n)
            forms: dict[str, float] = {}
            for word, share in alternatives.items():
                if word in T.STOPWORDS:
                    continue
                forms[T.stem(word)] = max(forms.get(T.stem(word), 0.0), share)
                for part in self.lexical.split(word, self.vocab) if self.lexical else []:
                    if part not in T.STOPWORDS:
                        forms.setdefault(T.stem(part), PART)
            concepts.append(Concept(word=w, forms=forms))
        leaving = self._holders(concepts, tokens) | self._animal_death(concepts)
        if leaving:  # their meanings ("Geldbörse Fundsache") leave with them, unless another word says them
            concepts = [c for c in concepts if c.word not in leaving]
            dropped = {_colloquial(w) for w in leaving} - {_colloquial(c.word) for c in concepts}
            expansions = [e for e in expansions if e not in dropped]
        # a part already said as a word of its own ("Hund" in "Hund ... Hundesteuer") is explained
        # by that word's concept, not a second time by the compound's
        said = {f for c in concepts for f, share in c.forms.items() if share >= 1.0}
        for c in concepts:
            c.forms = {f: share for f, share in c.forms.items() if share >= 1.0 or f not in said}
        stems = list(dict.fromkeys(f for c in concepts for f in c.forms))
        changes = [r for r, t in zip(repaired, joined) if r != t] + [j for j in joined if j not in tokens]
        extra = list(dict.fromkeys(changes + list(verbs.values()) + expansions))
        embed_text = question.strip() + (f" ({', '.join(extra)})" if extra else "")
        return Analysis(question=question, words=tokens, repaired=repaired + list(verbs.values()),
                        expansions=expansions, stems=stems, embed_text=embed_text, concepts=concepts)

    def _holders(self, concepts: list[Concept], tokens: list[str]) -> set[str]:
        """Words for a wallet or bag that only held what the caller asks about ("Geldbeutel
        geklaut, mit dem Perso drin"): it was stolen, and another thing is named by a word of a
        service name."""
        table = word_lists("containers")
        theft = table.get("theft", frozenset())
        held = {c.word for c in concepts if c.word in table.get("words", ())}
        if not held or self.lexical is None or not set(tokens) & theft:
            return set()
        postings = self.lexical.postings
        named = any(c.word not in held and c.word not in theft
                    and any(w == NAME for f, share in c.forms.items() if share >= 1.0
                            for w in postings.get(f, {}).values())
                    for c in concepts)
        return held if named else set()

    @staticmethod
    def _animal_death(concepts: list[Concept]) -> set[str]:
        """The words of a death where the question names an animal ("der Hund ist gestorben") and
        no person."""
        table = word_lists("animals")
        animal = any(c.word in table.get("words", ()) or c.word.endswith("hund") for c in concepts) \
            and not any(c.word in table.get("persons", ()) for c in concepts)
        return {c.word for c in concepts if c.word in table.get("death", ())} if animal else set()

    # --- scoring ----------------------------------------------------------------------------------

    def _dense(self, texts: list[str]) -> list[np.ndarray]:
        """Per encoder: each service's similarity to the question (its text and best key phrase).
        `texts` gives the text per encoder."""
        out = []
        for enc, docs, keys, text in zip(self.encoders, self.doc_vectors, self.key_vectors, texts):
            q = query_vector(enc, text)
            # einsum, not BLAS: waking BLAS threads for a small matrix-vector product cost ~5 ms
            # per product right after the embedding model ran (measured on a 2-core machine).
            doc_sim = np.einsum("ij,j->i", docs, q) if len(docs) else np.zeros(0, dtype=np.float32)
            key_best = np.full(len(self.services), -1.0, dtype=np.float32)
            if len(keys):  # keys are grouped by owner: one reduceat gives each service's best key
                key_best[self.key_starts_owner] = np.maximum.reduceat(np.einsum("ij,j->i", keys, q), self.key_starts)
            out.append(np.maximum(doc_sim, key_best) * 0.5 + doc_sim * 0.25 + key_best * 0.25)
        return out

    def _lexical(self, analysis: Analysis, language: str = "de") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per service: share of the question it contains, share of the question in its name,
        share of its name in the question (lexical.py). In another language than German, words
        the catalog lacks are the caller's language, not a topic it lacks: they do not count."""
        zero = np.zeros(len(self.services), dtype=np.float32)
        if self.lexical is None or not self.services:
            return zero, zero, zero
        lex, in_name = self.lexical.score(analysis.concepts, count_unknown=language == "de")
        return lex, in_name, self.lexical.name_cover(set(analysis.stems))

    def search(self, store: Store, question: str, analysis: Analysis | None = None,
               language: str = "de", limit: int = 10) -> tuple[Analysis, list[Hit]]:
        """The `limit` best services by fused score (best first).

        Lexical signals only exist for German words; for a question in another language the
        embedding part is scaled up to the full weight, so the same thresholds apply."""
        analysis = analysis or self.analyze(question)
        if not self.services:
            return analysis, []
        dense = self._dense([analysis.embed_text] * len(self.encoders))
        e5 = np.clip((dense[0] - 0.80) / 0.10, -1.0, 1.5) if dense else 0
        use = np.clip((dense[1] - 0.25) / 0.40, -1.0, 1.5) if len(dense) > 1 else 0
        lex, _, name = self._lexical(analysis, language)
        fused = W_E5 * e5 + W_USE * use + W_LEX * lex + W_NAME * name
        if language != "de" and float(lex.max(initial=0.0)) < 0.3:
            fused = (W_E5 * e5 + W_USE * use) * (W_E5 + W_USE + W_LEX + W_NAME) / (W_E5 + W_USE)
        folded = " " + " ".join(T.words(question)) + " "
        syn = np.zeros(len(self.services), dtype=bool)
        for phrase, i in self.synonyms:
            if f" {phrase} " in folded:
                syn[i] = True
        fused = fused + SYNONYM_BONUS * syn
        said = register_verbs(question + " " + " ".join(separable_verbs(question)))
        if len(said) == 1:
            fused = fused - VERB_CONFLICT * np.array([bool(v) and not (v & said) for v in self.name_verbs])
        order = np.argsort(-fused)[:limit]
        agreed = self._agreed(dense, lex)
        if agreed is not None and agreed in order[1:AGREED_WITHIN]:
            k = int(np.flatnonzero(order == agreed)[0])   # it trades place and score with the leader
            fused[[order[0], agreed]] = fused[[agreed, order[0]]]
            order[[0, k]] = order[[k, 0]]
        hits = [Hit(service=self.services[i], score=float(fused[i]), e5=float(dense[0][i]) if dense else 0.0,
                    use=float(dense[1][i]) if len(dense) > 1 else 0.0, lexical=float(lex[i]), synonym=bool(syn[i]),
                    matched=frozenset(s for s in analysis.stems if s in self.terms[i]) if n < 3 else frozenset(),
                    name_matched=frozenset(s for s in analysis.stems if s in self.name_terms[i]) if n < 3 else frozenset())
                for n, i in enumerate(order)]
        return analysis, hits

    @staticmethod
    def _agreed(dense: list[np.ndarray], lex: np.ndarray) -> int | None:
        """The service first by the e5 encoder and first alone by the lexical score, if one is."""
        if not dense or not len(lex) or lex.max() <= 0:
            return None
        leaders = np.flatnonzero(lex >= lex.max() - 1e-6)
        return int(leaders[0]) if len(leaders) == 1 and int(np.argmax(dense[0])) == leaders[0] else None


def informative(index: "SearchIndex", stems: frozenset[str], min_idf: float = 2.5) -> set[str]:
    """The rarer catalog words among `stems` (words that tell services apart)."""
    return {s for s in stems if index.idf.get(s, 0.0) >= min_idf}


def service_document(service: Service) -> str:
    """The text embedded for a service: name, keywords and what it is (first sentences)."""
    keywords = ", ".join(dict.fromkeys([*service.keywords[:12], *service.synonyms[:8]]))
    about = first_sentences(service.description, limit=2, max_chars=280)
    return ". ".join(x for x in (service.name, keywords, about) if x)
