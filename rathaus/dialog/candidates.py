"""Judging the catalog's candidates with the question's own words, beyond the search's scores:
the detail a question names beyond a service, whether one of close candidates is meant all the
same, whether a word the catalog does not know names another thing of the same kind, and the
plain variant of a service split by a special case. Functions of the catalog (`understanding`).
"""

from __future__ import annotations

import re

from typing import Any

from rathaus.catalog import text as T
from rathaus.catalog.decision import Decision, ServiceRef
from rathaus.catalog.html import sentences
from rathaus.catalog.model import Service
from rathaus.catalog.search import meanings, register_verbs, separable_verbs
from rathaus.dialog import facets as F
from rathaus.dialog import turns as TU
from rathaus.dialog.fees import for_the_young, names_a_line, names_in, speaks_of_abroad, speaks_of_child
from rathaus.dialog.offices import directory_of


def asking_stems(text: str) -> set[str]:
    """Stems of the words that ask (the facet's cue words) or point back ("da", "dafür"): they name
    no thing of the question."""
    return {T.stem(w) for w in F.facet_words(text) | TU.turn_data().refer}


def named_nouns(text: str) -> set[str]:
    """Stems of the nouns the question names (four letters or more), not those that ask or point back."""
    return {n for n in TU.nouns(text) if len(n) >= 4} - asking_stems(text)


def names_service_word(understanding: Any, text: str) -> bool:
    """Whether the text names a noun that is a word of some service's name ("den Hund"; not
    "vom Nachbarn gekauft")."""
    derived = getattr(understanding, "derived", None)
    if derived is None:
        return False
    words = derived("dialog.name_words", lambda services: frozenset(
        T.stem(w) for s in services for w in T.content_words(s.name) if len(w) >= 4))
    # registration verbs name no thing ("ich mein ummelden", said without capitals)
    return bool({n for n in named_nouns(text) if not register_verbs(n)} & words)


def meant_nouns(text: str, service: Service) -> set[str]:
    """Stems of what the question's colloquial words mean (four letters or more): inside a topic,
    "abbuchen lassen" asks for the sentence on the "Lastschrift". The service's
    own words ("Eheschließung" of "heiraten" for "Eheschließung anmelden") name no detail."""
    own = name_stems(service)
    return {s for w in T.content_words(text) if (meaning := meanings(w))
            for s in map(T.stem, T.content_words(meaning)) if len(s) >= 4 and s not in own}


def close_to_leader(candidates: list, window: float) -> list:
    """The candidates within `window` of the best score, the best among them."""
    return [c for c in candidates if candidates[0].score - c.score <= window] if candidates else []


_MONTH_STEMS = frozenset(T.stem(m) for m in F.MONTHS.split("|"))


def specific(understanding: Any, text: str, service: Service) -> set[str]:
    """Rare stems of the question beyond the service's own name (also as parts of it), the facet
    and back-references: the detail asked about ("Kann man auch samstags heiraten?" -> "samstag")."""
    rare = getattr(understanding, "rare_stems", None)
    if rare is None or not text:
        return set()
    own = name_stems(service)
    # a month the caller says is the caller's own date ("der wird im März eins"), not the one
    # a sentence names ("Die Zusagen verschicken die Kitas im März")
    skip = asking_stems(text) | _MONTH_STEMS
    return {r for r in rare(text) if r not in skip and len(r) >= 4
            and not any(r in n or (len(r) >= 5 and len(n) >= 5 and r.startswith(n)) for n in own)}


def name_stems(service: Service) -> set[str]:
    """Stems of the content words of the service's name: its own words, which name no detail of it."""
    return T.content_stems(service.name)


def keyword_stems(service: Service) -> set[str]:
    """Stems of the service's one-word keywords and synonyms."""
    return {T.stem(k) for k in [*service.keywords, *service.synonyms] if len(T.words(k)) == 1}


def one_word_keywords(service: Service) -> set[str]:
    """Stems of the service's keywords that are one content word of four letters or more ("Pass",
    "der Pass"): what callers call it, for the clear leader. Narrower than `keyword_stems` (which
    adds synonyms and short words): with that one, one Hallerbach dev turn lost its clear leader."""
    words = [T.content_words(k) for k in service.keywords]
    return {T.stem(w[0]) for w in words if len(w) == 1 and len(w[0]) >= 4}


def beyond_keywords(service: Service, specific: set[str]) -> set[str]:
    """The specific stems that are no word of the service's own keywords: "Anwohnerparkausweis"
    names the service, "verloren" is what lost property is about; neither tells a sentence apart."""
    keywords = T.content_stems(" ".join([*service.keywords, *service.synonyms]))
    return {q for q in specific if not any(q == k or (len(q) >= 5 and q in k) for k in keywords)}


def names_service(decision: Decision, text: str) -> bool:
    """A clear answer whose service the caller named in so many words ("Die Familienkasse will
    eine Haushaltsbescheinigung"), not merely one the search found close."""
    if decision.action != "answer" or decision.service is None:
        return False
    said = T.content_stems(text)
    # "beglaubigte Kopien" names "Beglaubigung von Kopien": a form of the name's word, stem first
    return any(len(n) >= 5 and any(s.startswith(n) for s in said)
               for n in (T.stem(w) for w in T.content_words(decision.service.name)))


def foreign_matters(understanding: Any, authorities: set[str]) -> set[str]:
    """The other authorities' matters that this catalog does not name a service for: a city that
    is its own Ausländerbehörde has services named "Aufenthaltserlaubnis – ..."; a small town has
    none, and there the word means the district's office. A name that only mentions the matter
    ("Geburtsurkunde für das Elterngeld") is not one."""
    if not authorities or not hasattr(understanding, "derived"):
        return authorities
    names = understanding.derived("dialog.name_heads", lambda services: frozenset(
        T.stem(words[0]) for s in services if (words := T.content_words(s.name))))
    # a town that is its own Ausländerbehörde lists it as an office: a question to it is ours
    own = {T.stem(w) for o in directory_of(understanding).offices for w in T.content_words(o.name)}
    return {a for a in authorities if " " in a or (T.stem(a) not in names and T.stem(a) not in own)}


def naming_cues(cues: list[str]) -> list[str]:
    """The case cues that may name a service: single words ("widerspruch"). A cue of several
    words ("ist mein Reisepass schon ...") names the caller's own case."""
    return [cue for cue in cues if " " not in cue and len(cue) >= 5]


def names_cue(decision: Decision, cues: list[str]) -> bool:
    """A clear answer whose service is named for the word (of `naming_cues`) that made the
    question look like one's own case: "Widerspruch gegen die Rente" is a service of its own
    where the catalog has it."""
    if decision.action != "answer" or decision.service is None:
        return False
    name = T.content_stems(decision.service.name, 5)
    return any(T.stem(cue) in name for cue in cues)


def describes_cue(understanding: Any, decision: Decision, cues: list[str], facet: str | None) -> bool:
    """A general question about the word that made it look like one's own case, which a sentence
    of the found service answers: "Bis wann kann ich gegen den Abgabenbescheid Widerspruch
    einlegen?" when the description says "Widerspruch ... innerhalb eines Monats"."""
    if facet is None or decision.service is None or decision.action not in ("answer", "confirm"):
        return False
    service = understanding.service(decision.service.id) if hasattr(understanding, "service") else None
    if service is None:
        return False
    patterns = F.cue_data()["sentence"].get(facet, [])
    for sentence in sentences(service.description):
        folded = F.folded_text(sentence)
        if all(cue in folded for cue in cues) and any(p.search(folded) for p in patterns):
            return True
    return False


def one_plausible(understanding: Any, decision: Decision, text: str, forward_below: float, window: float) -> bool:
    """Only one candidate near the best, or only the best has a name the question fully says
    ("Personalausweis" but not "Verlust oder Diebstahl Personalausweis"): the question named a
    facet, so answer without asking back."""
    cands = decision.candidates or []
    if not cands or cands[0].score < forward_below + 0.05:
        return False
    close = close_to_leader(cands, window)
    if len(close) == 1:
        return True
    said = T.content_stems(text)
    said |= {w[:k] for w in said for k in range(5, len(w))}
    covered = [c for c in close if T.content_stems(c.name) <= said]
    if len(covered) == 1:
        return covered[0].id == cands[0].id
    # The words that tell the close candidates apart: the best must have all of them, the
    # others none ("Auto anmelden": "anmeld" is in "Fahrzeug zulassen", not in "abmelden").
    matched = getattr(understanding, "matched_stems", None)
    if matched is None:
        return False
    sets = matched(text, [c.id for c in close])
    telling = set().union(*sets) - set.intersection(*sets)
    if bool(telling) and telling <= sets[0] and all(not (telling & other) for other in sets[1:]):
        return True
    # or the best has most of them ("Auto", "Kfz", "gebraucht" against "Wohnsitz" for "ummelden")
    ours = len(telling & sets[0])
    return ours >= 2 and all(3 * len(telling & other) <= ours for other in sets[1:])


def clear_leader(understanding: Any, decision: Decision, text: str, forward_below: float, window: float) -> bool:
    """A forwarded question whose best candidate is only a little below the bar but far ahead
    of all others (beyond the confirm window), and named by a word of the question
    that the others lack: the caller means that service."""
    cands = decision.candidates or []
    if not cands or (len(cands) > 1 and cands[0].score - cands[1].score <= window):
        return False
    # further below the bar where the others are further behind ("wir sind ein Verein, kriegen wir
    # den großen Saal billiger": the only room service, low because the question says much else)
    far = len(cands) == 1 or cands[0].score - cands[1].score > 1.5 * window
    if cands[0].score < forward_below - (0.25 if far else 0.12):
        return False
    # a word of the best's name that the question says and no other's name has ("Personalausweis"),
    # and not a verb that many names share: "beantragen" names no service ("Rente beantragen"),
    # the noun may ("zur Anmeldung")
    verbs = _name_verbs(understanding)
    words = T.content_words(text)
    said_all = {T.stem(w) for w in words}
    nouns = {T.stem(w) for w in words if w.endswith("ung")}
    said = {st for st in said_all if st not in verbs} | nouns
    # and what the caller's colloquial words mean: "Perso" says "Personalausweis"
    said |= {T.stem(m) for w in words if (meaning := meanings(w)) for m in T.content_words(meaning)} - verbs
    names = [T.content_stems(c.name, 5) for c in cands]
    if (names[0] & said) - set().union(*names[1:]):
        return True
    # or a one-word keyword of the best that no other has ("Pass" of "Reisepass beantragen")
    services = [understanding.service(c.id) if hasattr(understanding, "service") else None for c in cands]
    keys = [one_word_keywords(s) if s is not None else set() for s in services]
    if (keys[0] & said) - set().union(*names[1:], *keys[1:]):
        return True
    # every noun of the best's name said, and not every noun of any other's ("Reisepass" against
    # "Verlust oder Diebstahl von Personalausweis und Reisepass")
    nouns_of = [n - verbs for n in names]
    if nouns_of[0] and nouns_of[0] <= said and not any(n and n <= said for n in nouns_of[1:]):
        return True
    # the procedure's noun, far ahead of the others that share it ("zur Anmeldung" is the residence's)
    if names[0] & nouns:
        return True
    matched = getattr(understanding, "matched_stems", None)
    if matched is None:
        return False
    # or words only the best's text holds: two of them, or one beside a word of its name that the
    # others' names lack ("Ukraine" and "Anmeldung"), or one its title says ("Rente" only in an
    # income rule of the housing permit does not make a pension question one about the permit)
    sets = matched(text, [c.id for c in cands])
    telling = sets[0] - set().union(*sets[1:])
    if len(telling) >= 2 or (telling and (names[0] & said_all) - set().union(*names[1:])):
        return True
    service = services[0]
    if service is None or not telling:
        return False
    title = T.content_stems(" ".join([service.name, *service.keywords, *service.synonyms]))
    return any(t in n for t in telling for n in title if len(t) >= 4)


def says_name(understanding: Any, service_name: str, text: str) -> bool:
    """The question says a word of the service's name, also as the last part of a compound
    ("Nebengewerbe" for "Gewerbe", "Schützenfest" for "Festen"); procedure verbs that many names
    share do not count."""
    verbs = _name_verbs(understanding)
    name = T.content_stems(service_name, 4) - verbs
    said = {x for w in T.content_words(text) for x in (w, T.stem(w))}  # "Schützenfest" stems to "schutzenf"
    return any(q == n or (len(n) >= 4 and q.endswith(n)) for q in said for n in name)


def chosen_option(understanding: Any, options: list[dict], text: str) -> ServiceRef | None:
    """The option of "Geht es um A oder B?" that a short reply asking nothing takes: the one whose
    name it says, also by what its colloquial words mean ("den Golf": "Auto Fahrzeug" for
    "Fahrzeug umschreiben"), or by its place ("das erste", "Letzteres"). None where it takes none
    or several."""
    if len(options) < 2 or len(T.words(text)) > _CHOICE_WORDS or F.detect(text):
        return None
    place = TU.place_in_list(text)
    if place is not None and -len(options) <= place < len(options):
        chosen = options[place]
    else:
        meant = " ".join(m for w in T.content_words(text) if (m := meanings(w)))
        named = [o for o in options if says_name(understanding, o["name"], f"{text} {meant}")]
        if len(named) != 1:
            return None
        chosen = named[0]
    return ServiceRef(id=chosen["id"], name=chosen["name"])


# a choice is a short reply that asks nothing ("den Golf, bitte"); a longer one, or one that asks
# for a fact ("das Gewerbe, was kostet das?"), is a question of its own
_CHOICE_WORDS = 4


def _name_verbs(understanding: Any) -> set[str]:
    """Stems that many service names share (at least three, and at least a tenth of them): the
    procedure words ("beantragen", "anmelden") that name no service alone."""
    derived = getattr(understanding, "derived", None)

    def build(services: list[Service]) -> set[str]:
        counts: dict[str, int] = {}
        for service in services:
            for st in name_stems(service):
                counts[st] = counts.get(st, 0) + 1
        return {st for st, n in counts.items() if n >= max(3, len(services) // 10)}

    return derived("dialog.name_verbs", build) if derived is not None else set()


def related_to(decision: Decision, topic_name: str, window: float, clear: bool = False) -> str | None:
    """Of close candidates, the one whose name shares a word with the service talked about
    before: "nein, ich meine abmelden" after the car's registration is the car's deregistration,
    not a trade's. With `clear`, also a clear answer of another service that shares one."""
    cands = decision.candidates or []
    topic = T.content_stems(topic_name, 4)
    if clear and decision.action == "answer" and decision.service is not None and decision.service.name != topic_name \
            and topic & name_stems(decision.service):
        return decision.service.id
    close = close_to_leader(cands, window)
    sharing = [c for c in close if topic & T.content_stems(c.name) and c.name != topic_name]
    return sharing[0].id if len(sharing) == 1 and len(close) > 1 else None


def fee_owner(understanding: Any, service: Service, question: str, candidates: list, earlier: str) -> Service:
    """The service whose fee the question asks: "Und was kostet so ein vorläufiger?" after the lost
    wallet "mit dem Perso drin" is the ID card's line, "Was kostet so ein Urnengrab?" after a death
    the grave's, where a word of the question is nowhere in the topic's own text but names a fee
    line of a candidate (of those, the one the conversation named before)."""
    own = T.content_stems(" ".join([service.name, service.description, service.fees or "",
                                    *service.keywords, *service.synonyms]))
    # a separable verb's participle is the verb ("abgeholt" of the lost property: "wenn ich's abhole")
    own |= {T.stem(v) for w in own if (v := T.participle_verb(w))}
    known = own | asking_stems(question)
    new = [w for w in T.content_words(question) if len(w) >= 5 and (st := T.stem(w)) not in known
           and not register_verbs(w) and not any(o.startswith(st) or o.endswith(st) for o in own)]
    if not new:
        return service
    # on a first turn the word must name the other service too ("Urnengrab" the grave's), not only
    # a line of it ("Kennzeichen" of a re-registration beside the parking permit asked about)
    owners = [o for c in candidates if c.id != service.id and (o := understanding.service(c.id)) is not None
              and names_a_line(o.fees or "", " ".join(new))
              and (earlier or names_in(" ".join([o.name, *o.keywords]), " ".join(new)))]
    if len(owners) > 1:
        said = T.content_stems(earlier)
        owners = [o for o in owners if said & T.content_stems(" ".join([o.name, *o.keywords]))]
    return owners[0] if len(owners) == 1 else service


def detail_confirms(understanding: Any, decision: Decision, text: str, facet: str | None) -> bool:
    """The best candidate's description has a sentence with what the question names beyond the
    service (a rare word of it, and at least one more of its words), and for a facet that
    sentence answers it ("Wann ist der Waldfriedhof im Winter offen?")."""
    cands = decision.candidates or []
    if not cands or cands[0].score < 0.2:
        return False
    service = understanding.service(cands[0].id)
    if service is None:
        return False
    named = specific(understanding, text, service)
    details = F.detail_sentences(service.description, named, name_stems(service))
    if facet is not None:
        cues = F.cue_data()["sentence"].get(facet, [])
        details = [d for d in details if any(p.search(F.folded_text(d)) for p in cues)]
    if decision.action == "confirm":  # already the best candidate: one rare word of it suffices
        return bool(details)
    said = T.content_stems(text) - F.facet_stems(text)
    return any(F.mentions(d, said) >= 2 for d in details)


def other_kind(understanding: Any, decision: Decision, text: str) -> bool:
    """The question names a thing the catalog does not know, of the same kind as the found
    service but another: "Elterngeld" (unknown) against "Wohngeld beantragen". A compound with
    another first part names another thing; one that ends in the service's word ("Kinderreisepass"
    for "Reisepass") is a kind of it."""
    unknown = getattr(understanding, "unknown_words", None)
    if unknown is None or decision.service is None or decision.action not in ("answer", "confirm"):
        return False
    service = understanding.service(decision.service.id) if hasattr(understanding, "service") else None
    own_words = _own_words(service)
    nouns = TU.nouns(text)
    name = [w for t in decision.service.name.split() if t[:1].isupper() for w in T.words(t) if len(w) >= 5]
    for u in unknown(text):
        if T.stem(u) not in nouns or u.endswith(tuple(name)):
            continue
        for n in name:
            shared = 0  # the last part both words share, each with a first part of its own
            while shared < min(len(u), len(n)) and u[-1 - shared] == n[-1 - shared]:
                shared += 1
            first = u[:len(u) - shared]
            # "Büchereiausweis" for "Bibliotheksausweis" is the same thing where the service
            # itself says "Bücherei"; "Elterngeld" for "Wohngeld" is not
            if shared >= 4 and len(first) >= 3 and len(n) - shared >= 3 and not (
                    first in own_words or T.stem(first) in own_words or first.rstrip("s") in own_words):
                return True
    return False


def _own_words(service: Service | None) -> set[str]:
    """Folded words and stems of a service's name, keywords, synonyms and description."""
    own = " ".join([service.name, *service.keywords, *service.synonyms, service.description]) if service else ""
    return set(T.words(own)) | T.content_stems(own)


def _holds(own: set[str], word: str) -> bool:
    """Whether a service's words hold a word, also as the last part of a compound
    ("Kennzeichen" in "Wunschkennzeichen")."""
    st = T.stem(word)
    return word in own or st in own or (len(st) >= 5 and any(o.endswith(st) for o in own))


_PURPOSE = re.compile(r"\b(?:fur|fuer) (?:(?:die|den|das|dem|der|meine|meinen|meiner|unsere|unseren|eine|einen) )?(\w+)")


def other_object(understanding: Any, decision: Decision, text: str) -> bool:
    """The service's own procedure, done to a thing it does not handle: "mein Auto auf die neue
    Adresse ummelden" finds "Wohnsitz anmelden oder ummelden" by its verb, but a car is
    registered elsewhere. A thing is a word the colloquial lexicon knows (callers ask the catalog
    about it) that neither it nor its meanings appear in the service's text."""
    if decision.service is None or decision.action not in ("answer", "confirm"):
        return False
    service = understanding.service(decision.service.id) if hasattr(understanding, "service") else None
    if service is None:
        return False
    verbs = {T.stem(w) for t in service.name.split() if t[:1].islower() for w in T.words(t) if len(w) >= 5}
    own: set[str] | None = None  # the service's words, read only for a clause with its verb
    for clause in T.fold(text).replace("?", ".").replace("!", ".").replace(",", ".").split("."):
        said = T.content_words(clause)
        if not any(T.stem(w) in verbs for w in said):
            continue
        own = _own_words(service) if own is None else own
        purposes = set(_PURPOSE.findall(clause))  # "für die Rente eine Geburtsurkunde bestellen": what it is for
        for w in said:
            # a procedure is no thing ("nach der Abmeldung reservieren" keeps the plate's reservation)
            meaning = meanings(w) if T.stem(w) not in verbs and not register_verbs(w) and w not in purposes else None
            if meaning and not _holds(own, w) and not any(_holds(own, m) for m in T.content_words(meaning)):
                return True
    return False


def plain_variant(decision: Decision, text: str, window: float) -> str | None:
    """Of two close services named "X ohne Y" and "X mit Y", the plain one when the caller does
    not mention Y (catalogs split a service by a special case: "mit Auslandsbezug"), and the
    special one when the caller's words say it ("mein Verlobter ist Italiener")."""
    close = close_to_leader(decision.candidates or [], window)[:2]
    if len(close) != 2:
        return None
    names = [T.words(c.name) for c in close]
    for i, (a, b) in enumerate((names, names[::-1])):
        if "ohne" in a and "mit" in b and [w for w in a if w != "ohne"] == [w for w in b if w != "mit"]:
            special = a[a.index("ohne") + 1:a.index("ohne") + 2]
            said = {T.stem(w) for w in T.words(text)}
            if special and special[0].startswith("ausland") and speaks_of_abroad(text):
                return close[1 - i].id
            if special and not any(T.stem(special[0]).startswith(s[:5]) for s in said if len(s) >= 5):
                return close[i].id
    return None


def unqualified(decision: Decision, text: str, window: float) -> str | None:
    """The second of two close services when the leader is its name with words added that the
    caller never says: "Einschalten eID-Funktion oder Änderung der PIN" before the same name with
    "– Elektronischer Aufenthaltstitel" for "PIN fürn Online-Ausweis vergessen"."""
    close = close_to_leader(decision.candidates or [], window)[:2]
    if len(close) != 2:
        return None
    leader, plain = (T.content_stems(c.name) for c in close)
    if not plain < leader:
        return None
    words = T.words(f"{text} {' '.join(separable_verbs(text))}")
    said = {T.stem(w) for w in T.words(" ".join([*words, *filter(None, map(meanings, words))]))}
    added = leader - plain  # said also by a meaning ("verloren": Verlust) or its first five letters
    if any(st in said or (len(st) >= 5 and any(s[:5] == st[:5] for s in said if len(s) >= 5)) for st in added):
        return None
    return close[1].id


def for_child(decision: Decision, text: str, window: float) -> str | None:
    """Of close services, the one for the young when the caller speaks of a child ("Mein Sohn ist
    zehn und will mit mir angeln gehen": the Jugendfischereischein, not the Fischereischein)."""
    close = close_to_leader(decision.candidates or [], window)[:3]
    young = [c for c in close if for_the_young(c.name)]
    if len(close) < 2 or len(young) != 1 or not speaks_of_child(text):
        return None
    return young[0].id


# ------------------------------------------------------------------------------------ helpers

