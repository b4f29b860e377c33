"""What a conversation is about, kept across turns: the service and office under discussion, the
last facet asked, and a confirmation waiting for yes or no. Channel-free (phone and text chat)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


# The keys of a turn that hold what the caller said ("caller" as said, "read" as the dialog read it):
# a state stored beyond the conversation leaves them out.
TEXT_KEYS = frozenset({"caller", "read"})


@dataclass
class ConversationState:
    service_id: str | None = None
    service_name: str | None = None
    office_id: str | None = None
    office_name: str | None = None
    subject: str | None = None            # "service" or "office": what the last answer was about
    facet: str | None = None
    language: str | None = None           # the caller's language so far (short turns are ambiguous)
    pending_service: Any = None           # ServiceRef awaiting "ja"/"nein"
    pending_facet: str | None = None
    pending_question: str = ""
    pending_options: list[dict] = field(default_factory=list)  # {"id", "name"} of each service offered
    corrected: bool = False               # this turn corrects the last ("nee, ich mein den Reisepass")
    turns: list[dict] = field(default_factory=list)  # {"caller", "read", "action", "service", "office", "facet"}

    def copy(self) -> ConversationState:
        """An independent copy (the phone undoes a turn with it: voice.phone.dialog.Dialog.restore)."""
        return replace(self, turns=[dict(t) for t in self.turns], pending_options=[dict(o) for o in self.pending_options])

    def set_service(self, service_id: str, name: str) -> None:
        if service_id != self.service_id:
            self.office_id = self.office_name = None  # a new topic: its own offices
        self.service_id, self.service_name = service_id, name
        self.subject = "service"

    def set_office(self, office_id: str | None, name: str | None, subject: bool = False) -> None:
        self.office_id, self.office_name = office_id, name
        if subject:
            self.subject = "office"

    def clear(self) -> None:
        """A correction ("nein, ich meinte ..."): forget the topic, keep the history."""
        self.service_id = self.service_name = self.office_id = self.office_name = None
        self.subject = self.facet = None
        self.pending_service = self.pending_facet = None
        self.pending_question = ""
        self.pending_options = []
