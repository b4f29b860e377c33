"""The chair's call sequence, as spoken: "Wer ist dafür? - 23. Gegenstimmen? - Keine.
Enthaltungen? - Zwei. Damit mehrheitlich beschlossen." The counts are read by
meetings.vote_stream; the result is what the chair concludes, else what the counts imply.
"""

from __future__ import annotations

import re

from meetings.vote_model import ACCEPTED, DEFERRED, REJECTED, Vote
from meetings.vote_patterns import (DEFERRED as DEFERRED_RE, MAJORITY, MAJORITY_WEAK, Q_ABSTAIN,
                                    Q_NO, Q_YES, RECOUNT, REJECTED_RE, REJECTED_WEAK, TIE, UNANIMOUS)
from meetings.spoken_numbers import number_words_to_digits
from meetings.vote_stream import stream_counts

_HAS_COUNT = re.compile(r"\b\d{1,3}\b|\b(?:keine?|keiner|niemand|eins|eine)\b", re.I)


def is_question(part: str) -> bool:
    return bool(Q_YES.search(part) or Q_NO.search(part) or Q_ABSTAIN.search(part))


def concludes(part: str) -> bool:
    """Whether `part` states the result that closes a call sequence."""
    return bool(UNANIMOUS.search(part) or MAJORITY.search(part) or REJECTED_RE.search(part)
                or TIE.search(part) or DEFERRED_RE.search(part))


def sequence_end(window: list[str]) -> int:
    """How many parts a call sequence spans: through the answer to the last question asked and
    the chair's conclusion. It ends early at a recount ("ich wiederhole die Abstimmung") and
    after a conclusion, so that the next vote's questions start a sequence of their own."""
    last_question = 0
    end = None
    for i, part in enumerate(window):
        if i and RECOUNT.search(part):
            end = i
            break
        if i - last_question > 2:
            break  # questions further apart belong to the next vote
        if is_question(part):
            last_question = i
        if i and concludes(part) and not is_question(part):
            end = i + 1
            break
    if end is None:
        end = min(len(window), last_question + 2)
        # an answer said after an aside: "Enthaltungen? - Moment, ich zähle noch - vier."
        if end < len(window) and not _HAS_COUNT.search(number_words_to_digits(window[end - 1])) \
                and _HAS_COUNT.search(number_words_to_digits(window[end])) and not is_question(window[end]):
            end += 1
        while end > 1 and RECOUNT.search(window[end - 1]):
            end -= 1
        # a closing statement ("Damit ist das einstimmig beschlossen.") belongs to the sequence
        if end < len(window) and concludes(window[end]) and not is_question(window[end]):
            end += 1
    return end


def outcome_of(text: str, yes: int | None, no: int | None, abstain: int | None,
               all_yes: bool = False, majority_yes: bool = False) -> tuple[str, bool]:
    """(outcome, unanimous) of a vote whose words are `text` and whose counts were said.

    The chair's conclusion decides ("Damit ist der Punkt vertagt", "abgelehnt", "Stimmen-
    gleichheit"); without one the counts do: more or as many Nein as Ja rejects. A vote is
    unanimous only without Nein-Stimmen and Enthaltungen, as the Karlsruhe minutes record it."""
    rejected = bool(REJECTED_RE.search(text) or REJECTED_WEAK.search(text) or TIE.search(text))
    if DEFERRED_RE.search(text) and not rejected:
        return DEFERRED, False
    if not rejected and yes is not None and no is not None and no >= yes:
        rejected = True
    if rejected:
        return REJECTED, False
    dissent = (no or 0) > 0 or (abstain or 0) > 0
    if dissent or MAJORITY_WEAK.search(text) or majority_yes:
        return ACCEPTED, False
    if UNANIMOUS.search(text) or all_yes or (no == 0 and abstain == 0):
        return ACCEPTED, True
    return ACCEPTED, no in (0, None) and abstain in (0, None) and (no == 0 or abstain == 0)


def vote_from_sequence(parts: list[str]) -> Vote | None:
    """A vote from the parts of one call sequence (questions, answers and conclusion); None when
    no count was asked for or said beyond "Wer ist dafür?" and nothing was concluded."""
    text = " ".join(parts)
    said = stream_counts(text)
    if not (said.slots & {"no", "abstain"}) and not any(concludes(p) for p in parts):
        return None
    outcome, unanimous = outcome_of(text, *said.counts, all_yes=said.all_yes,
                                    majority_yes=said.majority_yes)
    return Vote(outcome=outcome, unanimous=unanimous, majority=outcome == ACCEPTED and not unanimous,
                yes=said.yes, no=said.no, abstain=said.abstain, evidence=text)
