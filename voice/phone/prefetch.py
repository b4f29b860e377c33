"""The catalog's understanding with the answer to an early transcript worked out ahead of time.

While the end-of-turn pause still runs, the session recognizes the turn early ([phone]
speculate_s) and, in the same background thread, asks the catalog about that text. When the turn
then ends with the same text, the dialog gets the decision at once instead of searching the
catalog while the caller waits: with 4 calls in a process finishing together, their searches
would otherwise queue behind each other on the encoders' locks.
"""

from __future__ import annotations

import threading
from typing import Any


def _key(text: str, language: str | None) -> tuple[str, str | None]:
    return " ".join(text.split()), language


class PrefetchingUnderstanding:
    """Wraps an Understanding (voice.phone.dialog); one per call. Holds only the latest answer."""

    def __init__(self, understanding: Any):
        self._understanding = understanding
        self._lock = threading.Lock()
        self._ready: dict[tuple[str, str | None], Any] = {}

    def prefetch(self, text: str, language: str | None) -> None:
        decision = self._understanding.ask(text, language)
        with self._lock:
            self._ready = {_key(text, language): decision}

    def ask(self, question: str, language: str | None = None) -> Any:
        with self._lock:
            decision = self._ready.pop(_key(question, language), None)
        return decision if decision is not None else self._understanding.ask(question, language)

    def __getattr__(self, name: str) -> Any:  # answer_for, forward_target, ...
        return getattr(self._understanding, name)
