"""Hybrid search over the catalog: two multilingual embeddings, FTS5 over German stems, repair of
ASR damage, colloquial words and staff synonyms, fused into one score per service.

`SearchIndex.build(store, encoders)` reads the catalog once (service vectors come from the
store's cache); `SearchIndex.search(question)` then needs two query embeddings, one FTS5 query
and a few numpy products.
"""

from __future__ import annotations

import math
import re
import sqlite3
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from rathaus.catalog import text as T
from rathaus.catalog.embeddings import Encoder, cached_passages, prune_vectors
from rathaus.catalog.html import first_sentences, sentences
from rathaus.catalog.model import Service
from rathaus.catalog.repository import all_services, generation, index_text
from rathaus.store import Store

# Weights of the fused score, set by hand on the Munich dev questions and our own held-out sets
# (tests/test_ask.py, tests/data/); bench/catalog.py measures the result.
W_E5 = 0.30
W_USE = 0.30
W_LEX = 0.40
W_NAME = 0.15        # share of the service name the question covers (prefers the generic service)
SYNONYM_BONUS = 0.35
PREFIX_MIN = 4       # shortest stem that matches the head of a longer compound


@lru_cache(maxsize=1)
def colloquial_table() -> dict[str, str]:
    """Folded colloquial word or phrase -> catalog words (data/colloquial.toml, data/glossary.toml)."""
    data = resources.files("rathaus.catalog.data")
    raw = tomllib.loads(data.joinpath("colloquial.toml").read_text(encoding="utf-8"))
    table = {" ".join(T.words(k)): v for k, v in raw.get("words", {}).items()}
    glossary = tomllib.loads(data.joinpath("glossary.toml").read_text(encoding="utf-8"))
    for words in glossary.values():  # other languages: whole words only (no German stemming)
        for key, value in words.items():
            folded = " ".join(T.words(key))
            table[folded] = " ".join(dict.fromkeys((table.get(folded, "") + " " + value).split()))
    for key, value in raw.get("words", {}).items():  # German words also by stem ("Hunde" finds "hund")
        key = " ".join(T.words(key))
        if " " not in key:
            table.setdefault("~" + T.stem(key), value)
    return table


def _colloquial(word: str) -> str | None:
    table = colloquial_table()
    return table.get(word) or (table.get("~" + T.stem(word)) if " " not in word else None)


_CLAUSE = re.compile(r"[,.;:!?]+")


def separable_verbs(question: str) -> list[str]:
    """Verbs with their particle at the end of a clause joined again ("gebe ... auf" -> "aufgebe")."""
    out = []
    for clause in _CLAUSE.split(question):
        tokens = T.words(clause)
        if len(tokens) >= 3 and tokens[-1] in T.PARTICLES:
            particle = tokens[-1]
            for token in tokens[:-1]:
                if len(token) >= 3 and token not in T.STOPWORDS and token.isalpha():
                    out.append(particle + token)
    return out


@dataclass
class Analysis:
    """What the search made of a question (shown by `rathaus ask --explain`)."""

    question: str
    words: list[str]
    repaired: list[str]
    expansions: list[str]
    stems: list[str]
    embed_text: str          # the question with repairs and meanings of colloquial words appended


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
    name_stems: list[list[str]] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    synonyms: list[tuple[str, int]] = field(default_factory=list)   # (folded phrase, service index)
    position: dict[str, int] = field(default_factory=dict)
    vocab_stems: set[str] = field(default_factory=set)
    mean_idf: float = 1.0
    _name_postings: dict | None = None
    _name_totals: np.ndarray | None = None
    derived: dict[str, Any] = field(default_factory=dict)   # CatalogAssistant.derived

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
        rows = dict(store.conn.execute("SELECT service_id, name || ' ' || body FROM catalog_fts").fetchall())
        names = dict(store.conn.execute("SELECT service_id, name FROM catalog_fts").fetchall())
        index.terms = [set((rows.get(s.id) or "").split()) for s in services]
        # Heads of compounds: "kirch" (Kirche) finds "kirchenaustritt", "hund" finds "hundesteu".
        for terms in index.terms:
            terms.update(t[:k] for t in list(terms) if len(t) >= 8 for k in range(PREFIX_MIN, len(t) - 2))
        index.name_terms = [set((names.get(s.id) or "").split()) for s in services]
        df: dict[str, int] = {}
        for terms in index.terms:
            for t in terms:
                df[t] = df.get(t, 0) + 1
        n = max(len(services), 1)
        index.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        index.mean_idf = float(np.mean(list(index.idf.values()))) if index.idf else 1.0
        index.name_stems = [list(dict.fromkeys(T.stem(w) for w in T.content_words(s.name))) for s in services]
        index.synonyms = [(" ".join(T.words(p)), index.position[s.id]) for s in services for p in s.synonyms if T.words(p)]
        return index

    # --- question analysis -----------------------------------------------------------------------

    def analyze(self, question: str) -> Analysis:
        tokens = T.words(question)
        joined = T.join_split_compounds(tokens, self.vocab)
        repaired = []
        for w in joined:
            fixed = self.vocab.correct(w) if _colloquial(w) is None else None
            repaired.append(fixed or w)
        stems_known = self.vocab_stems
        for verb in separable_verbs(question):
            if T.stem(verb) in stems_known or _colloquial(verb) is not None:
                repaired.append(verb)
        expansions: list[str] = []
        for i, w in enumerate(repaired):
            for phrase in (w, " ".join(repaired[i:i + 2]), " ".join(repaired[i:i + 3])):
                found = _colloquial(phrase)
                if found and found not in expansions:
                    expansions.append(found)
        stems: list[str] = []
        for w in repaired + [x for e in expansions for x in T.words(e)]:
            if w in T.STOPWORDS or (len(w) < 2 and not w.isdigit()):
                continue
            stems.append(T.stem(w))
            for part in self.vocab.split_compound(w):
                if part not in T.STOPWORDS:
                    stems.append(T.stem(part))
        stems = list(dict.fromkeys(stems))
        changes = [r for r, t in zip(repaired, joined) if r != t] + [j for j in joined if j not in tokens]
        extra = list(dict.fromkeys(changes + expansions))
        embed_text = question.strip() + (f" ({', '.join(extra)})" if extra else "")
        return Analysis(question=question, words=tokens, repaired=repaired, expansions=expansions,
                        stems=stems, embed_text=embed_text)

    # --- scoring ----------------------------------------------------------------------------------

    def _dense(self, texts: list[str]) -> list[np.ndarray]:
        """Per encoder: each service's similarity to the question (its text and best key phrase).
        `texts` gives the text per encoder."""
        out = []
        for enc, docs, keys, text in zip(self.encoders, self.doc_vectors, self.key_vectors, texts):
            q = enc.queries([text])[0]
            # einsum, not BLAS: waking BLAS threads for a small matrix-vector product cost ~5 ms
            # per product right after the embedding model ran (measured on a 2-core machine).
            doc_sim = np.einsum("ij,j->i", docs, q) if len(docs) else np.zeros(0, dtype=np.float32)
            key_best = np.full(len(self.services), -1.0, dtype=np.float32)
            if len(keys):  # keys are grouped by owner: one reduceat gives each service's best key
                key_best[self.key_starts_owner] = np.maximum.reduceat(np.einsum("ij,j->i", keys, q), self.key_starts)
            out.append(np.maximum(doc_sim, key_best) * 0.5 + doc_sim * 0.25 + key_best * 0.25)
        return out

    def _lexical(self, store: Store, analysis: Analysis) -> np.ndarray:
        scores = np.zeros(len(self.services), dtype=np.float32)
        known = [s for s in analysis.stems if s]
        if not known or not self.services:
            return scores
        match = " OR ".join(f'"{s}"*' if len(s) >= PREFIX_MIN else f'"{s}"' for s in known)
        try:
            rows = store.conn.execute(
                "SELECT service_id, bm25(catalog_fts, 0.0, 2.0, 1.0) FROM catalog_fts WHERE catalog_fts MATCH ? "
                "ORDER BY rank LIMIT 50", (match,)).fetchall()
        except sqlite3.OperationalError:
            return scores
        weights = {s: self.idf.get(s, self.mean_idf * 1.5) for s in known}
        total = sum(weights.values()) or 1.0
        for service_id, _bm25 in rows:
            i = self.position.get(service_id)
            if i is None:
                continue
            matched = sum(w for s, w in weights.items() if s in self.terms[i])
            in_name = sum(w for s, w in weights.items() if s in self.name_terms[i])
            scores[i] = min(1.0, 0.7 * matched / total + 0.5 * in_name / total)
        return scores

    def _name_cover(self, analysis: Analysis) -> np.ndarray:
        """idf-weighted share of each service name's words that the question contains."""
        if self._name_postings is None:
            mean_idf = self.mean_idf
            postings: dict[str, list[tuple[int, float]]] = {}
            totals = np.ones(len(self.services), dtype=np.float32)
            for i, stems in enumerate(self.name_stems):
                weights = [self.idf.get(s, mean_idf) for s in stems]
                if weights:
                    totals[i] = sum(weights)
                for s, w in zip(stems, weights):
                    postings.setdefault(s, []).append((i, w))
            self._name_postings, self._name_totals = postings, totals
        out = np.zeros(len(self.services), dtype=np.float32)
        for s in set(analysis.stems):
            for i, w in self._name_postings.get(s, ()):
                out[i] += w
        return out / self._name_totals

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
        lex = self._lexical(store, analysis)
        name = self._name_cover(analysis)
        fused = W_E5 * e5 + W_USE * use + W_LEX * lex + W_NAME * name
        if language != "de" and float(lex.max(initial=0.0)) < 0.3:
            fused = (W_E5 * e5 + W_USE * use) * (W_E5 + W_USE + W_LEX + W_NAME) / (W_E5 + W_USE)
        folded = " " + " ".join(T.words(question)) + " "
        syn = np.zeros(len(self.services), dtype=bool)
        for phrase, i in self.synonyms:
            if f" {phrase} " in folded:
                syn[i] = True
        fused = fused + SYNONYM_BONUS * syn
        order = np.argsort(-fused)[:limit]
        hits = [Hit(service=self.services[i], score=float(fused[i]), e5=float(dense[0][i]) if dense else 0.0,
                    use=float(dense[1][i]) if len(dense) > 1 else 0.0, lexical=float(lex[i]), synonym=bool(syn[i]),
                    matched=frozenset(s for s in analysis.stems if s in self.terms[i]) if n < 3 else frozenset(),
                    name_matched=frozenset(s for s in analysis.stems if s in self.name_terms[i]) if n < 3 else frozenset())
                for n, i in enumerate(order)]
        return analysis, hits


def informative(index: "SearchIndex", stems: frozenset[str], min_idf: float = 2.5) -> set[str]:
    """The rarer catalog words among `stems` (words that tell services apart)."""
    return {s for s in stems if index.idf.get(s, 0.0) >= min_idf}


def service_document(service: Service) -> str:
    """The text embedded for a service: name, keywords and what it is (first sentences)."""
    keywords = ", ".join(dict.fromkeys([*service.keywords[:12], *service.synonyms[:8]]))
    about = first_sentences(service.description, limit=2, max_chars=280)
    return ". ".join(x for x in (service.name, keywords, about) if x)
