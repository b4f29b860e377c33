"""The catalog's offices: found by name, by a common name ("Rathaus", "Zulassungsstelle") or by
the service under discussion, and what to say about their hours, phone, e-mail and address.

Offices come from the services that name them (one entry per office name: Munich lists the same
Bürgerbüro under two location ids). Common names live in data/office_names.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rathaus.catalog import text as T
from rathaus.catalog.model import Office, Service
from rathaus.dialog.data import read

# Words of office names that tell no office from another.
GENERIC_WORDS = frozenset({"im", "in", "der", "die", "das", "des", "und", "fur", "am", "an", "stadt", "amt", "stelle",
                      "buro", "service", "abteilung", "referat", "zimmer", "i", "ii"})
# The last parts many offices' names share: "Verwaltung" alone names none of "Bauverwaltung",
# "Friedhofsverwaltung" (while "Kasse" is the town's "Verbandsgemeindekasse")
_GENERIC_HEADS = frozenset({"verwaltung", "stelle", "buro", "service", "zentrum", "abteilung", "behorde",
                            "referat", "hause", "gebaude", "platz", "strasse"})
# Last parts that a name like "Bau- und Planungsamt" spells once for two compounds
_COMPOUND_HEADS = _GENERIC_HEADS | {"amt", "betrieb", "dienst", "kasse"}
# First parts that make an office the town's own of its kind: "Stadtbücherei" is the "Bücherei",
# while a "Tiefbauamt" is not the "Bauamt"
_TOWN_PARTS = ("stadt", "gemeinde", "kreis", "orts", "verbandsgemeinde", "samtgemeinde", "markt")
# Words before a place the caller moved to or came from ("nach Pasing zogn"), not the office there
_MOTION = frozenset({"nach", "aus"})
# English words that only say whose office the next one is: the "town treasury" is the Stadtkasse,
# not the town hall ("town hall" and "town office" still name the Rathaus)
_OWNERS = frozenset({"town", "city", "municipal"})
# Words that tell one office from another only beside a word of its own: "meine neue Adresse" names
# no "Neue Messe", but "im alten Rathaus" names the "Altes Rathaus" rather than the new one.
_QUALIFIERS = frozenset({"neu", "neue", "neuen", "neuer", "neues", "alt", "alte", "alten", "alter", "altes",
                         "gross", "grosse", "grossen", "grosser", "grosses", "klein", "kleine", "kleinen", "kleiner"})


def _town_kind_of(office_word: str, said: str) -> bool:
    return office_word.endswith(said) and office_word[:-len(said)] in _TOWN_PARTS


def _qualifier_base(word: str) -> str:
    """"alte", "alten", "altes" -> "alt"."""
    return re.sub(r"e[nrs]?$", "", word)


@lru_cache(maxsize=1)
def common_names() -> dict[str, list[str]]:
    """Folded word a caller says -> folded words an office name may carry for it."""
    raw = read("office_names.toml")
    names = dict(raw.get("names", {}))
    names.update({k: names[other] for k, other in raw.get("same", {}).items()})
    return {" ".join(T.words(k)): [" ".join(T.words(x)) for x in v] for k, v in names.items()}


def _elided_compounds(name: str) -> set[str]:
    """The compounds a name spells with a hyphen for the shared last part: "Bau- und
    Planungsamt" is the "Bauamt" too, "Zulassungs- und Führerscheinstelle" the "Zulassungsstelle"."""
    out, pending = set(), []
    for token in re.findall(r"[^\W\d_]+-?", name):
        if token.endswith("-"):
            pending.append(T.fold(token[:-1]))
        elif pending and T.fold(token) not in ("und", "oder", "u", "sowie"):
            last = T.fold(token)
            head = max((h for h in _COMPOUND_HEADS if last.endswith(h) and len(last) > len(h)), key=len, default="")
            out |= {p + head for p in pending if head}
            pending = []
    return out


def _office_words(office: Office) -> set[str]:
    words = set()
    for w in T.words(office.name):
        if w not in GENERIC_WORDS and len(w) > 2:
            words.add(w)
    return words | _elided_compounds(office.name)


@dataclass
class OfficeDirectory:
    offices: list[Office] = field(default_factory=list)
    _words: list[set[str]] = field(default_factory=list)
    _town: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, services: list[Service]) -> "OfficeDirectory":
        seen: dict[str, Office] = {}
        for s in services:
            for o in s.offices:
                key = T.fold(o.name.strip())
                if key and key not in seen:
                    seen[key] = o
                elif key in seen and not seen[key].opening_hours and o.opening_hours:
                    seen[key] = o
        directory = cls(offices=list(seen.values()))
        # A word in most offices' addresses is the town ("Stadtbibliothek Auental", "76999 Auental"):
        # naming it names no office.
        counts: dict[str, int] = {}
        for o in directory.offices:
            for w in set(T.words(o.address)):
                counts[w] = counts.get(w, 0) + 1
        town = {w for w, c in counts.items() if c >= max(2, len(directory.offices) / 2)}
        directory._words = [_office_words(o) - town for o in directory.offices]
        directory._town = town
        return directory

    def get(self, office_id: str) -> Office | None:
        return next((o for o in self.offices if o.id == office_id), None)

    def named_in(self, question: str) -> list[Office]:
        """Offices the question names, best first: by a distinctive word of their name, a common
        name, or the head of a compound ("Standesamt" in "Standesamtes")."""
        said = T.words(question)
        table = common_names()
        # places moved to or from ("nach Pasing zogn"; "von" is none: "Telefonnummer von Stadtkasse"),
        # and "town" before an office's common name, name no office
        passed = {w for before, w in zip(said, said[1:]) if before in _MOTION} | \
            {w for w, after in zip(said, said[1:]) if w in _OWNERS and after in table}
        q_words = [w for w in said if len(w) > 2 and w not in passed]
        if not q_words or not self.offices:
            return []
        scores = [0.0] * len(self.offices)
        for i, (office, words) in enumerate(zip(self.offices, self._words)):
            name = " " + " ".join(T.words(office.name)) + " "
            address = " ".join(T.words(office.address))
            qualifier = 0.0
            for w in q_words:
                if w in GENERIC_WORDS or w in T.STOPWORDS or w in self._town:
                    continue  # "in München" names no "Standesamt München-Pasing"
                if w in _QUALIFIERS:
                    qualifier += 2.0 if any(_qualifier_base(x) == _qualifier_base(w) for x in words & _QUALIFIERS) else 0.0
                    continue
                if w in words:
                    scores[i] += 2.0
                elif any((len(w) >= 6 and len(x) >= 6 and (x.startswith(w) or w.startswith(x)
                                                         or (len(w) >= 9 and w[:-2] == x[:-2])))
                         or (len(w) >= 5 and w not in _GENERIC_HEADS and (
                             _town_kind_of(x, w) or (w.endswith("n") and _town_kind_of(x, w[:-1]))))
                         or (len(x) >= 5 and _town_kind_of(w, x))
                         for x in words):  # "technischen" for "Technisches Rathaus", "Bücherei" for
                    scores[i] += 1.5      # "Stadtbücherei", "Werke(n)" for "Verbandsgemeindewerke", "Gemeindekasse"
                                          # for "Kasse und Steueramt"; the word itself counts more
                for alias in table.get(w, []) + table.get(T.stem(w), []):
                    if f" {alias} " in name or any(x.startswith(alias) or (len(alias) >= 6 and _town_kind_of(x, alias))
                                                   for x in words):
                        scores[i] += 1.0
                        break
                if w == "rathaus" and "rathaus" in address:
                    scores[i] += 0.5
                elif w in words and w in address.split():  # "in Dornbachtal": the office that is there
                    scores[i] += 0.5
            if scores[i] > 0:
                scores[i] += qualifier
        best = max(scores)
        if best <= 0:
            return []
        return [o for s, o in sorted(zip(scores, self.offices), key=lambda x: -x[0]) if s >= best]

    def kind(self, offices: list[Office]) -> str:
        """The first word all these offices' names share ("Bürgerbüro"), or ""."""
        firsts = {o.name.split()[0] for o in offices if o.name.split()}
        return firsts.pop() if len(firsts) == 1 and len(offices) > 1 else ""


def unique_offices(service: Service) -> list[Office]:
    """A service's offices, one per name, in catalog order."""
    seen: dict[str, Office] = {}
    for o in service.offices:
        seen.setdefault(T.fold(o.name.strip()), o)
    return list(seen.values())


def directory_of(understanding: Any) -> OfficeDirectory:
    """The offices of the catalog `understanding` answers from, built once per catalog index; an
    empty directory for a stand-in that only answers questions."""
    derived = getattr(understanding, "derived", None)
    return derived("offices", OfficeDirectory.build) if derived is not None else OfficeDirectory()
