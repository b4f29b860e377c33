"""voice.phone.turns: every rule of the phone's turn-taking, frame by frame, with made-up speech
probabilities (the SIP suites hear the same rules with real audio, slowly)."""

from __future__ import annotations

import numpy as np
import pytest

from voice.phone.settings import PhoneSettings
from voice.phone.turns import (NOT_LISTENING, PREROLL_S, TOO_SHORT, BargeIn, Bot, EarlyEnd, EarlyTranscript, Joined,
                               Speculate, TurnDetector, TurnDropped, TurnEnded, TurnStarted)

FRAME = 0.032  # the VAD's frame at 8 kHz
N = 256
SPEECH, SOFT, SILENCE = 0.9, 0.4, 0.05  # threshold 0.5; SOFT is speech only inside a turn
PREROLL = int(PREROLL_S / FRAME)
FINISHED = EarlyTranscript("Ich möchte meinen Hund anmelden.", "de")
UNFINISHED = EarlyTranscript("Ich möchte meinen", "de")  # voice.phone.turn_end: wait for the rest


class Call:
    """Feeds one detector; frame i is at i * FRAME and every one of its samples is i, so that the
    audio of an event tells which frames it holds."""

    def __init__(self, **settings):
        self.settings = PhoneSettings(**settings)
        self.turns = TurnDetector(self.settings, FRAME, 0.5)
        self.i = 0

    @property
    def now(self) -> float:
        return self.i * FRAME

    def feed(self, seconds: float, probability: float, bot: Bot = Bot.LISTENING,
             heard: EarlyTranscript | None = None) -> list:
        """`heard`: the early transcript the session hands in on each of these frames."""
        events = []
        for _ in range(round(seconds / FRAME)):
            frame = np.full(N, self.i, dtype=np.float32)
            events += self.turns.push(frame, probability, self.now, bot, heard)
            self.i += 1
        return events

    def speech(self, seconds: float, **kw) -> list:
        return self.feed(seconds, SPEECH, **kw)

    def silence(self, seconds: float, **kw) -> list:
        return self.feed(seconds, SILENCE, **kw)


def frame_ids(samples: np.ndarray) -> list[int]:
    return samples.reshape(-1, N)[:, 0].astype(int).tolist()


def reached(at: float, since: float, seconds: float) -> bool:
    """`at` is the first frame by which `seconds` have passed since the frame at `since`."""
    passed = round(at - since, 6)
    return seconds <= passed < seconds + FRAME


def only(events: list, kind: type):
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


def kinds(events: list) -> list[type]:
    return [type(e) for e in events]


def test_silence_and_soft_noise_are_no_turn():
    call = Call()
    assert call.silence(3.0) == []
    assert call.feed(1.0, SOFT) == []  # below the threshold outside a turn
    assert not call.turns.in_turn


def test_turn_ends_after_the_full_pause_with_pre_roll_and_the_early_transcript():
    call = Call()
    call.silence(1.0)
    first = call.i
    started = call.speech(1.0)
    last = call.i - 1
    assert started == [TurnStarted(first * FRAME)] and call.turns.in_turn
    events = call.silence(1.2)
    assert kinds(events) == [Speculate, TurnEnded]
    speculate, ended = events
    # early recognition once speculate_s of silence has run, on the audio so far
    assert reached(speculate.at, last * FRAME, 0.2)
    assert frame_ids(speculate.samples) == list(range(first - PREROLL, round(speculate.at / FRAME) + 1))
    # the end after end_of_turn_s of silence: the audio from PREROLL_S before the first speech frame
    assert reached(ended.at, last * FRAME, 0.8)
    assert frame_ids(ended.samples) == list(range(first - PREROLL, round(ended.at / FRAME) + 1))
    assert (ended.start, ended.speech_end) == (first * FRAME, last * FRAME)
    assert ended.voiced == pytest.approx(1.0, abs=FRAME)
    assert ended.speculated and not ended.joined and not ended.too_long
    assert not call.turns.in_turn


def test_without_early_recognition_the_turn_just_ends():
    call = Call(speculate_s=0.0)
    call.speech(1.0)
    ended = only(call.silence(1.0), TurnEnded)
    assert not ended.speculated and not isinstance(ended, EarlyEnd)


def test_a_short_blip_is_dropped():
    call = Call()
    call.speech(0.2)  # less than min_speech_s (0.25)
    last = call.now - FRAME
    events = call.silence(1.0)
    assert kinds(events) == [TurnDropped]  # no early recognition either: too little speech
    assert events[0].reason == TOO_SHORT and reached(events[0].at, last, 0.8)
    assert not call.turns.in_turn
    # min_speech_s counts speech, not the turn's length
    call = Call(min_speech_s=0.5)
    events = []
    for _ in range(6):  # 2.3 s of turn, 0.38 s of it speech
        events += call.speech(0.064) + call.silence(0.32)
    assert kinds(events + call.silence(1.0)) == [TurnStarted, TurnDropped]


def test_soft_frames_keep_a_turn_going():
    call = Call()
    call.speech(0.5)
    assert call.feed(1.5, SOFT) == []  # above threshold - hysteresis: still speech
    ended = only(call.silence(1.0), TurnEnded)
    assert ended.voiced == pytest.approx(2.0, abs=FRAME)


def test_early_end_when_the_early_transcript_reads_finished():
    call = Call()
    call.speech(1.0)
    last = call.i - 1
    events = call.silence(1.0, heard=FINISHED)
    assert kinds(events) == [Speculate, EarlyEnd]
    early = events[1]
    assert reached(early.at, last * FRAME, 0.5)
    # speech before the full pause would have ended it joins it
    assert early.until == pytest.approx(last * FRAME + 0.8, abs=FRAME)
    assert early.speculated and not early.joined


def test_no_early_end_while_the_transcript_is_not_finished():
    call = Call()
    call.speech(1.0)
    last = call.now - FRAME
    events = call.silence(1.0, heard=UNFINISHED)
    assert kinds(events) == [Speculate, TurnEnded]
    assert events[1].speculated and reached(events[1].at, last, 0.8)
    call = Call()
    call.speech(1.0)
    assert kinds(call.silence(0.7)) == [Speculate]  # not in yet
    assert kinds(call.silence(0.032, heard=FINISHED)) == [EarlyEnd]  # in late, still before the full pause
    call = Call(end_of_turn_complete_s=0.0)  # early ends off
    call.speech(1.0)
    assert kinds(call.silence(1.0, heard=FINISHED)) == [Speculate, TurnEnded]


def test_the_verdict_of_a_transcript_asked_for_on_this_frame_is_not_taken():
    call = Call(speculate_s=0.5, end_of_turn_complete_s=0.5)
    call.speech(1.0)
    events = call.silence(1.0, heard=FINISHED)
    assert kinds(events) == [Speculate, EarlyEnd]
    assert events[1].at == pytest.approx(events[0].at + FRAME)


def test_speech_makes_the_early_transcript_stale():
    call = Call(speculate_s=0.6, end_of_turn_complete_s=0.3, end_of_turn_s=1.0)
    call.speech(1.0)
    assert kinds(call.silence(0.7)) == [Speculate]
    call.speech(0.5)  # the caller goes on
    last = call.now - FRAME
    # the verdict passed in is still about the stale transcript: not taken at 0.3 s, but only once
    # a fresh transcript, asked for after this pause's speculate_s, is in
    events = call.silence(1.0, heard=FINISHED)
    assert kinds(events) == [Speculate, EarlyEnd]
    assert reached(events[0].at, last, 0.6)
    assert events[1].at == pytest.approx(events[0].at + FRAME)
    assert frame_ids(events[0].samples)[-1] == round(events[0].at / FRAME)


def test_caller_going_on_after_an_early_end_joins_the_two():
    call = Call()
    call.silence(0.5)
    first = call.i
    call.speech(1.0)
    early = only(call.silence(0.6, heard=FINISHED), EarlyEnd)
    assert call.now < early.until
    resumed = call.i
    events = call.speech(0.6)
    assert events[0] == Joined(resumed * FRAME, first * FRAME)
    ended = only(call.silence(1.0), TurnEnded)
    assert ended.joined and not isinstance(ended, EarlyEnd)
    assert ended.start == first * FRAME and ended.voiced == pytest.approx(1.6, abs=2 * FRAME)
    # one turn: the early part, the pause (as pre-roll) and the rest
    ids = frame_ids(ended.samples)
    assert ids == list(range(first - PREROLL, ids[-1] + 1))
    call.speech(0.5)  # the next turn is a turn of its own
    assert not only(call.silence(1.0), TurnEnded).joined


def test_speech_after_the_full_pause_is_a_new_turn():
    call = Call()
    call.speech(1.0)
    early = only(call.silence(0.55, heard=FINISHED), EarlyEnd)
    call.silence(early.until - call.now + FRAME)
    assert call.now > early.until
    assert kinds(call.speech(0.5)) == [TurnStarted]
    ended = only(call.silence(1.0), TurnEnded)
    assert not ended.joined and ended.start > early.until


def test_a_cancelled_join_starts_a_new_turn():
    call = Call()
    call.speech(1.0)
    only(call.silence(0.55, heard=FINISHED), EarlyEnd)
    call.turns.cancel_join()  # the early answer transferred the call or hung up
    assert kinds(call.speech(0.5)) == [TurnStarted]
    assert not only(call.silence(1.0), TurnEnded).joined


def test_an_early_turn_is_joined_once():
    call = Call()
    call.speech(1.0)
    early = only(call.silence(0.55, heard=FINISHED), EarlyEnd)
    assert kinds(call.speech(0.064)) == [Joined]
    assert kinds(call.silence(0.032, bot=Bot.NOT_LISTENING)) == [TurnDropped]
    assert call.now < early.until
    assert kinds(call.speech(0.064)) == [TurnStarted]  # the join was used up by the dropped turn


def test_a_joined_turn_may_end_early_again_and_be_joined_again():
    call = Call()
    first = call.i
    call.speech(1.0)
    only(call.silence(0.55, heard=FINISHED), EarlyEnd)
    call.speech(0.5)
    again = only(call.silence(0.55, heard=FINISHED), EarlyEnd)
    assert again.joined and again.start == first * FRAME
    assert isinstance(call.speech(0.3)[0], Joined)
    assert only(call.silence(1.0), TurnEnded).start == first * FRAME


def test_barge_in_while_the_bot_speaks():
    call = Call()
    events = call.speech(0.32, bot=Bot.SPEAKING)  # 10 frames
    # the caller's words are a turn like any other; from barge_in_s (0.16 s, the 5th frame) of
    # speech on, every speech frame is a barge-in
    assert events == [TurnStarted(0.0), *(BargeIn(i * FRAME) for i in range(4, 10))]
    assert kinds(call.silence(1.0)) == [Speculate, TurnEnded]


def test_no_barge_in_when_off_silent_or_broken_speech():
    assert not any(isinstance(e, BargeIn) for e in Call(barge_in=False).speech(1.0, bot=Bot.SPEAKING))
    assert not any(isinstance(e, BargeIn) for e in Call().speech(1.0, bot=Bot.LISTENING))
    call = Call()
    for _ in range(5):  # 0.128 s runs: each shorter than barge_in_s
        assert not any(isinstance(e, BargeIn) for e in call.speech(0.128, bot=Bot.SPEAKING))
        call.silence(0.032, bot=Bot.SPEAKING)
    # soft frames inside the turn count as speech for barge-in too
    assert any(isinstance(e, BargeIn) for e in call.feed(0.3, SOFT, bot=Bot.SPEAKING))


def test_no_turns_while_the_bot_does_not_listen():
    call = Call()
    assert call.speech(1.0, bot=Bot.NOT_LISTENING) == []
    assert call.silence(1.0, bot=Bot.NOT_LISTENING) == []
    call = Call()
    call.speech(0.5)
    events = call.speech(0.1, bot=Bot.NOT_LISTENING)  # a goodbye that plays to the end
    assert kinds(events) == [TurnDropped] and events[0].reason == NOT_LISTENING
    assert not call.turns.in_turn
    resumed = call.i
    assert kinds(call.speech(0.5)) == [TurnStarted]
    ended = only(call.silence(1.0), TurnEnded)
    assert frame_ids(ended.samples)[0] == resumed  # no pre-roll from the deaf frames, nothing before


def test_speech_the_bot_did_not_listen_to_does_not_count_for_barge_in():
    call = Call()
    call.speech(0.096)
    call.speech(0.5, bot=Bot.NOT_LISTENING)  # over a prompt that plays to the end
    events = call.speech(0.32, bot=Bot.SPEAKING)  # the next prompt may be interrupted
    # barge_in_s of speech counted from there: the 5th frame, as from silence
    assert kinds(events) == [TurnStarted] + [BargeIn] * 6
    assert events[1].at == pytest.approx(events[0].at + 4 * FRAME)


def test_a_join_outlasts_frames_the_bot_does_not_listen():
    call = Call()
    call.speech(1.0)
    only(call.silence(0.55, heard=FINISHED), EarlyEnd)
    call.silence(0.064, bot=Bot.NOT_LISTENING)
    assert isinstance(call.speech(0.2)[0], Joined)


def test_a_turn_is_cut_at_max_turn_s_without_its_early_transcript():
    call = Call(max_turn_s=2.0)
    call.silence(1.0)
    first = call.i
    events = call.speech(3.0)
    assert kinds(events) == [TurnStarted, TurnEnded, TurnStarted]  # the caller still talks: a next turn
    ended = events[1]
    # the turn's audio, pre-roll included, reaches max_turn_s
    assert len(frame_ids(ended.samples)) * FRAME == pytest.approx(2.0, abs=FRAME)
    assert ended.too_long and not ended.speculated and ended.start == first * FRAME
    assert events[2].at == pytest.approx(ended.at + FRAME)


def test_a_run_of_speech_goes_on_across_a_cut_turn():
    call = Call(max_turn_s=1.0)
    events = call.speech(1.5, bot=Bot.SPEAKING)
    cut = kinds(events).index(TurnEnded)
    assert kinds(events[cut:cut + 3]) == [TurnEnded, TurnStarted, BargeIn]  # no new barge_in_s to wait for


def test_a_long_pause_in_a_long_turn_is_cut_without_the_stale_transcript():
    call = Call(max_turn_s=1.5)
    call.speech(1.0)
    events = call.silence(1.0, heard=UNFINISHED)
    assert kinds(events) == [Speculate, TurnEnded]
    assert events[1].too_long and not events[1].speculated
