"""Motions, decisions and votes in German council text (transcripts and written minutes).

A Niederschrift records for each item the motion (Antrag, Beschlussvorschlag), the decision and
the vote ("einstimmig zugestimmt", "Bei 41 Ja-Stimmen und 3 Nein-Stimmen mehrheitlich
zugestimmt"). In the recording these appear as the chair's words: "Wer ist dafür? ...
Gegenstimmen? - Keine. Enthaltungen? - Zwei.", "Dem stimmen Sie alle zu", "9 Nein-Stimmen,
2 Enthaltungen, der Rest Ja-Stimmen". This module walks an item's text and puts the pieces
together; the rules live in small modules: vote_patterns (phrases), vote_counts (counts and
spoken numbers), vote_statements (one-sentence results), vote_spoken (call sequences) and
motions. The evaluation on real minutes is meetings.evaluation, not here.
"""

from __future__ import annotations

import re

from meetings.motions import find_decision, find_motions
from meetings.vote_counts import normalize_asr, parse_counts
from meetings.vote_model import ACCEPTED, NO_VOTE, REJECTED, ItemOutcome, Motion, Vote
from meetings.vote_patterns import RECOUNT, SUBJECT, VOTE_CALL, sentences
from meetings.vote_spoken import is_question, sequence_end, vote_from_sequence
from meetings.vote_statements import vote_from_sentence

__all__ = ["ACCEPTED", "NO_VOTE", "REJECTED", "ItemOutcome", "Motion", "Vote", "analyze",
           "final_vote", "find_decision", "find_motions", "find_votes", "normalize_asr",
           "parse_counts", "recorded_vote", "sentences"]


_CALL_WINDOW = 4  # sentences after a vote call in which the result is expected


def find_votes(text: str) -> list[Vote]:
    """Every vote stated in `text`, in order. A call sequence ("Wer ist dafür? ...
    Enthaltungen? - Keine.") counts as one vote; so do consecutive sentences that state one.
    A recount ("ich wiederhole die Abstimmung") voids the vote just counted."""
    parts = sentences(normalize_asr(text))
    votes: list[Vote] = []
    index = 0
    window_until = -1
    last_vote_end = -10
    while index < len(parts):
        part = parts[index]
        if RECOUNT.search(part) and votes and index - last_vote_end <= _RECOUNT_REACH:
            votes.pop()   # the count just taken is repeated: only the repeat counts
            last_vote_end = -10
        if VOTE_CALL.search(part):
            window_until = index + _CALL_WINDOW
        if is_question(part):
            window = parts[index: index + 8]
            end = sequence_end(window)
            vote = vote_from_sequence(window[:end])
            if vote is not None:
                vote.subject = _subject(parts, index)
                votes.append(vote)
                index += end
                last_vote_end = index
                continue
        vote = vote_from_sentence(part, called=index <= window_until)
        if vote is not None:
            vote.subject = _subject(parts, index)
            if votes and _continues(votes[-1], vote, parts, index):
                votes[-1] = _merge(votes[-1], vote)
            else:
                votes.append(vote)
            last_vote_end = index + 1
        index += 1
    return votes


_RECOUNT_REACH = 3  # sentences after a vote within which "ich wiederhole die Abstimmung" voids it


def _subject(parts: list[str], index: int) -> str | None:
    """What a vote at parts[index] is on: the nearest motion named in it or the two parts
    before ("Abstimmung über den Änderungsantrag der Grünen: ...")."""
    for part in (parts[index], *reversed(parts[max(0, index - 2): index])):
        matches = list(SUBJECT.finditer(part))
        if matches:
            with_by = [m for m in matches if m.group("by")]
            match = (with_by or matches)[-1]
            kind = match.group(1)
            kind = kind[:1].upper() + kind[1:]
            return f"{kind} {match.group(0)[len(match.group(1)):].strip()}".strip()
    return None



def _continues(previous: Vote, current: Vote, parts: list[str], index: int) -> bool:
    """Whether `current` continues `previous`: the chair lists counts over a few sentences
    ("9 Nein-Stimmen, 2 Enthaltungen. ... Dann müssen es 32 Zustimmungen sein.") or restates
    them ("Damit mehrheitlich zugestimmt."). True when `previous` was stated within the last
    three sentences and no count is said twice."""
    recent = " ".join(parts[max(0, index - 3): index])
    if not previous.evidence or previous.evidence.split(" ")[-1] not in recent:
        return False
    before = (previous.yes, previous.no, previous.abstain)
    now = (current.yes, current.no, current.abstain)
    if not all(a is None or b is None or a == b for a, b in zip(before, now)):
        return False  # a count said twice with another value: a second vote
    has_before, has_now = any(v is not None for v in before), any(v is not None for v in now)
    if has_before and has_now:
        return True   # counts listed over several sentences
    if has_before:    # "27 Nein-Stimmen, ... Damit mehrheitlich abgelehnt." restates the result
        return current.category != "unanimous" or previous.category == "unanimous"
    if has_now:       # "Mehrheitlich angenommen. 3 Gegenstimmen."
        return previous.category != "unanimous"
    return False


def _merge(first: Vote, second: Vote) -> Vote:
    yes = first.yes if first.yes is not None else second.yes
    no = first.no if first.no is not None else second.no
    abstain = first.abstain if first.abstain is not None else second.abstain
    outcome = second.outcome if second.outcome != NO_VOTE else first.outcome  # the conclusion wins
    unanimous = outcome == ACCEPTED and first.unanimous and second.unanimous
    return Vote(outcome, unanimous=unanimous, majority=outcome == ACCEPTED and not unanimous,
                yes=yes, no=no, abstain=abstain, subject=first.subject or second.subject,
                evidence=f"{first.evidence} {second.evidence}")



# "Abstimmungsergebnis:" and the result on the same line or the next one
_RECORDED = re.compile(r"^[ \t]*Abstimmungsergebnis[ \t]*:?[ \t]*\n?[ \t]*(?P<line>\S[^\n]*)",
                       re.M | re.I)


def recorded_vote(text: str) -> Vote | None:
    """The result a clerk recorded under an "Abstimmungsergebnis" heading of written minutes.

    It is the record: its counts come from the vote display while the chair said only "Das ist
    eine große Mehrheit.", and in published minutes the debate often follows the block. The
    last block wins where an item has several."""
    recorded = None
    for match in _RECORDED.finditer(text):
        vote = vote_from_sentence(match.group("line").strip(), called=True)
        if vote is not None:
            recorded = vote
    return recorded


def analyze(text: str) -> ItemOutcome:
    """Motions, decision and votes of one agenda item's text."""
    return ItemOutcome(motions=find_motions(text), decision=find_decision(text),
                       votes=find_votes(text), recorded=recorded_vote(text))


def final_vote(text: str) -> Vote:
    """The vote on the item's main motion: the recorded result where the text has one, else the
    last vote said, else a `none` vote."""
    outcome = ItemOutcome(votes=find_votes(text), recorded=recorded_vote(text))
    return outcome.final_vote or Vote(NO_VOTE, evidence="")
