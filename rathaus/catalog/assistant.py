"""The bot's brain: a caller's (transcribed) question in, a Decision out.

answer  - one service clearly fits: its facts from the catalog, through the templates;
confirm - two or three are close (or one fits only half-way): "Geht es um ...?";
forward - the caller asks for a person or names a staff member (at once), nothing fits, or the
          question is not about a service.
An optional language model may rerank the retrieved candidates and phrase the answer from their
records only; any failure falls back to the templates.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, TypeVar
from importlib import resources

import prompts
from rathaus.catalog import answers, repository
from rathaus.catalog.decision import Candidate, Decision, ServiceRef
from rathaus.catalog.embeddings import cached_passages, query_vector
from rathaus.catalog.language import detect_language
from rathaus.catalog.model import Service
from rathaus.catalog.search import Hit, SearchIndex, colloquial_table, informative
from rathaus.catalog.text import STOPWORDS, content_stems, stem, words
from rathaus.errors import RathausError
from rathaus.llm import LlmClient, LlmError, LlmSettings
from rathaus.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

# A phone turn is at most ~20 s of speech (a few hundred characters); longer input is cut so a
# pasted document cannot make one question slow.
MAX_QUESTION_CHARS = 1000


@dataclass
class CatalogSettings:
    initial: str = "sample"
    default_queue: str = "sip:buergerservice@127.0.0.1"
    # Fused score below which nothing fits (forward). Set on the Munich dev questions when the
    # lexical score began to count each question word once and to ignore facet words (lexical.py):
    # answerable questions score ~0.05 higher than before, and 0.45 forwards the same share of
    # must-forward questions as 0.40 did (answer_above moved with it, from 0.55).
    forward_below: float = 0.45
    # Fused score from which the best service is answered when it leads by answer_margin.
    answer_above: float = 0.60
    answer_margin: float = 0.08
    # Candidates within this distance of the best are offered in a confirm question.
    confirm_window: float = 0.10
    use_llm: bool = True
    embed_threads: int = 1


@lru_cache(maxsize=1)
def _person_patterns() -> list[re.Pattern]:
    raw = tomllib.loads(resources.files("rathaus.catalog.data").joinpath("forward_patterns.toml").read_text(encoding="utf-8"))
    return [re.compile(p, re.IGNORECASE) for patterns in raw.get("person", {}).values() for p in patterns]


def asks_for_person(question: str) -> bool:
    """The caller wants a human or names a staff member ("Ich will Frau Meier sprechen")."""
    return any(p.search(question) for p in _person_patterns())


class Assistant:
    """Thread-safe; one per process. Reloads its index when the catalog changes in the store.

    With `background_reload` (what `load_assistant` gives the phone bot and the web page), a
    changed catalog is re-indexed in a background thread while questions are still answered
    from the previous index, so no caller waits for new texts to be embedded; the change takes
    effect a moment later. Without it (command line, tests) the next question waits for it.
    """

    def __init__(self, store: Store, settings: CatalogSettings, llm: LlmSettings | None = None, encoders=None,
                 background_reload: bool = False):
        self.store = store
        self.settings = settings
        self.llm = LlmClient(llm) if llm and llm.enabled and settings.use_llm else None
        self.background_reload = background_reload
        self._encoders = encoders
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()
        self._reloading: threading.Thread | None = None

    # --- index ----------------------------------------------------------------------------------

    def _build(self, store: Store) -> SearchIndex:
        from rathaus.catalog.embeddings import shared_encoders

        if self._encoders is None:
            self._encoders = shared_encoders(self.settings.embed_threads)
        started = time.perf_counter()
        index = SearchIndex.build(store, self._encoders)
        log.info("catalog index: %d services in %.1f s", len(index.services), time.perf_counter() - started)
        return index

    def _reload_in_background(self) -> None:
        def run() -> None:
            store = Store(self.store.path)  # this thread's own connection
            try:
                index = self._build(store)
                with self._lock:
                    if self._index is None or index.generation >= self._index.generation:
                        self._index = index
            except Exception:  # keep answering from the old index; the next question retries
                log.exception("catalog index reload failed")
            finally:
                store.close()
                self._reloading = None

        with self._lock:
            if self._reloading is None:
                self._reloading = threading.Thread(target=run, name="catalog-reload", daemon=True)
                self._reloading.start()

    @property
    def index(self) -> SearchIndex:
        current = repository.generation(self.store)
        index = self._index
        if index is not None and index.generation != current and self.background_reload:
            self._reload_in_background()
            return index
        if index is None or index.generation != current:
            with self._lock:
                if self._index is None or self._index.generation != current:
                    self._index = self._build(self.store)
                index = self._index
        return index

    def wait_for_reload(self, timeout: float = 60.0) -> None:
        """Block until a background reload (if any) has finished."""
        thread = self._reloading
        if thread is not None:
            thread.join(timeout)

    def warm_up(self) -> None:
        """Build the index and run one question, so the first caller waits for nothing (the
        dialog adds its own part: DialogEngine.warm_up)."""
        self.ask("Personalausweis")

    # --- questions ------------------------------------------------------------------------------

    def ask(self, question: str, language: str | None = None) -> Decision:
        started = time.perf_counter()
        question = " ".join(str(question).split())
        lang = answers.answer_language(language or detect_language(question))
        decision = self._decide(question[:MAX_QUESTION_CHARS], lang)
        decision.question = question
        decision.latency_ms = (time.perf_counter() - started) * 1000
        return decision

    def _decide(self, question: str, lang: str) -> Decision:
        if not question:
            return Decision(question=question, action="forward", answer=answers.forward_text("empty_question", lang),
                            language=lang, reason=answers.reason_text("empty"))
        if asks_for_person(question):
            return Decision(question=question, action="forward", answer=answers.forward_text("person", lang),
                            language=lang, reason=answers.reason_text("asked_for_person"))
        index = self.index
        analysis, hits = index.search(self.store, question, language=lang)
        top = hits[:3]
        candidates = [Candidate(id=h.service.id, name=h.service.name, score=h.score) for h in top]
        s = self.settings
        if not top or top[0].score < s.forward_below:
            return Decision(question=question, action="forward", candidates=candidates,
                            answer=answers.forward_text("no_match", lang), language=lang,
                            reason=answers.reason_text("no_match"))
        if self.llm is not None:
            chosen = self._ask_llm(question, lang, top)
            if chosen is not None:
                return chosen
        best = top[0]
        margin = best.score - (top[1].score if len(top) > 1 else 0.0)
        # A rare word of the question that another candidate explains but the best does not
        # ("PIN" in "PIN vom Personalausweis ändern") means the best is too generic: ask.
        unexplained = set().union(*(h.name_matched for h in top[1:])) - best.matched if len(top) > 1 else set()
        # a word the best explains in one of its forms is explained ("Zeugnissen", also read as "Führungszeugnis")
        unexplained -= {f for c in analysis.concepts if set(c.forms) & best.matched
                        for f, share in c.forms.items() if share >= 1.0}
        unexplained = informative(index, frozenset(unexplained)) if not best.synonym else set()
        if best.score >= s.answer_above and margin >= s.answer_margin and not unexplained:
            return Decision(question=question, action="answer", service=_ref(best.service, s), candidates=candidates,
                            answer=answers.answer_text(best.service, lang), language=lang,
                            reason=answers.reason_text("clear_match"))
        close = [h for h in top if best.score - h.score <= s.confirm_window]
        names = [h.service.name for h in close]
        return Decision(question=question, action="confirm", service=_ref(best.service, s), candidates=candidates,
                        answer=answers.confirm_text(names, lang), language=lang,
                        reason=answers.reason_text("close_candidates" if len(close) > 1 else "uncertain"))

    def answer_for(self, service_id: str, language: str = "de") -> Decision:
        """The answer once the caller accepted a `confirm` ("Ja, genau")."""
        service = repository.get_service(self.store, service_id)
        lang = answers.answer_language(language)
        if service is None:
            raise RathausError(f"no service with id {service_id}")
        return Decision(question="", action="answer", service=_ref(service, self.settings),
                        candidates=[Candidate(id=service.id, name=service.name, score=1.0)],
                        answer=answers.answer_text(service, lang), language=lang,
                        reason=answers.reason_text("clear_match"))

    # --- records for the dialog (rathaus.dialog) -----------------------------------------------

    def service(self, service_id: str) -> Service | None:
        """A service of the current index (no database read per turn)."""
        index = self.index
        i = index.position.get(str(service_id))
        return index.services[i] if i is not None else None

    def derived(self, key: str, build: Callable[[list[Service]], T]) -> T:
        """An object built from the current index's services, once per index (a reload builds it
        anew). The layers above keep here what they derive from the catalog, such as the
        dialog's office list, without the catalog knowing them."""
        index = self.index
        if key not in index.derived:
            index.derived[key] = build(index.services)
        return index.derived[key]

    def matched_stems(self, question: str, service_ids: list[str]) -> list[set[str]]:
        """Per service: the question's stems its indexed text contains (for telling two close
        candidates apart by the words that only one of them has)."""
        index = self.index
        stems = index.analyze(question).stems
        out = []
        for service_id in service_ids:
            i = index.position.get(str(service_id))
            out.append({st for st in stems if i is not None and st in index.terms[i]})
        return out

    def rare_stems(self, question: str) -> set[str]:
        """Stems of the question's own words that few services' texts hold (at most a tenth of them,
        at least two) or none: the words that name a detail ("Blindenhund", "Gartenhaus"), not
        "beantragen"."""
        index = self.index
        n = len(index.services)
        c = max(2.0, 0.1 * n)
        limit = math.log(1 + (n - c + 0.5) / (c + 0.5))
        stems = content_stems(question)
        return {st for st in stems if index.idf.get(st, limit) >= limit}  # a word no service has is rare too

    def unknown_words(self, question: str) -> list[str]:
        """Folded words of the question that no service's text holds, that are no near-miss of a
        catalog word and no colloquial word the catalog knows ("Elterngeld" in a catalog without it)."""
        index = self.index
        out = []
        for w in words(question):
            if len(w) < 6 or w in STOPWORDS or not w.isalpha() or w in index.vocab.words:
                continue
            table = colloquial_table()
            if stem(w) in index.idf or w in table or '~' + stem(w) in table or index.vocab.correct(w) is not None:
                continue
            out.append(w)
        return out

    def sentence_similarity(self, question: str, sentences: list[str]) -> list[float]:
        """Cosine similarity of the question to description sentences (e5; sentence vectors are
        cached in the store like the service texts, so a sentence is embedded once)."""
        index = self.index
        if not index.encoders or not sentences:
            return [0.0] * len(sentences)
        encoder = index.encoders[0]
        with self._lock:
            vectors = cached_passages(self.store, encoder, sentences)
        query = query_vector(encoder, question)
        return [float(v) for v in vectors @ query]

    def forward_target(self, service_id: str | None) -> str:
        """SIP URI to transfer to: the service's queue, else [catalog] default_queue."""
        if service_id:
            service = repository.get_service(self.store, service_id)
            if service is not None and service.forward_to.strip():
                return service.forward_to.strip()
        return self.settings.default_queue

    # --- optional language model ----------------------------------------------------------------

    def _ask_llm(self, question: str, lang: str, hits: list[Hit]) -> Decision | None:
        records = [_record(h.service) for h in hits]
        messages = [
            {"role": "system", "content": prompts.text("catalog.llm.system", "de", language=lang)},
            {"role": "user", "content": prompts.text("catalog.llm.user", "de", question=question,
                                                     records=json.dumps(records, ensure_ascii=False, indent=1))},
        ]
        try:
            reply = self.llm.chat_json(messages)  # type: ignore[union-attr]
        except LlmError as exc:
            log.warning("language model not used: %s", exc)
            return None
        by_id = {h.service.id: h for h in hits}
        chosen = str(reply.get("service_id") or "")
        text = str(reply.get("answer") or "").strip()
        if chosen not in by_id or not text or len(text) > 600:
            log.warning("language model answer cites no retrieved record; using templates")
            return None
        if not _grounded(text, json.dumps(records[list(by_id).index(chosen)], ensure_ascii=False)):
            log.warning("language model answer contains numbers not in the record; using templates")
            return None
        hit = by_id[chosen]
        ordered = [hit] + [h for h in hits if h is not hit]
        return Decision(question=question, action="answer", service=_ref(hit.service, self.settings),
                        candidates=[Candidate(id=h.service.id, name=h.service.name, score=h.score) for h in ordered],
                        answer=text, language=lang, reason=answers.reason_text("llm"))


def _ref(service: Service, settings: CatalogSettings) -> ServiceRef:
    return ServiceRef(id=service.id, name=service.name, forward_to=service.forward_to or settings.default_queue)


def _record(service: Service) -> dict:
    office = service.offices[0] if service.offices else None
    return {
        "id": service.id, "name": service.name,
        "description": service.description[:600], "fees": service.fees,
        "documents": service.documents,
        "office": {"name": office.name, "address": office.address, "phone": office.phone,
                   "opening_hours": office.opening_hours} if office else None,
    }


def _grounded(text: str, record_text: str) -> bool:
    """Every number the model says must be a number of the record (no invented fees or hours)."""
    def numbers(value: str) -> set[str]:
        return {n.replace(".", ",").rstrip(",") for n in re.findall(r"(?<![\d,.])\d+(?:[.,]\d+)*", value)}

    return numbers(text) <= numbers(record_text)


def load_assistant(config, store: Store) -> Assistant:
    """The assistant of a configuration; loads the initial catalog into an empty store first."""
    repository.ensure_initial(config, store)
    settings = config.settings("catalog", CatalogSettings)
    llm = config.settings("llm", LlmSettings)
    return Assistant(store, settings, llm, background_reload=True)
