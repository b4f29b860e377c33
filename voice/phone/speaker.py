"""A call's speaker thread: synthesizes the dialog's prompts sentence by sentence (voice.tts at
8 kHz) into the call's playback buffer, so that the first sentence plays while the next is
synthesized, and runs "after playback" steps (transfer, hang-up) in order with them."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

from rathaus.speech.audio import to_pcm16
from voice.phone import media
from voice.phone.dialog import Say
from voice.phone.engines import Engines

log = logging.getLogger(__name__)


class Speaker:
    """Synthesizes queued prompts into the call's playback buffer, in order."""

    def __init__(self, engines: Engines, playback: media.Playback, name: str):
        self.engines = engines
        self.playback = playback
        self._queue: queue.Queue = queue.Queue()
        self._gen = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"speaker-{name}", daemon=True)
        self.thread.start()

    def say(self, say: Say, on_start: Callable[[], None] | None = None) -> None:
        self._queue.put(("say", self._gen, say, on_start))

    def then(self, fn: Callable[[], None]) -> None:
        """Run `fn` once everything queued before has been played."""
        self._queue.put(("then", self._gen, fn, None))

    def interrupt(self) -> bool:
        """Barge-in: drop interruptible audio, queued or playing."""
        self._gen += 1
        return self.playback.interrupt()

    @property
    def busy(self) -> bool:
        return not self._queue.empty() or self.playback.playing or self._working

    _working = False

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                return
            kind, gen, payload, on_start = item
            self._working = True
            try:
                if kind == "say":
                    if payload.interruptible and gen != self._gen:
                        continue
                    self._speak(payload, gen, on_start)
                else:
                    while self.playback.playing and not self._stop.is_set():
                        time.sleep(0.02)
                    if not self._stop.is_set():
                        payload()
            except Exception:
                log.exception("speaker failed")
            finally:
                self._working = False

    def _speak(self, say: Say, gen: int, on_start) -> None:
        for chunk in self.engines.tts.stream(say.text, say.language, media.RATE):
            if self._stop.is_set() or (say.interruptible and gen != self._gen):
                return
            self.playback.append(to_pcm16(chunk.samples), say.interruptible, on_start)
            on_start = None
