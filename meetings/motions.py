"""Motions put to the council and the decision sentence of an agenda item."""

from __future__ import annotations

import re

from meetings.vote_model import Motion
from meetings.vote_patterns import sentences

_MOTION = re.compile(
    r"\b((?:Ergänzungs|Änderungs|Geschäftsordnungs|Gegen|Zusatz|Haushalts|Fraktions|Dringlichkeits)?"
    r"[Aa]ntrag|Beschlussvorschlag|Beschlussantrag|Beschlussvorlage|Antrag\s+zur\s+Geschäftsordnung)\b"
    r"(?:\s+(?:der|des|von)\s+(?P<by>(?:Fraktion\s+)?[A-ZÄÖÜ][\w/.-]*(?:\s+[A-ZÄÖÜ][\w.-]*)?))?")
# a motion is made or put, not merely mentioned ("Wir lehnen den Antrag ab")
_MOTION_MADE = re.compile(r"\b(?:stell\w*|beantrag\w*|lautet|liegt\b[^.?!]{0,30}\bvor|vorliegend\w*|"
                          r"eingebracht|"
                          r"(?:Beschlussvorschlag|Beschlussvorlage|Beschlussantrag)\s+(?:der|des|lautet|sieht)\b|"
                          r"schlägt\b[^.?!]{0,40}\bvor|schlagen\b[^.?!]{0,40}\bvor|"
                          r"Antrag\s+zur\s+Geschäftsordnung)", re.I)
_DECISION = re.compile(r"\b(?:Der|Die|Das)\s+(?:Gemeinderat|Stadtrat|Ausschuss|Kreistag|Ortschaftsrat|"
                       r"Gremium|Bezirksbeirat|\w*ausschuss)\s+(?:beschließt|beschliesst|stimmt|nimmt|"
                       r"beauftragt|beruft|wählt|genehmigt|ermächtigt|lehnt|bestellt|bestätigt|"
                       r"empfiehlt|billigt)\b[^.]*(?:\.|$)", re.I)


def find_motions(text: str, limit: int = 5) -> list[Motion]:
    """Motions put in `text` (the sentence that makes or presents them: "stellt den Antrag",
    "Der Beschlussvorschlag lautet", "Antrag der SPD"), at most `limit`, in spoken order."""
    motions: list[Motion] = []
    seen: set[str] = set()
    for sentence in sentences(text):
        match = _MOTION.search(sentence)
        if not match or len(sentence) < 20 or not _MOTION_MADE.search(sentence):
            continue
        key = sentence.lower()
        if key in seen:
            continue
        seen.add(key)
        kind = match.group(1)
        kind = kind[:1].upper() + kind[1:]
        if re.search(r"Antrag\s+auf\s+Schluss|Geschäftsordnung", sentence):
            kind = "Geschäftsordnungsantrag"
        by = match.group("by")
        if any(m.kind == kind and m.by == by for m in motions):
            continue  # the same motion again: the first presentation stands
        motions.append(Motion(kind=kind, text=sentence, by=by))
    return motions[:limit]


def find_decision(text: str) -> str | None:
    """The decision sentence ("Der Gemeinderat beschließt ..."), the last one said."""
    matches = list(_DECISION.finditer(" ".join(text.split())))
    return matches[-1].group(0).strip() if matches else None

