"""A vote stated in one sentence, as written minutes and chairs put it: "Bei 3 Gegenstimmen und
2 Enthaltungen mehrheitlich zugestimmt.", "Dem stimmen Sie alle zu.", "Das ist die Mehrheit."
"""

from __future__ import annotations

import re

from meetings.vote_counts import parse_counts
from meetings.vote_model import ACCEPTED, DEFERRED, NOTED, REJECTED, Vote
from meetings.vote_patterns import (ACCEPTED_RE, CONCLUSION, DEFERRED as DEFERRED_RE, FINDING,
                                    INTENTION, MAJORITY, MAJORITY_WEAK, NOTED as NOTED_RE,
                                    OTHER_BODY, REJECTED_RE, REJECTED_WEAK, REST_NO, REST_YES, TIE,
                                    UNANIMOUS, UNANIMOUS_WEAK)


def vote_from_sentence(sentence: str, called: bool = False) -> Vote | None:
    """A vote stated in one sentence ("Bei 3 Gegenstimmen und 2 Enthaltungen mehrheitlich
    zugestimmt.", "Dem stimmen Sie alle zu."). `called`: the chair has just asked for the vote,
    so weaker phrasings ("Kein Widerspruch.", "Das ist die Mehrheit.") also count; elsewhere in
    a debate they are ordinary speech ("wenn Anträge keine Mehrheit finden")."""
    if FINDING.search(sentence):
        if not (MAJORITY_WEAK.search(sentence) or REJECTED_WEAK.search(sentence)
                or any(v for v in parse_counts(sentence))):
            return Vote(ACCEPTED, unanimous=True, evidence=sentence)
        called = True
    if INTENTION.search(sentence):
        return None
    if sentence.startswith("("):
        return None  # an interjection noted by the clerk, not the chair's statement
    if DEFERRED_RE.search(sentence) and not REJECTED_RE.search(sentence):
        return Vote(DEFERRED, evidence=sentence)
    if NOTED_RE.search(sentence):
        return Vote(NOTED, evidence=sentence)
    yes, no, abstain = parse_counts(sentence)
    counted = [v for v in (yes, no, abstain) if v is not None]
    has_counts = bool(counted) and bool(re.search(r"Stimm|Enthaltung|Ablehnung|\bJa\b|\bNein\b|"
                                                  r"dafür|dagegen", sentence, re.I))
    conclusion = bool(CONCLUSION.match(sentence)) and len(sentence.split()) <= _CONCLUSION_WORDS
    # "eine Gegenstimme aus der AfD-Fraktion" names who voted, it is no other body's vote
    own = _VOTERS.sub(" ", sentence)
    if OTHER_BODY.search(own) and not conclusion and not (called and len(counted) >= 2):
        return None  # a report about another body's vote, not this one's (but the chair may
        # read out a vote faction by faction: "die CDU-Fraktion mit elf Stimmen dafür, ...")
    if has_counts and len(counted) >= 2:
        called = True   # "13 Ja, 27 Nein, 1 Enthaltung": counts of two kinds are a result
    if TIE.search(sentence) and called:
        return Vote(REJECTED, yes=yes, no=no, abstain=abstain, evidence=sentence)
    rest_yes = bool(REST_YES.search(sentence))
    rest_no = bool(REST_NO.search(sentence))
    unanimous = bool(UNANIMOUS.search(sentence)) or (called and bool(UNANIMOUS_WEAK.search(sentence)))
    majority = bool(MAJORITY.search(sentence)) or (called and bool(MAJORITY_WEAK.search(sentence)))
    # a conclusion may state a failure plainly: "Damit hat der Antrag nicht die Mehrheit."
    rejected = bool(REJECTED_RE.search(sentence)) or ((called or conclusion)
                                                      and bool(REJECTED_WEAK.search(sentence)))
    if has_counts and not called and not (unanimous or majority or rejected or rest_yes or rest_no
                                          or ACCEPTED_RE.search(sentence)):
        has_counts = False  # "mit 3 Nein-Stimmen im Ausschuss" in a speech is no vote here
    if not (has_counts or unanimous or majority or rejected or rest_yes or rest_no):
        return None
    if rest_no and not rest_yes:
        rejected = True
    if yes is not None and no is not None and not (rejected or majority or unanimous):
        rejected = no >= yes   # a tie fails
    if rejected:
        return Vote(REJECTED, yes=yes, no=no, abstain=abstain,
                    majority=bool(MAJORITY_WEAK.search(sentence)), evidence=sentence)
    if unanimous and not majority and not (no or 0) and not (abstain or 0):
        return Vote(ACCEPTED, unanimous=True, yes=yes, no=no, abstain=abstain, evidence=sentence)
    if (no or 0) > 0 or (abstain or 0) > 0 or majority or rest_yes:
        return Vote(ACCEPTED, majority=True, yes=yes, no=no, abstain=abstain, evidence=sentence)
    return Vote(ACCEPTED, unanimous=True, yes=yes, no=no, abstain=abstain, evidence=sentence)


_VOTERS = re.compile(r"\b(?:aus|von)\s+der\s+[\w-]+|\bStimmen\s+der\s+[\w-]+", re.I)
_CONCLUSION_WORDS = 20  # "Damit ist dem Ausschuss gefolgt": a chair's conclusion is short
