"""One call's audio loop: frames -> VAD -> turn-taking -> ASR -> dialog -> TTS -> frames.

Two threads per call, neither of them the SIP thread:
- the listener takes 20 ms frames from `inbox` (voice.phone.inbox, filled by the SIP clock
  callback), runs the VAD and feeds each frame to the call's turn detector (voice.phone.turns:
  end of turn, early end, joining, barge-in), and acts on its events: it stops playback,
  transcribes the turn (the process's one shared Recognizer), asks the dialog, and undoes an
  early answer when the caller went on. It also handles DTMF, transfer results, silence and the
  maximum call length;
- the speaker (voice.phone.speaker) synthesizes sentence by sentence into `playback` and runs
  "after playback" steps (transfer, hang up).
Requests to SIP (hang up, REFER) go through `CallControl`, which queues them for the SIP thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from rathaus.errors import DiskFullError
from rathaus.logcontext import set_call_id
from rathaus.metrics import asr_seconds
from rathaus.speech.audio import from_pcm16, resample
from voice.phone import media
from voice.phone.dialog import (Action, Dialog, DialogSettings, DialogSnapshot, Hangup, SaveCallback, Say, State,
                                Transfer)
from voice.phone.engines import Engines
from voice.phone.inbox import Audio, CallEnded, CallEvent, Dtmf, TransferResult
from voice.phone.records import CallRecord, TurnRecord, caller_number
from voice.phone.prefetch import PrefetchingUnderstanding
from voice.phone.settings import PhoneSettings
from voice.phone.sip import CallControl, CallInfo
from voice.phone.speaker import Speaker
from voice.phone.turns import (TOO_SHORT, BargeIn, Bot, EarlyEnd, EarlyTranscript, Joined, Speculate,
                               TurnDetector, TurnDropped, TurnEnded, TurnEvent)
from voice.vad import FRAME_S, Vad

log = logging.getLogger(__name__)

# Dialog states in which the bot no longer listens: a transfer or the hang-up is under way.
_PAST_LISTENING = (State.TRANSFERRING, State.DONE)


def iso_at(mono: float) -> str:
    """A time.monotonic() instant as the store's UTC ISO timestamp."""
    wall = time.time() - (time.monotonic() - mono)
    return datetime.fromtimestamp(wall, timezone.utc).isoformat(timespec="milliseconds")


class CallSession:
    """The `CallHandler` of one call (see voice.phone.sip)."""

    def __init__(self, engines: Engines, settings: PhoneSettings, info: CallInfo, store,
                 municipality: str, worker: str = "", audio_dir: Path | None = None):
        self.engines = engines
        self.settings = settings
        self.info = info
        self.inbox: queue.Queue[CallEvent] = queue.Queue()
        self.playback = media.Playback()
        self.caller = caller_number(info.remote_uri)
        self.record = CallRecord(store, self.caller, settings.mask_caller, worker=worker)
        self.record_id = self.record.id  # for the SIP layer's log lines
        self.understanding = PrefetchingUnderstanding(engines.assistant)
        self.dialog = Dialog(self.understanding, DialogSettings(municipality=municipality,
                                                               language=engines.languages[0]),
                             caller=self.record.caller)
        self.turns = TurnDetector(settings, FRAME_S, engines.vad_threshold)
        self.audio_dir = audio_dir
        self.control: CallControl | None = None
        self.speaker: Speaker | None = None
        self.thread: threading.Thread | None = None
        self.ended_event = threading.Event()
        self.error: str | None = None
        self._pending_latency: list = []  # [turn_row, speech_end, holder]
        self._speculation: Future | None = None  # the early transcript of the turn's latest Speculate
        self._before_early: DialogSnapshot | None = None  # the dialog before the last early-ended turn
        self._language_known = False
        self._audio = np.zeros(0, dtype=np.float32)  # received samples short of a whole VAD frame
        self._activity = time.monotonic()  # the caller's or the bot's last sign of life (silence timeout)
        self._transfer_sent: float | None = None
        self._synced: tuple | None = None

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
        self.inbox.put(Dtmf(time.monotonic(), digit))

    def transfer_result(self, ok: bool, code: int) -> None:
        self.inbox.put(TransferResult(time.monotonic(), ok, code))

    def ended(self, reason: str) -> None:
        self.inbox.put(CallEnded(time.monotonic(), reason))
        if self.thread is None:  # never got media: close the record here
            self._close()

    # ------------------------------------------------------------------------ listener thread
    def _run(self) -> None:
        set_call_id(self.record.id)  # this thread's log records carry call_id (rathaus.logcontext)
        vad = self.engines.new_vad()
        started = self._activity = time.monotonic()
        try:
            self._execute(self.dialog.start())
            while True:
                try:
                    event = self.inbox.get(timeout=0.05)
                except queue.Empty:
                    event = None
                now = time.monotonic()
                if isinstance(event, CallEnded):
                    break
                if isinstance(event, Audio):
                    self._hear(vad, event)
                elif isinstance(event, Dtmf):
                    self._turn_record("caller", f"[DTMF {event.digit}]", event.at, event.at)
                    if self.playback.interruptible:  # a key press stops the prompt, like speech
                        self.speaker.interrupt()
                    self._execute(self.dialog.on_dtmf(event.digit))
                    self._activity = now
                elif isinstance(event, TransferResult):
                    log.info("call %s: transfer %s (%s)", self.record.id, "done" if event.ok else "failed",
                             event.code)
                    self._execute(self.dialog.on_transfer_result(event.ok))
                    self._transfer_sent = None
                    self._activity = now
                self._update_latencies()
                self._timers(now, started)
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

    def _hear(self, vad: Vad, audio: Audio) -> None:
        """The caller's audio, VAD frame by VAD frame, through the turn detector."""
        self._audio = np.concatenate([self._audio, from_pcm16(audio.data)])
        n = vad.frame_samples
        while len(self._audio) >= n:
            frame, self._audio = self._audio[:n], self._audio[n:]
            probability = vad.probability(frame)
            for event in self.turns.push(frame, probability, audio.at, self._bot(), self._early_transcript()):
                self._on_turn_event(event, vad)

    def _on_turn_event(self, event: TurnEvent, vad: Vad) -> None:
        if isinstance(event, TurnEnded):
            self._turn_ended(event)
        if isinstance(event, TurnEnded) or (isinstance(event, TurnDropped) and event.reason == TOO_SHORT):
            self._speculation = None
            vad.reset()  # the next turn starts afresh
            self._activity = time.monotonic()
        elif isinstance(event, Speculate):
            self._speculate(event.samples)
        elif isinstance(event, BargeIn) and self.speaker.interrupt():
            log.info("call %s: barge-in", self.record.id)
        elif isinstance(event, Joined):
            log.info("call %s: the caller went on after an early end of turn; joining the two", self.record.id)

    def _bot(self) -> Bot:
        """What the bot does now, for the turn detector."""
        if self.dialog.state in _PAST_LISTENING:
            return Bot.NOT_LISTENING
        if not self.playback.playing:
            return Bot.LISTENING
        return Bot.SPEAKING if self.playback.interruptible else Bot.NOT_LISTENING

    def _turn_ended(self, turn: TurnEnded) -> None:
        """Answer the turn. A turn that continues an early-ended one is answered as a whole, from
        where the dialog stood before that early answer; after an early end, the dialog is kept as
        it was, for such a continuation, unless the answer went beyond it (transfer, hang-up)."""
        early = isinstance(turn, EarlyEnd)
        if turn.joined and self._before_early is not None:
            self.dialog.restore(self._before_early)
        before = self.dialog.snapshot() if early else None
        self._caller_turn(turn.samples, turn.start, turn.speech_end,
                          self._speculation if turn.speculated else None, early)
        if early and self.dialog.state in _PAST_LISTENING:
            self.turns.cancel_join()
            before = None
        self._before_early = before

    def _timers(self, now: float, started: float) -> None:
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
        if self.turns.in_turn or self.speaker.busy:
            self._activity = now
            return
        if now - self._activity > s.silence_timeout_s:
            self._activity = now
            self._execute(self.dialog.on_silence())

    def _early_transcript(self) -> EarlyTranscript | None:
        """The early recognition's transcript, once it is in (and did not fail)."""
        future = self._speculation
        if future is None or not future.done() or future.exception():
            return None
        heard = future.result()
        return EarlyTranscript(heard.text, heard.language or self.dialog.language)

    def _speculate(self, samples_8k: np.ndarray) -> None:
        """Start recognizing while the end-of-turn pause is still running ([phone] speculate_s), and
        ask the catalog about the text (voice.phone.prefetch): if the caller stays silent the
        answer is ready sooner; if they go on, it is dropped."""
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
        if state != self._synced:
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
