"""Scoring shared by the vote evaluations: result category and counts of one predicted vote."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meetings.vote_model import Vote

Counts = tuple[int | None, int | None, int | None]


def counts_of(vote: Vote) -> Counts:
    return vote.yes, vote.no, vote.abstain


def counts_match(truth: Counts, found: Counts, strict: bool = False) -> bool:
    """Whether the counts found are right. Lenient (the Karlsruhe rule): every count the truth
    states is found with that value. Strict: also no count found that the truth does not state."""
    if strict:
        return tuple(truth) == tuple(found)
    return all(t is None or t == f for t, f in zip(truth, found))


@dataclass
class Tally:
    """Running totals of one evaluation: results right, counts right, confusion, errors."""

    scored: int = 0
    correct: int = 0
    with_counts: int = 0
    counts_correct: int = 0
    counts_strict: int = 0
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, truth_cat: str, truth_counts: Counts, predicted: Vote,
            truth_text: str = "") -> None:
        self.scored += 1
        pred_cat = predicted.category
        row = self.confusion.setdefault(truth_cat, {})
        row[pred_cat] = row.get(pred_cat, 0) + 1
        found = counts_of(predicted)
        result_ok = truth_cat == pred_cat
        self.correct += result_ok
        counts_ok = True
        if any(v is not None for v in truth_counts):
            self.with_counts += 1
            counts_ok = counts_match(truth_counts, found)
            self.counts_correct += counts_ok
            self.counts_strict += counts_match(truth_counts, found, strict=True)
        if not (result_ok and counts_ok):
            self.errors.append({"id": key, "truth": truth_text or truth_cat, "truth_counts": truth_counts,
                                "predicted": pred_cat, "found": found,
                                "evidence": predicted.evidence[:200]})

    def summary(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {"scored": self.scored, "correct": self.correct,
                "accuracy": ratio(self.correct, self.scored),
                "with_counts": self.with_counts, "counts_correct": self.counts_correct,
                "counts_accuracy": ratio(self.counts_correct, self.with_counts),
                "counts_strict_accuracy": ratio(self.counts_strict, self.with_counts),
                "confusion": self.confusion, "errors": self.errors}
