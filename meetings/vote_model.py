"""What a vote, a motion and an agenda item's outcome are, and how the minutes print a vote.

Kept apart from the rules that find them so that minutes, exports and the CLI depend only on
these small types.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import prompts

# Outcomes
ACCEPTED = "accepted"
REJECTED = "rejected"
NO_VOTE = "none"      # no vote taken (report, debate only)
DEFERRED = "deferred"  # the item was adjourned (vertagt), by consent or by a vote to adjourn
NOTED = "noted"       # taken note of (zur Kenntnis genommen) without a vote on a motion


@dataclass
class Vote:
    """One vote: outcome, unanimity and the counts that were said (None where not said)."""

    outcome: str                 # accepted | rejected | deferred | noted | none
    unanimous: bool = False
    majority: bool = False       # "mehrheitlich" said or implied by counts
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    subject: str | None = None   # what was voted on, e.g. "Ergänzungsantrag" when said
    evidence: str = ""           # the sentence(s) the vote was read from

    @property
    def category(self) -> str:
        """unanimous | majority | rejected | deferred | noted | none: the result classes."""
        if self.outcome in (NO_VOTE, DEFERRED, NOTED):
            return self.outcome
        if self.outcome == REJECTED:
            return "rejected"
        return "unanimous" if self.unanimous else "majority"

    def label(self, lang: str = "de") -> str:
        """The vote as the minutes print it: "einstimmig zugestimmt", "mehrheitlich zugestimmt
        (23 Ja-Stimmen, 5 Nein-Stimmen, 2 Enthaltungen)"."""
        text = prompts.text(f"meetings.vote.{self.category}", lang)
        counts = self.counts_text(lang)
        return prompts.text("meetings.vote.with_counts", lang, result=text, counts=counts) \
            if counts else text

    def counts_text(self, lang: str = "de") -> str:
        parts = []
        for key, value in (("yes", self.yes), ("no", self.no), ("abstain", self.abstain)):
            if value is not None:
                form = "zero" if value == 0 else "one" if value == 1 else "many"
                parts.append(prompts.text(f"meetings.vote.count_{key}_{form}", lang, n=value))
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = self.category
        return data


@dataclass
class Motion:
    """A motion put to the council: kind as said ("Antrag", "Änderungsantrag", ...) and text."""

    kind: str
    text: str
    by: str | None = None  # proposer (party or person) when said: "Antrag der CDU"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ItemOutcome:
    """What an agenda item produced: motions, the decision sentence and the votes."""

    motions: list[Motion] = field(default_factory=list)
    decision: str | None = None
    votes: list[Vote] = field(default_factory=list)
    recorded: Vote | None = None  # the result written under "Abstimmungsergebnis" in minutes

    @property
    def final_vote(self) -> Vote | None:
        """The vote on the main motion: the recorded result of written minutes, else, in council
        practice, the last vote of the item."""
        if self.recorded is not None:
            return self.recorded
        return self.votes[-1] if self.votes else None

    def to_dict(self) -> dict[str, Any]:
        return {"motions": [m.to_dict() for m in self.motions], "decision": self.decision,
                "votes": [v.to_dict() for v in self.votes],
                "recorded": self.recorded.to_dict() if self.recorded else None}

