"""Caller turns that concurrent calls finish at about the same moment, recognized as one batch.

Each call's session thread calls `recognize()` and blocks; one batcher thread takes every turn
waiting in the queue, runs them through `Recognizer.transcribe_batch()` together, and hands each
thread its own text. Nothing waits for company: a lone turn is decoded at once, and turns that
arrive while a batch runs form the next one. On a GPU a batch of four costs about what one does;
on a CPU it saves nothing (measured on 2 cores: 4 Thorsten turns 3.7 s batched, 3.6-4.0 s one
after another), so [phone] asr_batch = "auto" batches on CUDA only.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

import numpy as np

from rathaus.speech.asr import PHONE_TURN, DecodeOptions

log = logging.getLogger(__name__)


@dataclass
class _Turn:
    samples: np.ndarray
    language: str
    options: DecodeOptions
    done: threading.Event = field(default_factory=threading.Event)
    text: str = ""
    error: BaseException | None = None


class TurnBatcher:
    """Batches `recognize()` calls from many threads onto one recognizer (rathaus.speech.asr.Recognizer)."""

    def __init__(self, recognizer, max_batch: int = 8):
        self.recognizer = recognizer
        self.max_batch = max(1, max_batch)
        self.batch_sizes: list[int] = []  # the size of every batch run, for tests and the log
        self._queue: queue.Queue[_Turn | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def recognize(self, samples_16k: np.ndarray, language: str, options: DecodeOptions = PHONE_TURN) -> str:
        """The text of one turn (16 kHz, under 30 s); blocks until its batch is decoded."""
        self._ensure_thread()
        turn = _Turn(np.asarray(samples_16k, dtype=np.float32), language, options)
        self._queue.put(turn)
        turn.done.wait()
        if turn.error is not None:
            raise turn.error
        return turn.text

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="asr-batcher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            waiting = [first]
            stop = False
            while len(waiting) < self.max_batch:
                try:
                    turn = self._queue.get_nowait()
                except queue.Empty:
                    break
                if turn is None:
                    stop = True
                    break
                waiting.append(turn)
            groups: dict[tuple[str, DecodeOptions], list[_Turn]] = {}
            for turn in waiting:
                groups.setdefault((turn.language, turn.options), []).append(turn)
            for (language, options), turns in groups.items():
                self._decode(turns, language, options)
            if stop:
                return

    def _decode(self, turns: list[_Turn], language: str, options: DecodeOptions) -> None:
        self.batch_sizes.append(len(turns))
        try:
            texts = self.recognizer.transcribe_batch([t.samples for t in turns], language, options)
        except Exception as exc:  # every waiting call gets the error; the batcher lives on
            log.exception("batched recognition of %d turns failed", len(turns))
            for turn in turns:
                turn.error = exc
                turn.done.set()
            return
        if len(turns) > 1:
            log.debug("asr: %d turns in one batch", len(turns))
        for turn, text in zip(turns, texts):
            turn.text = text
            turn.done.set()
