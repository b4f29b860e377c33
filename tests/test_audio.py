"""rathaus.speech.audio: decoding what ffmpeg reads, resampling, PCM and WAV, errors on bad input."""

from __future__ import annotations

import shutil
import subprocess
import wave

import numpy as np
import pytest

from tests.conftest import shared_path
from rathaus.speech import audio

pytestmark = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg not installed")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def test_decode_gives_mono_float32_at_the_requested_rate():
    jfk = shared_path("audio", "mixed", "jfk.flac")
    x16 = audio.decode(jfk)
    x8 = audio.decode(jfk, 8000)
    assert x16.dtype == np.float32 and x16.ndim == 1
    assert abs(len(x16) / 16000 - 11.0) < 0.05 and abs(len(x8) / 8000 - 11.0) < 0.05
    assert 0.05 < np.abs(x16).max() < 1.5  # float path: no clipping, resampler overshoot is kept
    assert abs(audio.duration(jfk) - 11.0) < 0.05


def test_stereo_is_mixed_to_mono():
    x = audio.decode(shared_path("audio", "mixed", "stereo_diarization.wav"))
    assert x.ndim == 1 and len(x) > 16000


@pytest.mark.parametrize("codec,ext", [("pcm_f32le", "wav"), ("pcm_s24le", "wav"), ("libmp3lame", "mp3"),
                                       ("libopus", "ogg"), ("aac", "m4a")])
def test_formats_decode_to_the_same_signal(tmp_path, codec, ext):
    source = shared_path("audio", "mixed", "jfk.flac")
    out = tmp_path / f"jfk.{ext}"
    _ffmpeg("-i", str(source), "-c:a", codec, str(out))
    reference = audio.decode(source)
    decoded = audio.decode(out)
    assert abs(len(decoded) - len(reference)) < 16000 * 0.1
    n = min(len(decoded), len(reference))
    if codec.startswith("pcm"):
        assert np.max(np.abs(decoded[:n] - reference[:n])) < 1e-3
    else:  # lossy codecs shift a little; the energy must match
        assert abs(np.sqrt(np.mean(decoded[:n] ** 2)) / np.sqrt(np.mean(reference[:n] ** 2)) - 1) < 0.1


def test_stream_yields_bounded_chunks_that_add_up():
    path = shared_path("audio", "mixed", "multilingual.mp3")
    chunks = list(audio.stream(path, 16000, chunk_s=10))
    assert all(len(c) <= 16000 * 10 for c in chunks) and len(chunks) >= 6
    whole = audio.decode(path)
    assert abs(sum(len(c) for c in chunks) - len(whole)) <= 1


@pytest.mark.parametrize("src,dst", [(8000, 16000), (22050, 8000), (16000, 8000), (48000, 16000)])
def test_resample_keeps_pitch_and_length(src, dst):
    t = np.arange(src) / src
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = audio.resample(tone, src, dst)
    assert out.dtype == np.float32 and abs(len(out) - dst) <= 1
    assert abs(_peak_hz(out, dst) - 440) < 3


def test_resample_removes_what_the_phone_cannot_carry():
    t = np.arange(16000) / 16000
    high = np.sin(2 * np.pi * 6000 * t).astype(np.float32)  # above 4 kHz Nyquist of 8 kHz
    assert np.sqrt(np.mean(audio.resample(high, 16000, 8000) ** 2)) < 0.02


def test_pcm16_and_wav_round_trip(tmp_path):
    x = np.linspace(-1, 1, 1000, dtype=np.float32)
    back = audio.from_pcm16(audio.to_pcm16(x))
    assert np.max(np.abs(back - x)) < 1e-4
    loud = audio.from_pcm16(audio.to_pcm16(np.array([2.0, -2.0], dtype=np.float32)))
    assert loud[0] == pytest.approx(32767 / 32768) and loud[1] == pytest.approx(-32767 / 32768)
    path = audio.write_wav(tmp_path / "sub" / "x.wav", x, 8000)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 8000, 1000)
    assert np.max(np.abs(audio.decode(path, 8000) - x)) < 1e-3


@pytest.mark.parametrize("kind,message", [("missing", "file not found"), ("empty", "file is empty"),
                                          ("dir", "is a directory"), ("text", "cannot decode"),
                                          ("noaudio", "no audio stream")])
def test_bad_input_raises_audio_error(tmp_path, kind, message):
    path = tmp_path / "x.wav"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "dir":
        path.mkdir()
    elif kind == "text":
        path.write_text("kein Audio\n" * 50)
    elif kind == "noaudio":
        path = tmp_path / "v.mp4"
        _ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5", "-t", "1", "-pix_fmt", "yuv420p", str(path))
    with pytest.raises(audio.AudioError) as err:
        audio.decode(path)
    assert message in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)
    if kind not in ("missing", "dir"):
        with pytest.raises(audio.AudioError):
            list(audio.stream(path))


@pytest.mark.parametrize("codec", ["mulaw", "alaw"])
def test_g711_round_trip_keeps_speech(codec):
    x = audio.decode(shared_path("audio", "mixed", "jfk.flac"), 8000)
    encode, decode = {"mulaw": (audio.to_mulaw, audio.from_mulaw), "alaw": (audio.to_alaw, audio.from_alaw)}[codec]
    data = encode(x)
    assert len(data) == len(x)  # one byte per sample: 64 kbit/s at 8 kHz
    back = decode(data)
    snr = 10 * np.log10(np.sum(x ** 2) / np.sum((x - back) ** 2))
    assert snr > 25, snr  # G.711 gives about 35-38 dB on speech
    assert audio.telephone(audio.decode(shared_path("audio", "mixed", "jfk.flac")), 16000, codec).shape[0] == 176000


def test_g711_matches_the_reference_codec_where_available():
    audioop = pytest.importorskip("audioop")  # removed from Python 3.13
    x = np.random.default_rng(0).uniform(-1, 1, 4000).astype(np.float32)
    pcm = audio.to_pcm16(x)
    assert audio.to_alaw(x) == audioop.lin2alaw(pcm, 2)
    for data, lin in ((audioop.lin2ulaw(pcm, 2), audioop.ulaw2lin), (audioop.lin2alaw(pcm, 2), audioop.alaw2lin)):
        ours = audio.from_mulaw(data) if lin is audioop.ulaw2lin else audio.from_alaw(data)
        assert np.array_equal(ours, audio.from_pcm16(lin(data, 2)))
    # mu-law encoders differ only in the rounding of the lowest bits
    same = np.frombuffer(audio.to_mulaw(x), np.uint8) == np.frombuffer(audioop.lin2ulaw(pcm, 2), np.uint8)
    assert same.mean() > 0.99
