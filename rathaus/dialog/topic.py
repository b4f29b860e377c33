"""How a turn relates to the conversation's topic: what it says beyond facet and office words,
whether it refers back to the service under discussion, or corrects to a variant of it.

Kept apart from the engine so that the rules of "is this still the same topic?" sit together.
"""

from __future__ import annotations

from typing import Any

from rathaus.catalog import text as T
from rathaus.catalog.decision import Decision
from rathaus.catalog.model import Office, Service
from rathaus.catalog.search import meanings
from rathaus.dialog import facets as F
from rathaus.dialog import hours as H
from rathaus.dialog import turns as TU
from rathaus.dialog.state import ConversationState


def residual(text: str, named: list[Office]) -> set[str]:
    """Stems of the question that neither the facet, an office name nor a back-reference explain:
    what the question says about a service."""
    refer = TU.turn_data().refer | TU.turn_data().spoken_of
    skip = F.facet_words(text) | refer
    office_words = {w for o in named for w in T.words(o.name)}
    out = set()
    for w in T.content_words(text):
        if w in skip or w in office_words or len(w) < 3 or H.is_day_word(w):
            continue
        if any(len(w) >= 6 and x.startswith(w[:6]) for x in office_words):
            continue
        out.add(T.stem(w))
    return out


def topic_mentions(understanding: Any, state: ConversationState, words: set[str]) -> bool:
    """Whether the service under discussion speaks of all these folded words ("Das Gewerbeamt
    informiert das Finanzamt"): then a question naming them is about that service."""
    service = understanding.service(state.service_id) if state.service_id else None
    if service is None:
        return False
    own = " " + " ".join(T.words(" ".join([service.name, service.description, service.fees]))) + " "
    return all(f" {w} " in own for w in words)


def refers_back(understanding: Any, state: ConversationState, residual: set[str], decision: Decision,
                nouns: set[str], said_before: set[str] = frozenset()) -> bool:
    """Whether a turn with a facet is about the service (or office) already under discussion:
    it names nothing new, or only words of that service ("Und für Kinder?" when its fees
    name children) or of the caller's own turns on it (`said_before`, stems: "ich habe Baby ...
    Kita Platz?" ... "Wie viel kostet für Baby?"), and not the name of another service that the
    search found."""
    if not residual:
        return True
    if decision.service is not None and decision.service.id == state.service_id:
        return True
    service = understanding.service(state.service_id) if state.service_id else None
    known = _stems(service) if service is not None else set()
    other = (T.content_stems(decision.service.name) if decision.service is not None
             else set())

    def in_text(word: str) -> bool:  # a part of a compound of the topic counts ("Karte" of "Tageskarte")
        # and a participle its verb ("bis wann muss der gemeldet sein" of "Hund anmelden")
        verb = T.participle_verb(word)
        return any(T.part_of(word, k) or (verb is not None and (k == verb or any(k == p + verb for p in T.PARTICLES)))
                   for k in known)

    def in_topic(word: str, meant: bool = False) -> bool:
        # with `meant`, also by what a colloquial word means ("Nummernschilder": "Kennzeichen"), not
        # for a word of the service the search found ("Geburtsurkunde" is no "Urkunde" of the topic)
        meaning = (meanings(word) or "") if meant and word not in other else ""
        return word in said_before or in_text(word) or any(in_text(T.stem(m)) for m in T.content_words(meaning))

    # "Ond ummelda muss i mi au no?" while on the no-parking zone for the move: a verb that names
    # the service the search answers, and that the topic never speaks of
    if service is not None and decision.action == "answer" and any(
            len(r) >= 6 and r in other and not in_topic(r) and not TU.only_procedure({r}) for r in residual):
        return False
    if not (residual & nouns):  # only verbs and the like ("Wo beantrage ich den?"): no new topic
        return True
    residual = residual & nouns
    if service is None:  # an office under discussion: a short question not clearly about a service
        return decision.action == "forward" or (decision.action != "answer" and len(residual) <= 1)

    # "Und für den Personalausweis?" after the passport, whose text names the ID card too: the first
    # word of the name of the service the search answers, not in the topic's own name, is a new topic
    head = next((T.stem(w) for w in T.content_words(decision.service.name)), None) if decision.service else None
    if decision.action == "answer" and head in residual \
            and head not in T.content_stems(service.name):
        return False

    def topic_only() -> bool:
        """A thing only the topic speaks of ("die Karte fürn Stadtweiher" while fishing): still the
        topic, though "Karte" names the recycling yard's card."""
        theirs = understanding.service(decision.service.id) if decision.service is not None else None
        their_words = _stems(theirs) if theirs is not None else set()
        return any(r in known and r not in their_words for r in residual - other)

    if decision.action == "answer" and any(not in_topic(r) for r in residual & other):
        return topic_only()  # else a word of another service's name: a new topic
    # a part of a compound of the topic counts ("Bescheinigung" of "Gewerbebescheinigung")
    if len(residual) <= 2 and all(in_topic(r, meant=True) for r in residual):
        return True
    return decision.action == "forward" or (decision.action == "confirm" and topic_only())


def _stems(service: Service) -> set[str]:
    """The word stems of a service's name, description and fees."""
    return T.content_stems(" ".join([service.name, service.description, service.fees]))


def variant_of_topic(understanding: Any, state: ConversationState, corrected: str) -> bool:
    """A correction that names only words of the service under discussion (its name or a
    fee line: "Ummeldung" of "Gewerbe anmelden, ummelden oder abmelden") means a variant of it."""
    service = understanding.service(state.service_id) if state.service_id else None
    if service is None:
        return False
    said = T.content_stems(corrected, 4)
    own = T.content_stems(" ".join([service.name, service.fees or ""]))
    return bool(said) and said <= own
