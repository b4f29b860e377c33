"""The result of one question: answer, confirm or forward, with the candidates that led to it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ACTIONS = ("answer", "confirm", "forward", "rephrase", "goodbye")


@dataclass
class ServiceRef:
    id: str
    name: str
    forward_to: str = ""


@dataclass
class Candidate:
    id: str
    name: str
    score: float


@dataclass
class Decision:
    question: str
    action: str                               # answer | confirm | forward
    service: ServiceRef | None = None          # answer: the service; confirm: the best guess
    candidates: list[Candidate] = field(default_factory=list)  # top 3
    answer: str = ""                           # text to speak
    language: str = "de"
    reason: str = ""                           # for staff: why this action
    latency_ms: float = 0.0
    office: dict | None = None                 # {"id", "name"}: the office the answer is about
    facet: str | None = None                   # what was asked: cost, documents, where, hours, ...

    def to_dict(self) -> dict[str, Any]:
        """The JSON line of `rathaus ask` (DESIGN.md), plus language and reason."""
        return {
            "question": self.question,
            "action": self.action,
            "service": {"id": self.service.id, "name": self.service.name} if self.service else None,
            "candidates": [{"id": c.id, "name": c.name, "score": round(c.score, 3)} for c in self.candidates],
            "office": self.office,
            "facet": self.facet,
            "answer": self.answer,
            "language": self.language,
            "reason": self.reason,
        }

    def handoff(self) -> dict[str, Any]:
        """What staff need when the call is forwarded (calls.handoff)."""
        data = self.to_dict()
        data["service"] = asdict(self.service) if self.service else None
        return data
