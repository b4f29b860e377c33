"""Audio in and out: decode anything ffmpeg reads to float32 mono, resample, write WAV.

All internal audio is float32 in [-1, 1], mono, at an explicit sample rate. ffmpeg does the
decoding so that float WAV, 24-bit, mp3, m4a and video files all take the same path.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Iterator
from math import gcd
from pathlib import Path

import numpy as np

from rathaus.errors import RathausError

ASR_RATE = 16000


class AudioError(RathausError):
    """A file that is missing, empty, corrupt or holds no audio."""


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if not exe:
        raise AudioError("ffmpeg is not installed (apt-get install ffmpeg, or run `make run`)")
    return exe


def _check_input(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: file is empty")
    return path


def _ffmpeg_args(path: Path, sample_rate: int) -> list[str]:
    return [
        _ffmpeg(), "-nostdin", "-hide_banner", "-v", "error", "-i", str(path),
        "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-",
    ]


def _ffmpeg_failure(path: Path, stderr: bytes) -> AudioError:
    lines = [l.strip() for l in stderr.decode("utf-8", "replace").splitlines() if l.strip()]
    if any("matches no streams" in l for l in lines):
        return AudioError(f"{path}: contains no audio stream")
    detail = lines[-1] if lines else "unknown error"
    if str(path) in detail:
        detail = detail.split(str(path))[-1].lstrip(": ")
    return AudioError(f"{path}: cannot decode audio ({detail})")


def decode(path: str | Path, sample_rate: int = ASR_RATE) -> np.ndarray:
    """The whole file as float32 mono at `sample_rate`. Raises AudioError on bad input."""
    path = _check_input(path)
    proc = subprocess.run(_ffmpeg_args(path, sample_rate), capture_output=True)
    if proc.returncode != 0:
        raise _ffmpeg_failure(path, proc.stderr)
    samples = np.frombuffer(proc.stdout, dtype=np.float32)
    if samples.size == 0:
        raise AudioError(f"{path}: contains no audio samples")
    return samples.copy()


def stream(path: str | Path, sample_rate: int = ASR_RATE, chunk_s: float = 30.0) -> Iterator[np.ndarray]:
    """Decode in chunks of `chunk_s` seconds so that hours of audio need bounded memory."""
    path = _check_input(path)
    proc = subprocess.Popen(_ffmpeg_args(path, sample_rate), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunk_bytes = int(chunk_s * sample_rate) * 4
    produced = 0
    try:
        assert proc.stdout is not None
        while True:
            data = proc.stdout.read(chunk_bytes)
            if not data:
                break
            data = data[: len(data) - len(data) % 4]
            produced += len(data)
            yield np.frombuffer(data, dtype=np.float32).copy()
        stderr = proc.stderr.read() if proc.stderr else b""
        if proc.wait() != 0:
            raise _ffmpeg_failure(path, stderr)
        if produced == 0:
            raise AudioError(f"{path}: contains no audio samples")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _ffprobe(path: Path, entries: str, output_format: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ffprobe")
    if not exe:
        raise AudioError("ffprobe is not installed (apt-get install ffmpeg)")
    return subprocess.run([exe, "-v", "error", "-show_entries", entries, "-of", output_format, str(path)],
                          capture_output=True, text=True)


def duration(path: str | Path) -> float:
    """Duration in seconds as ffprobe reports it (0.0 when unknown)."""
    path = _check_input(path)
    proc = _ffprobe(path, "format=duration", "default=nw=1:nk=1")
    if proc.returncode != 0:
        raise _ffmpeg_failure(path, proc.stderr.encode())
    try:
        return float(proc.stdout.strip())
    except ValueError:
        return 0.0


class NotAudio(AudioError):
    """A file whose content is not usable audio; `reason` is one of REASONS, for the message
    the user sees (prompts key web.upload.audio_<reason>)."""

    REASONS = ("empty", "no_audio", "undecodable", "no_duration")

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def probe(path: str | Path, check_s: float = 5.0) -> float:
    """Check by content, not by name, that `path` is audio; return its duration in seconds.

    Why: an upload's extension says nothing (a PDF named .mp3, random bytes named .wav, a WAV
    without extension). ffprobe must find an audio stream, the duration must be above zero, and
    the first `check_s` seconds must decode, so a bad file is refused before a meeting job is
    queued instead of failing hours later in the worker. Raises NotAudio with the reason.
    """
    import json

    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise NotAudio("empty", f"{path}: file is empty")
    path = _check_input(path)
    proc = _ffprobe(path, "stream=codec_type,duration:format=duration", "json")
    if proc.returncode != 0:
        raise NotAudio("undecodable", str(_ffmpeg_failure(path, proc.stderr.encode())))
    try:
        info = json.loads(proc.stdout or "{}")
    except ValueError:
        info = {}
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise NotAudio("no_audio", f"{path}: contains no audio stream")
    known = [_seconds(info.get("format", {}).get("duration"))] + [_seconds(s.get("duration")) for s in streams]
    seconds = max(known)
    head = subprocess.run(_ffmpeg_args(path, ASR_RATE)[:-1] + ["-t", str(check_s), "-"], capture_output=True)
    decoded = len(head.stdout) // 4 / ASR_RATE
    if head.returncode != 0 or decoded == 0:
        raise NotAudio("undecodable", str(_ffmpeg_failure(path, head.stderr)))
    seconds = seconds or decoded  # a stream without a duration in its header (raw AAC, live dumps)
    if seconds <= 0:
        raise NotAudio("no_duration", f"{path}: audio of zero length")
    return seconds


def _seconds(value) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited polyphase resampling (e.g. 8 kHz phone audio to 16 kHz, 22.05 kHz TTS to 8 kHz)."""
    if from_rate == to_rate:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(from_rate, to_rate)
    return resample_poly(samples.astype(np.float32), to_rate // g, from_rate // g).astype(np.float32)


# -- 16-bit PCM <-> float32: the one place that knows the scale ----------------------------------------
# Why one place: WAV files, the SIP media port, the TTS libraries (Pico, espeak-ng) and G.711 all
# speak 16-bit integers, everything inside speaks float32 in [-1, 1]. Floats go out times 32767
# after clipping (so +1.0 stays 32767, never wraps to -32768) and come back divided by 32768 (so
# -32768 is exactly -1.0); a second copy of these lines would drift in one of the two.


def _to_int(samples: np.ndarray) -> np.ndarray:
    """Float samples on the 16-bit scale, as int32 so that codec arithmetic cannot overflow."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int32)


def _to_float(ints: np.ndarray) -> np.ndarray:
    """float32 samples of values on the 16-bit scale."""
    return (ints / 32768.0).astype(np.float32)


def to_pcm16(samples: np.ndarray) -> bytes:
    """16-bit little-endian PCM bytes of float samples (clipped to [-1, 1])."""
    return _to_int(samples).astype("<i2").tobytes()


def from_pcm16(data: bytes | np.ndarray) -> np.ndarray:
    """float32 samples of 16-bit little-endian PCM: bytes, or an int16 array a C library filled."""
    return _to_float(np.frombuffer(data, dtype="<i2"))


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """`samples` as a 16-bit PCM mono WAV file in memory (for a browser to play)."""
    import io

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(to_pcm16(samples))
    return buffer.getvalue()


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> Path:
    """16-bit PCM mono WAV, the format every phone system and browser plays."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(to_pcm16(samples))
    return path


# -- G.711 (the codecs of the telephone network) ------------------------------------------------------
# Why here: benchmarks and tests simulate telephone audio (8 kHz, mu-law or A-law) with the same
# companding the RTP path applies, so ASR figures for "phone audio" mean what a caller produces.

_MU = 255.0


def to_mulaw(samples: np.ndarray) -> bytes:
    """G.711 mu-law (PCMU) bytes of float samples, following the ITU-T segment layout."""
    pcm16 = _to_int(np.asarray(samples, dtype=np.float32))
    sign = np.where(pcm16 < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(pcm16), 32635) + 0x84
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def from_mulaw(data: bytes) -> np.ndarray:
    """Float samples of G.711 mu-law bytes."""
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return _to_float(np.where(sign, -magnitude, magnitude))


def to_alaw(samples: np.ndarray) -> bytes:
    """G.711 A-law (PCMA) bytes of float samples."""
    pcm13 = _to_int(np.asarray(samples, dtype=np.float32)) >> 3
    sign = np.where(pcm13 >= 0, 0x80, 0x00)
    magnitude = np.minimum(np.where(pcm13 >= 0, pcm13, -pcm13 - 1), 0xFFF)
    exponent = np.where(magnitude < 32, 0, np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 4)
    exponent = np.clip(exponent, 0, 7)
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> exponent) & 0x0F
    return ((sign | (exponent << 4) | mantissa) ^ 0x55).astype(np.uint8).tobytes()


def from_alaw(data: bytes) -> np.ndarray:
    """Float samples of G.711 A-law bytes."""
    a = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1))
    return _to_float(np.where(sign, magnitude, -magnitude))


def telephone(samples: np.ndarray, sample_rate: int = ASR_RATE, codec: str = "mulaw") -> np.ndarray:
    """`samples` as they arrive over a G.711 call: down to 8 kHz, companded, decoded, back to
    `sample_rate`. For benchmarks and tests of phone-quality recognition."""
    narrow = resample(samples, sample_rate, 8000)
    if codec == "mulaw":
        narrow = from_mulaw(to_mulaw(narrow))
    elif codec == "alaw":
        narrow = from_alaw(to_alaw(narrow))
    elif codec != "pcm":
        raise ValueError(f"unknown codec {codec!r} (mulaw, alaw, pcm)")
    return resample(narrow, 8000, sample_rate)
