"""Turn-taking of one call: when the caller's turn starts, ends, ends early, goes on, or talks over
the bot. Fed frame by frame, it returns typed events and touches nothing else.

Kept apart from the call session (voice.phone.session) so that every rule below is tested in
milliseconds with made-up speech probabilities (tests/voice/test_phone_turns.py) instead of over SIP
with stretched pauses. The session runs the VAD, says what the bot is doing (`Bot`), and acts on
the events: it recognizes the turn, asks the dialog, stops playback, undoes an early answer.
The session also hands in the early transcript once it is in; whether it reads as a finished
sentence is voice.phone.turn_end's word.

The rules, per VAD frame (`frame_s`, 32 ms), with the thresholds of [phone] (PhoneSettings):
- Speech: probability >= the VAD threshold, or >= threshold - HYSTERESIS inside a turn (a turn
  is not cut by one soft frame).
- While the bot does not listen (`Bot.NOT_LISTENING`: a prompt that always plays to the end, a
  transfer or hang-up under way) there are no turns: a turn in progress is dropped
  (TurnDropped "not listening") and the pre-roll forgotten. The VAD still sees these frames.
- The first speech frame starts a turn (TurnStarted). Its audio begins PREROLL_S before, so that
  the onset the VAD needed to be sure is not lost.
- Barge-in: while the bot speaks something interruptible (`Bot.SPEAKING`) and [phone] barge_in is
  on, every speech frame once [phone] barge_in_s of speech has run without a break is a BargeIn;
  the session stops the prompt. There is no grace period at the end of a prompt.
- Early recognition: once [phone] speculate_s (> 0) of silence has run, and the turn holds at
  least [phone] min_speech_s of speech, Speculate hands over the audio so far, once per pause;
  a speech frame makes it stale.
- The turn ends (TurnEnded) after [phone] end_of_turn_s of silence, or when its audio (pre-roll
  and a joined part included) reaches [phone] max_turn_s (then the early transcript is not
  used: it lacks the rest).
- It ends early (EarlyEnd) after [phone] end_of_turn_complete_s (> 0) of silence when the early
  transcript, asked for on an earlier frame, is in and reads as a finished sentence
  (voice.phone.turn_end.sounds_complete).
- A turn with less than [phone] min_speech_s of speech is dropped (TurnDropped "too short").
- Joining: speech that starts before the full end_of_turn_s would have ended an early-ended turn
  continues it (Joined instead of TurnStarted): its audio, start and speech so far carry over,
  and its end is marked `joined`, so that the session undoes the early answer's effect on the
  dialog before it answers the whole. The session cancels the join (`cancel_join`) when the
  early answer went beyond the dialog (a transfer, the hang-up); frames the bot does not listen
  to leave it; the next turn start consumes it either way. That the caller went on also stops
  the early answer, by the barge-in rule.
- A run of speech (for barge-in) is broken by silence and by the bot not listening, not by a
  turn cut at max_turn_s; everything else starts afresh with each turn.
- Times are those of the frames; a turn's `start` and `speech_end` are its first and last
  speech frames.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum

import numpy as np

from voice.phone.settings import PhoneSettings
from voice.phone.turn_end import sounds_complete

HYSTERESIS = 0.15  # inside a turn, speech needs this much less probability
PREROLL_S = 0.3  # audio kept before the first speech frame of a turn


class Bot(Enum):
    """What the bot does during a frame, as far as turn-taking cares."""

    LISTENING = "listening"          # silent, waiting for the caller
    SPEAKING = "speaking"            # playing a prompt the caller may talk over
    NOT_LISTENING = "not listening"  # a prompt that plays to the end, or a transfer / hang-up under way


@dataclass(frozen=True)
class EarlyTranscript:
    """What the recognition asked for by the latest Speculate heard."""

    text: str
    language: str


# ------------------------------------------------------------------------------------ events
@dataclass(frozen=True)
class TurnStarted:
    at: float


@dataclass(frozen=True)
class Joined:
    """The caller went on after an early end: the new speech continues that turn."""

    at: float
    start: float  # when the early-ended part began


@dataclass(frozen=True)
class BargeIn:
    at: float


@dataclass(frozen=True, eq=False)
class Speculate:
    """Recognize `samples`, the turn so far, while the pause runs."""

    at: float
    samples: np.ndarray


@dataclass(frozen=True, eq=False)
class TurnEnded:
    at: float
    samples: np.ndarray      # 8 kHz float32, pre-roll included
    start: float             # the first speech frame
    speech_end: float        # the last speech frame
    voiced: float            # seconds of speech in it
    joined: bool             # continues an early-ended turn whose answer is to be undone
    speculated: bool         # the last Speculate of this turn holds all of its speech
    too_long: bool           # cut at [phone] max_turn_s


@dataclass(frozen=True, eq=False)
class EarlyEnd(TurnEnded):
    """A turn ended after end_of_turn_complete_s; speech until `until` joins it."""

    until: float


@dataclass(frozen=True)
class TurnDropped:
    at: float
    reason: str  # TOO_SHORT or NOT_LISTENING


TOO_SHORT = "too short"
NOT_LISTENING = "not listening"

TurnEvent = TurnStarted | Joined | BargeIn | Speculate | TurnEnded | TurnDropped


@dataclass
class _Early:
    """An early-ended turn that speech starting by `until` continues."""

    frames: list[np.ndarray]
    start: float
    voiced: float
    until: float


# ---------------------------------------------------------------------------------- detector
class TurnDetector:
    """One call's turn-taking (rules in the module docstring). One per call, fed every VAD frame."""

    def __init__(self, settings: PhoneSettings, frame_s: float, threshold: float):
        self.settings = settings
        self.frame_s = frame_s
        self.threshold = threshold
        self.in_turn = False
        self._frames: list[np.ndarray] = []  # the turn's audio, pre-roll included
        self._preroll: deque[np.ndarray] = deque(maxlen=max(1, int(PREROLL_S / frame_s)))
        self._speech_run = 0.0  # seconds of speech without a break
        self._silence_run = 0.0  # seconds of silence since the turn's last speech
        self._voiced = 0.0  # seconds of speech in the turn
        self._start = 0.0
        self._last_speech = 0.0
        self._joined = False
        self._speculating = False  # a Speculate of this pause is out and not stale
        self._early: _Early | None = None

    def push(self, frame: np.ndarray, probability: float, at: float, bot: Bot,
             early: EarlyTranscript | None = None) -> list[TurnEvent]:
        """One frame: its samples, the VAD's speech probability, its time (time.monotonic()),
        what the bot does, and the early transcript of the latest Speculate once it is in."""
        speech = probability >= (self.threshold - HYSTERESIS if self.in_turn else self.threshold)
        if bot is Bot.NOT_LISTENING:
            return self._stop_listening(at)
        s = self.settings
        events: list[TurnEvent] = []
        if speech:
            self._speech_run += self.frame_s
            self._silence_run = 0.0
            self._speculating = False  # the caller goes on: an early guess is stale
            self._last_speech = at
            if not self.in_turn:
                events.append(self._begin(at))
            self._voiced += self.frame_s
            if s.barge_in and self._speech_run >= s.barge_in_s and bot is Bot.SPEAKING:
                events.append(BargeIn(at))
        else:
            self._speech_run = 0.0
            if self.in_turn:
                self._silence_run += self.frame_s
        self._preroll.append(frame)
        if self.in_turn:
            events += self._go_on(frame, at, early)
        return events

    def cancel_join(self) -> None:
        """The last early-ended turn is final: the caller's next words start a turn of their own."""
        self._early = None

    # ------------------------------------------------------------------------------ steps
    def _begin(self, at: float) -> TurnStarted | Joined:
        self.in_turn = True
        self._frames, self._voiced, self._start = list(self._preroll), 0.0, at
        early, self._early = self._early, None
        if early is None or at > early.until:
            return TurnStarted(at)
        self._frames = [*early.frames, *self._frames]
        self._voiced, self._start, self._joined = early.voiced, early.start, True
        return Joined(at, early.start)

    def _go_on(self, frame: np.ndarray, at: float, transcript: EarlyTranscript | None) -> list[TurnEvent]:
        s = self.settings
        self._frames.append(frame)
        events: list[TurnEvent] = []
        too_long = len(self._frames) * self.frame_s >= s.max_turn_s
        fresh = False
        if (0 < s.speculate_s <= self._silence_run < s.end_of_turn_s and not self._speculating
                and self._voiced >= s.min_speech_s):
            self._speculating = fresh = True
            events.append(Speculate(at, np.concatenate(self._frames)))
        full = self._silence_run >= s.end_of_turn_s or too_long
        # A transcript asked for just now cannot be in yet: the one passed in is an older one.
        early = (not full and self._speculating and not fresh and transcript is not None
                 and 0 < s.end_of_turn_complete_s <= self._silence_run
                 and sounds_complete(transcript.text, transcript.language))
        if full or early:
            events.append(self._end(at, early, too_long))
        return events

    def _end(self, at: float, early: bool, too_long: bool) -> TurnEnded | TurnDropped:
        s = self.settings
        event: TurnEnded | TurnDropped
        if self._voiced >= s.min_speech_s:
            ended = dict(at=at, samples=np.concatenate(self._frames), start=self._start,
                         speech_end=self._last_speech, voiced=self._voiced, joined=self._joined,
                         speculated=self._speculating and not too_long, too_long=too_long)
            if early:
                until = at + s.end_of_turn_s - self._silence_run
                self._early = _Early(self._frames, self._start, self._voiced, until)
                event = EarlyEnd(**ended, until=until)
            else:
                event = TurnEnded(**ended)
        else:
            event = TurnDropped(at, TOO_SHORT)
        self.in_turn = self._joined = self._speculating = False
        self._frames, self._silence_run, self._voiced = [], 0.0, 0.0
        self._preroll.clear()
        return event

    def _stop_listening(self, at: float) -> list[TurnEvent]:
        dropped = self.in_turn
        self.in_turn = self._joined = self._speculating = False
        self._frames, self._speech_run, self._silence_run, self._voiced = [], 0.0, 0.0, 0.0
        self._preroll.clear()
        return [TurnDropped(at, NOT_LISTENING)] if dropped else []
