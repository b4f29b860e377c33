"""The chair's call sequence, as spoken: "Wer ist dafür? - 23. Gegenstimmen? - Keine.
Enthaltungen? - Zwei. Damit mehrheitlich beschlossen." Each question's count is its answer.
"""

from __future__ import annotations

from meetings.vote_counts import answer_count, parse_counts
from meetings.vote_model import ACCEPTED, REJECTED, Vote
from meetings.vote_patterns import (ALL_ANSWER, MAJORITY, Q_ABSTAIN, Q_NO, Q_YES, REJECTED_RE,
                                    UNANIMOUS)


def vote_from_sequence(parts: list[str]) -> Vote | None:
    """A vote from a call sequence: "Wer ist dafür? - 23. Gegenstimmen? - Keine. Enthaltungen? -
    Zwei." Each question's count is in the next part (or after the question mark)."""
    counts: dict[str, int | None] = {}
    evidence: list[str] = []
    for index, part in enumerate(parts):
        for key, pattern in (("yes", Q_YES), ("no", Q_NO), ("abstain", Q_ABSTAIN)):
            if pattern.search(part) and key not in counts:
                tail = part[part.find("?") + 1:].strip() if "?" in part else ""
                answer = tail or (parts[index + 1] if index + 1 < len(parts) else "")
                if any(p.search(answer) for p in (Q_YES, Q_NO, Q_ABSTAIN)):
                    answer = ""
                counts[key] = answer_count(answer) if answer else None
                if key == "yes" and counts[key] is None and ALL_ANSWER.search(answer):
                    counts["all"] = 1
                evidence.append(part if not answer or answer in part else f"{part} {answer}")
    if "no" not in counts and "abstain" not in counts:
        return None
    yes, no, abstain = counts.get("yes"), counts.get("no"), counts.get("abstain")
    if None in (yes, no, abstain):  # answers ASR ran into the questions: "dagegen 4 Enthaltungen keine"
        said = parse_counts(" ".join(parts))
        yes, no, abstain = (a if a is not None else b for a, b in zip((yes, no, abstain), said))
    text = " ".join(evidence)
    rejected = bool(REJECTED_RE.search(" ".join(parts)))
    unanimous = (no in (0, None) and abstain in (0, None) and (no == 0 or abstain == 0)) and not rejected
    if yes is not None and no is not None and no > yes:
        rejected = True
        unanimous = False
    return Vote(outcome=REJECTED if rejected else ACCEPTED, unanimous=unanimous,
                majority=not unanimous and not rejected, yes=yes, no=no, abstain=abstain,
                evidence=text)



def sequence_end(window: list[str]) -> int:
    """How many parts a call sequence spans: through the answer to the last question asked."""
    last_question = 0
    for i, part in enumerate(window):
        if i - last_question > 2:
            break  # questions further apart belong to the next vote
        if Q_YES.search(part) or Q_NO.search(part) or Q_ABSTAIN.search(part):
            last_question = i
    end = min(len(window), last_question + 2)
    # a closing statement ("Damit ist das einstimmig beschlossen.") belongs to the sequence
    if end < len(window) and (UNANIMOUS.search(window[end]) or MAJORITY.search(window[end])
                              or REJECTED_RE.search(window[end])):
        end += 1
    return end

