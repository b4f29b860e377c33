"""One call's audio loop: frames -> VAD -> end of turn -> ASR -> dialog -> TTS -> frames.

Two threads per call, neither of them the SIP thread:
- the listener takes 20 ms frames from `inbox` (filled by the SIP clock callback), runs the VAD,
  cuts turns after [phone] end_of_turn_s of silence (sooner when the early transcript is a finished
  sentence: voice.phone.turn_end), stops playback on barge-in, transcribes the
  turn (the process's one shared Recognizer), asks the dialog, and handles DTMF, transfer results,
  silence and the maximum call length;
- the speaker synthesizes sentence by sentence (voice.tts at 8 kHz) into `playback`, so the first
  sentence plays while the next is synthesized, and runs "after playback" steps (transfer, hang up).
Requests to SIP (hang up, REFER) go through `CallControl`, which queues them for the SIP thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from rathaus.errors import DiskFullError
from rathaus.logcontext import set_call_id
from rathaus.metrics import asr_seconds
from rathaus.speech.audio import from_pcm16, resample, to_pcm16
from voice.phone import media
from voice.phone.dialog import Action, Dialog, DialogSettings, Hangup, SaveCallback, Say, State, Transfer
from voice.phone.engines import Engines
from voice.phone.records import CallRecord, TurnRecord, caller_number
from voice.phone.prefetch import PrefetchingUnderstanding
from voice.phone.settings import PhoneSettings
from voice.phone.sip import CallControl, CallInfo
from voice.phone.turn_end import sounds_complete

log = logging.getLogger(__name__)

# Dialog states in which the bot no longer listens: a transfer or the hang-up is under way.
_PAST_LISTENING = (State.TRANSFERRING, State.DONE)


def iso_at(mono: float) -> str:
    """A time.monotonic() instant as the store's UTC ISO timestamp."""
    wall = time.time() - (time.monotonic() - mono)
    return datetime.fromtimestamp(wall, timezone.utc).isoformat(timespec="milliseconds")


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


class _EarlyTurn(NamedTuple):
    """A turn ended after [phone] end_of_turn_complete_s: if the caller goes on before the full
    end_of_turn_s, their next words join it and the dialog goes back to `snapshot`."""
    samples: np.ndarray
    start: float
    voiced: float
    snapshot: dict
    until: float


class CallSession:
    """The `CallHandler` of one call (see voice.phone.sip)."""

    def __init__(self, engines: Engines, settings: PhoneSettings, info: CallInfo, store,
                 municipality: str, worker: str = "", audio_dir: Path | None = None):
        self.engines = engines
        self.settings = settings
        self.info = info
        self.inbox: queue.Queue = queue.Queue()
        self.playback = media.Playback()
        self.caller = caller_number(info.remote_uri)
        self.record = CallRecord(store, self.caller, settings.mask_caller, worker=worker)
        self.understanding = PrefetchingUnderstanding(engines.assistant)
        self.dialog = Dialog(self.understanding, DialogSettings(municipality=municipality,
                                                               language=engines.languages[0]),
                             caller=self.record.caller)
        self.audio_dir = audio_dir
        self.control: CallControl | None = None
        self.speaker: Speaker | None = None
        self.thread: threading.Thread | None = None
        self.ended_event = threading.Event()
        self.error: str | None = None
        self._pending_latency: list = []  # [turn_row, speech_end, holder]
        self._speculation = None
        self._early: _EarlyTurn | None = None
        self._language_known = False

    # ------------------------------------------------------------------ CallHandler (SIP thread)
    def started(self, control: CallControl) -> None:
        self.control = control
        self.speaker = Speaker(self.engines, self.playback, str(self.info.call_id))
        if self.settings.keep_audio and self.audio_dir is not None:
            self.audio_dir.mkdir(parents=True, exist_ok=True)
            path = self.audio_dir / f"{self.record.id}.wav"
            control.record_to(path)
            self.record.update(audio_path=str(path))
        self.thread = threading.Thread(target=self._run, name=f"call-{self.info.call_id}", daemon=True)
        self.thread.start()

    def dtmf(self, digit: str) -> None:
        self.inbox.put(("dtmf", time.monotonic(), digit))

    def transfer_result(self, ok: bool, code: int) -> None:
        self.inbox.put(("xfer", time.monotonic(), (ok, code)))

    def ended(self, reason: str) -> None:
        self.inbox.put(("end", time.monotonic(), reason))
        if self.thread is None:  # never got media: close the record here
            self._close()

    # ------------------------------------------------------------------------ listener thread
    def _run(self) -> None:
        set_call_id(self.record.id)  # this thread's log records carry call_id (rathaus.logcontext)
        s = self.settings
        vad = self.engines.new_vad()
        n = vad.frame_samples
        frame_s = vad.frame_s
        threshold = vad.threshold
        pending = np.zeros(0, dtype=np.float32)
        preroll: deque = deque(maxlen=max(1, int(0.3 / frame_s)))
        turn: list[np.ndarray] = []
        in_turn = False
        speech_run = silence_run = voiced = 0.0
        turn_start = last_speech = 0.0
        restore = None  # the dialog's state before an early-ended turn that this turn continues
        started = time.monotonic()
        self._activity = started
        self._transfer_sent: float | None = None
        try:
            self._execute(self.dialog.start())
            while True:
                try:
                    kind, at, payload = self.inbox.get(timeout=0.05)
                except queue.Empty:
                    kind = None
                now = time.monotonic()
                if kind == "end":
                    break
                if kind == "dtmf":
                    self._turn_record("caller", f"[DTMF {payload}]", at, at)
                    if self.playback.interruptible:  # a key press stops the prompt, like speech
                        self.speaker.interrupt()
                    self._execute(self.dialog.on_dtmf(payload))
                    self._activity = now
                elif kind == "xfer":
                    ok, code = payload
                    log.info("call %s: transfer %s (%s)", self.record.id, "done" if ok else "failed", code)
                    self._execute(self.dialog.on_transfer_result(ok))
                    self._transfer_sent = None
                    self._activity = now
                elif kind == "audio":
                    pending = np.concatenate([pending, from_pcm16(payload)])
                    while len(pending) >= n:
                        frame, pending = pending[:n], pending[n:]
                        prob = vad.probability(frame)
                        speech = prob >= (threshold - 0.15 if in_turn else threshold)
                        listening = self.dialog.state not in _PAST_LISTENING and (
                            not self.playback.playing or self.playback.interruptible)
                        if not listening:
                            in_turn, turn, speech_run, silence_run, voiced = False, [], 0.0, 0.0, 0.0
                            restore = None
                            preroll.clear()
                            continue
                        if speech:
                            speech_run += frame_s
                            silence_run = 0.0
                            self._speculation = None  # the caller goes on: an early guess is stale
                            last_speech = at
                            self._activity = now
                            if not in_turn:
                                in_turn, turn, voiced, turn_start = True, list(preroll), 0.0, at
                                joined = self._resume(at)
                                if joined is not None:  # the caller goes on: one turn after all
                                    turn = [*joined.samples.reshape(-1, n), *turn]
                                    voiced, turn_start = joined.voiced, joined.start
                                    restore = joined.snapshot
                            voiced += frame_s
                            if s.barge_in and speech_run >= s.barge_in_s and self.playback.interruptible \
                                    and self.playback.playing and self.speaker.interrupt():
                                log.info("call %s: barge-in", self.record.id)
                        else:
                            speech_run = 0.0
                            if in_turn:
                                silence_run += frame_s
                        preroll.append(frame)
                        if in_turn:
                            turn.append(frame)
                            too_long = len(turn) * frame_s >= s.max_turn_s
                            if (0 < s.speculate_s <= silence_run < s.end_of_turn_s and self._speculation is None
                                    and voiced >= s.min_speech_s):
                                self._speculate(np.concatenate(turn))
                            full = silence_run >= s.end_of_turn_s or too_long
                            early = not full and self._early_end(silence_run)
                            if full or early:
                                in_turn = False
                                if voiced >= s.min_speech_s:
                                    if restore is not None:
                                        self.dialog.restore(restore)
                                    samples = np.concatenate(turn)
                                    before = self.dialog.snapshot() if early else None
                                    self._caller_turn(samples, turn_start, last_speech,
                                                      None if too_long else self._speculation, early)
                                    if early and self.dialog.state not in _PAST_LISTENING:
                                        self._early = _EarlyTurn(samples, turn_start, voiced, before,
                                                                 at + s.end_of_turn_s - silence_run)
                                restore = None
                                self._speculation = None
                                turn, silence_run, voiced = [], 0.0, 0.0
                                preroll.clear()
                                vad.reset()
                                self._activity = time.monotonic()
                self._update_latencies()
                self._timers(now, started, in_turn)
                self._sync_record()
        except Exception as exc:  # a bug or a broken model: never leave the caller hanging silently
            if isinstance(exc, DiskFullError):  # the operator's problem, said in one line
                log.error("call %s ended: %s", self.record.id, exc)
            else:
                log.exception("call %s failed", self.record.id)
            self.error = f"{type(exc).__name__}: {exc}"
            if self.control is not None:
                self.control.hangup()
        finally:
            self._update_latencies()
            self._close()

    def _timers(self, now: float, started: float, in_turn: bool) -> None:
        s = self.settings
        if self.dialog.finished:
            return
        if now - started > s.max_call_s:
            self._execute(self.dialog.on_max_duration())
            return
        if self.dialog.state == State.TRANSFERRING:
            if self._transfer_sent is not None and now - self._transfer_sent > s.transfer_timeout_s:
                self._transfer_sent = None
                self._execute(self.dialog.on_transfer_result(False))
            return
        if in_turn or self.speaker.busy:
            self._activity = now
            return
        if now - self._activity > s.silence_timeout_s:
            self._activity = now
            self._execute(self.dialog.on_silence())

    def _resume(self, at: float) -> "_EarlyTurn | None":
        """The early-ended turn that speech starting at `at` continues: it starts before the full
        end_of_turn_s would have ended that turn, and the answer has had no effect beyond the
        dialog (no transfer, no hang-up)."""
        early, self._early = self._early, None
        if early is None or at > early.until or self.dialog.state in _PAST_LISTENING:
            return None
        log.info("call %s: the caller went on after an early end of turn; joining the two", self.record.id)
        return early

    def _early_end(self, silence_run: float) -> bool:
        """The turn may end before end_of_turn_s: the early transcript is in and reads as a finished
        sentence (voice.phone.turn_end)."""
        future, limit = self._speculation, self.settings.end_of_turn_complete_s
        if future is None or not 0 < limit <= silence_run or not future.done() or future.exception():
            return False
        heard = future.result()
        return sounds_complete(heard.text, heard.language or self.dialog.language)

    def _speculate(self, samples_8k: np.ndarray) -> None:
        """Start recognizing while the end-of-turn pause is still running ([phone] speculate_s), and
        ask the catalog about the text (voice.phone.prefetch): if the caller stays silent the
        answer is ready sooner; if they go on, it is dropped."""
        from concurrent.futures import Future

        future: Future = Future()
        language, detect = self.dialog.language, not self._language_known
        asks_catalog = self.dialog.state in (State.LISTEN, State.ANYTHING_ELSE)

        def work():
            set_call_id(self.record.id)
            try:
                heard = self.engines.recognize(resample(samples_8k, media.RATE, 16000), language, detect)
            except Exception as exc:
                future.set_exception(exc)
                return
            if asks_catalog and heard.text.strip():
                try:
                    self.understanding.prefetch(heard.text.strip(), heard.language)
                except Exception:  # the turn's own question will meet the error and report it
                    log.debug("call %s: prefetching the catalog's answer failed", self.record.id, exc_info=True)
            future.set_result(heard)

        threading.Thread(target=work, name=f"asr-{self.info.call_id}", daemon=True).start()
        self._speculation = future

    def _caller_turn(self, samples_8k: np.ndarray, start: float, speech_end: float, speculation=None,
                     early: bool = False) -> None:
        try:
            if speculation is not None:
                heard = speculation.result()
            else:
                heard = self.engines.recognize(resample(samples_8k, media.RATE, 16000), self.dialog.language,
                                               not self._language_known)
        except Exception as exc:
            log.exception("ASR failed")
            self.error = f"ASR: {exc}"
            self._execute(self.dialog.on_error())
            return
        asr_seconds.observe(heard.asr_s)
        text = heard.text.strip()
        if len(text.split()) >= 3:  # a real sentence settles the call's language
            self._language_known = True
        log.info("call %s heard (%s, %.2f s ASR%s): %s", self.record.id, heard.language, heard.asr_s,
                 ", early end" if early else "", text)
        if not text:
            return
        try:
            actions = self.dialog.on_utterance(text, heard.language)
        except Exception as exc:
            log.exception("understanding failed")
            self.error = f"catalog: {exc}"
            actions = self.dialog.on_error()
        holder: dict = {}
        row = self._turn_record("caller", text, start, speech_end, heard.language,
                                action=self.dialog.decision, service_id=self.dialog.service_id,
                                candidates=self.dialog.candidates)
        self._sync_record()
        self._pending_latency.append((row, speech_end, holder))
        self._execute(actions, on_first_audio=lambda: holder.setdefault("at", time.monotonic()))

    def _sync_record(self) -> None:
        """Copy the dialog's language, decision and service to the call row when they change."""
        state = (self.dialog.language, self.dialog.decision, self.dialog.service_id)
        if state != getattr(self, "_synced", None):
            self._synced = state
            self.record.update(language=state[0], decision=state[1], service_id=state[2])

    def _update_latencies(self) -> None:
        still = []
        for row, speech_end, holder in self._pending_latency:
            if "at" in holder:
                self.record.set_latency(row, round((holder["at"] - speech_end) * 1000, 1))
            else:
                still.append((row, speech_end, holder))
        self._pending_latency = still

    def _turn_record(self, role: str, text: str, start: float, end: float | None, language: str | None = None,
                     **extra) -> int:
        return self.record.add_turn(TurnRecord(role, text, iso_at(start), iso_at(end) if end else None,
                                               language or self.dialog.language, **extra))

    def _execute(self, actions: list[Action], on_first_audio=None) -> None:
        for action in actions:
            if isinstance(action, Say):
                self._turn_record("bot", action.text, time.monotonic(), None, action.language)
                self.speaker.say(action, on_first_audio)
                on_first_audio = None
            elif isinstance(action, Transfer):
                self.record.update(handoff=self.dialog.handoff, transfer_target=action.target,
                                   service_id=self.dialog.service_id)
                self.speaker.then(lambda target=action.target: self._send_transfer(target))
            elif isinstance(action, Hangup):
                self.speaker.then(self.control.hangup)
            elif isinstance(action, SaveCallback):
                self.record.add_callback(action.name, action.number, action.service_id, action.reason)

    def _send_transfer(self, target: str) -> None:
        self._transfer_sent = time.monotonic()
        self.control.transfer(target)

    def _close(self) -> None:
        if self.record.closed:
            return
        mid_answer = self.playback.playing or (self.speaker is not None and self.speaker.busy)
        if self.speaker is not None:
            self.speaker.stop()
        self.dialog.on_hangup(mid_answer=mid_answer)
        outcome = self.dialog.outcome or "abandoned"
        if self.error and outcome == "abandoned":
            outcome = "error"
        try:
            self._sync_record()
            self.record.close(outcome, self.error)
        except DiskFullError as exc:  # left open: the next start closes it as aborted
            log.error("call %s: record not closed: %s", self.record.id, exc)
            return
        finally:
            self.ended_event.set()
        log.info("call %s ended: %s", self.record.id, outcome)
