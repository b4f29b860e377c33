"""Batched recognition of concurrent caller turns (rathaus.speech.asr.Recognizer.transcribe_batch and
voice.turn_batcher.TurnBatcher) on real German speech at phone quality, on the CPU."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.conftest import _models_cache, shared_path
from rathaus.speech import audio
from rathaus.speech.asr import PHONE_TURN, RECORDING, AsrSettings, shared_recognizer
from voice.turn_batcher import TurnBatcher
from voice.wer import wer


@pytest.fixture(scope="module")
def recognizer():
    return shared_recognizer(AsrSettings(device="cpu"), _models_cache())


@pytest.fixture(scope="module")
def turns():
    """Four Thorsten sentences as the bot hears them: 8 kHz, back up to 16 kHz."""
    folder = shared_path("audio", "de", "thorsten")
    rows = [line.split("|") for line in (folder / "transcripts.psv").read_text(encoding="utf-8").splitlines()[1:]
            if line.strip()][:4]
    return [(audio.resample(audio.decode(folder / r[0], 8000), 8000, 16000), r[1]) for r in rows]


def test_batch_matches_one_by_one(recognizer, turns):
    single = [recognizer.transcribe(s, language="de", options=PHONE_TURN).text for s, _ in turns]
    batched = recognizer.transcribe_batch([s for s, _ in turns], "de", PHONE_TURN)
    assert len(batched) == len(turns)
    for (_, reference), one, many in zip(turns, single, batched):
        assert wer(one, many) <= 0.15, (one, many)
        assert wer(reference, many) <= 0.3, (reference, many)


def test_batch_of_silence_and_speech(recognizer, turns):
    texts = recognizer.transcribe_batch([np.zeros(16000, np.float32), turns[0][0]], "de")
    assert texts[0] == ""
    assert wer(turns[0][1], texts[1]) <= 0.3
    assert recognizer.transcribe_batch([], "de") == []
    with pytest.raises(ValueError, match="decodes once"):  # word times need transcribe(), not a batch
        recognizer.transcribe_batch([turns[0][0]], "de", RECORDING)


def test_turns_arriving_together_share_a_batch_and_get_their_own_text(recognizer, turns):
    batcher = TurnBatcher(recognizer)
    results: dict[int, str] = {}

    def call(i: int) -> None:
        results[i] = batcher.recognize(turns[i][0], "de")

    try:
        first = threading.Thread(target=call, args=(0,))
        first.start()
        while not batcher.batch_sizes:  # the first turn is being decoded: the next ones queue up
            threading.Event().wait(0.005)
        others = [threading.Thread(target=call, args=(i,)) for i in (1, 2, 3)]
        for t in others:
            t.start()
        for t in [first, *others]:
            t.join(timeout=120)
        assert batcher.batch_sizes[0] == 1
        assert max(batcher.batch_sizes) >= 2, batcher.batch_sizes
        assert sum(batcher.batch_sizes) == 4
        for i, (_, reference) in enumerate(turns):
            assert wer(reference, results[i]) <= 0.3, (i, reference, results[i])
    finally:
        batcher.close()


def test_a_failing_batch_reaches_the_caller_and_the_batcher_lives_on(recognizer, turns):
    batcher = TurnBatcher(recognizer)
    try:
        with pytest.raises(Exception):
            batcher.recognize(turns[0][0], "xx-not-a-language")
        assert wer(turns[1][1], batcher.recognize(turns[1][0], "de")) <= 0.3
    finally:
        batcher.close()


def test_phone_engines_batch_when_configured(config, store, turns):
    from voice.phone.engines import Engines

    config.data["phone"]["asr_batch"] = "on"
    engines = Engines(config, store)
    assert engines.batcher is not None
    heard = engines.recognize(turns[2][0], detect=False)
    assert heard.language == "de" and wer(turns[2][1], heard.text) <= 0.3
    assert engines.batcher.batch_sizes == [1]
    config.data["phone"]["asr_batch"] = "sometimes"
    with pytest.raises(Exception, match="asr_batch"):
        Engines(config, store)
