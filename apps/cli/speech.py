"""Speech commands: `rathaus transcribe`, `rathaus say`, `rathaus models ...`, `rathaus voices ...`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rathaus.config import Config
from rathaus.errors import RathausError


def models_dir(config: Config) -> Path:
    return config.data_dir / "models"


def voice_dir(config: Config) -> Path:
    return config.path("tts.voice_dir", "voices")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transcribe", help="transcribe an audio or video file with whisper",
        description="Transcribe any file ffmpeg reads (wav incl. float WAV, mp3, flac, ogg, m4a, video). "
                    "Prints timed segments, or JSON with segments, words (start, end, probability), "
                    "the detected language and the duration.")
    p.add_argument("audio", metavar="AUDIO", help="audio or video file")
    p.add_argument("--language", default=None,
                   help="language code such as de or en (default: [asr] language); 'detect' detects one "
                        "language for the whole file; 'auto' detects the language of every segment "
                        "(for speakers who switch between languages)")
    p.add_argument("--json", action="store_true", help="print segments and words as JSON")
    p.add_argument("--model", help="model name or directory (default: [asr] model)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), help="default: [asr] device")
    p.set_defaults(func=transcribe)

    s = sub.add_parser(
        "say", help="speak a text into a WAV file (Piper where installed, else SVOX Pico, MBROLA, espeak-ng)",
        description="Synthesize TEXT (prepared for speech: numbers, dates, times, euro amounts, phone "
                    "numbers, abbreviations) into a 16-bit mono WAV file.")
    s.add_argument("text", metavar="TEXT", nargs="+", help="the text; '-' reads it from stdin")
    s.add_argument("-o", "--output", required=True, metavar="OUT.wav", help="WAV file to write")
    s.add_argument("--language", default="de", help="language of the text (default: de)")
    s.add_argument("--rate", type=int, choices=(8000, 16000, 22050, 24000, 44100, 48000),
                   help="sample rate of the file (default: the voice's own; 8000 for the phone)")
    s.set_defaults(func=say)

    m = sub.add_parser("models", help="whisper models: list, prepare the bundled one, install others",
                       description="Whisper models live in <data_dir>/models/whisper-NAME. 'base' ships in "
                                   "pip packages; others are installed from the Hugging Face hub where the "
                                   "machine has internet, or copied from a directory.")
    msub = m.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    prep = msub.add_parser("prepare", help="join and verify the bundled whisper-base model (done by make)")
    prep.set_defaults(func=prepare_models)
    ls = msub.add_parser("list", help="list installed whisper models")
    ls.set_defaults(func=list_models)
    inst = msub.add_parser("install", help="install a whisper model (small, medium, large-v3, large-v3-turbo, ...)",
                           description="Download an official CTranslate2 whisper model, verify its sha256 "
                                       "and that it loads, and install it. Offline: --from DIR.")
    inst.add_argument("name", metavar="NAME", help="small, medium, large-v3, large-v3-turbo, tiny, distil-large-v3")
    inst.add_argument("--from", dest="source", metavar="DIR",
                      help="install from a directory holding model.bin, config.json, tokenizer.json, vocabulary.*")
    inst.set_defaults(func=install_model)

    v = sub.add_parser("voices", help="voices: what speaks each language; install Piper voices (e.g. de_DE-thorsten-high)",
                       description="Piper voices are <name>.onnx + <name>.onnx.json in [tts] voice_dir "
                                   "(default <data_dir>/voices). en_US-joe-medium ships with the package. "
                                   "Without a Piper voice a language is spoken by the first engine of [tts] "
                                   "fallback that knows it: SVOX Pico (German by default), MBROLA, espeak-ng.")
    vsub = v.add_subparsers(dest="voices_command", metavar="ACTION", required=True)
    vls = vsub.add_parser("list", help="list Piper voices, the engines installed, and which voice speaks each language")
    vls.set_defaults(func=list_voices)
    vinst = vsub.add_parser("install", help="install a Piper voice",
                            description="Download an official Piper voice, verify size and MD5 against the "
                                        "official voices.json and that it loads. Offline: --from DIR.")
    vinst.add_argument("name", metavar="NAME", help="voice name, e.g. de_DE-thorsten-high")
    vinst.add_argument("--from", dest="source", metavar="DIR", help="install from a directory holding NAME.onnx and NAME.onnx.json")
    vinst.set_defaults(func=install_voice)


def _language_arg(value: str | None) -> str | None:
    if value is None:
        return None
    return {"detect": "", "auto": "auto"}.get(value, value)


def transcribe(args: argparse.Namespace, config: Config) -> int:
    from rathaus.speech import audio
    from rathaus.speech.asr import AsrSettings, Recognizer

    settings = config.settings("asr", AsrSettings)
    if args.model:
        settings.model = args.model
    if args.device:
        settings.device = args.device
    samples = audio.decode(args.audio)  # decode first: a bad file fails before the model loads
    result = Recognizer(settings, models_dir(config)).transcribe(samples, language=_language_arg(args.language))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        multilingual = args.language == "auto"
        for seg in result.segments:
            tag = f" ({seg.language})" if multilingual else ""
            print(f"[{seg.start:8.2f} -> {seg.end:8.2f}]{tag} {seg.text}")
    return 0


def say(args: argparse.Namespace, config: Config) -> int:
    import sys

    from rathaus.speech import audio
    from voice.tts import Synthesizer, TtsSettings

    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    if not text.strip():
        raise RathausError("nothing to say: the text is empty")
    synth = Synthesizer(config.settings("tts", TtsSettings), voice_dir(config))
    samples, rate = synth.synthesize(text, args.language, args.rate)
    if samples.size == 0:
        raise RathausError("nothing to say: the text has no speakable words")
    path = audio.write_wav(args.output, samples, rate)
    print(f"{path}: {len(samples) / rate:.2f} s at {rate} Hz, voice {synth.voice_name(args.language)}")
    return 0


def prepare_models(args: argparse.Namespace, config: Config) -> int:
    from rathaus.speech.whisper_model import resolve

    path = resolve("base", models_dir(config))
    print(f"whisper-base ready in {path}")
    return 0


def list_models(args: argparse.Namespace, config: Config) -> int:
    from rathaus.speech.whisper_model import installed_models

    configured = config.get("asr.model")
    rows = installed_models(models_dir(config))
    if not rows:
        print(f"no whisper model in {models_dir(config)} yet (`rathaus models prepare` joins the bundled base model)")
    for name, path in rows:
        mark = "*" if name == configured or str(path) == configured else " "
        print(f"{mark} {name:16s} {path}")
    return 0


def install_model(args: argparse.Namespace, config: Config) -> int:
    from rathaus.speech import whisper_model

    target_dir = models_dir(config)
    if args.source:
        path = whisper_model.install_from_directory(args.name, Path(args.source).expanduser(), target_dir)
    else:
        path = whisper_model.install_official(args.name, target_dir)
    print(f"whisper-{args.name} installed and verified in {path}")
    if config.get("asr.model") != args.name:
        print(f"use it with [asr] model = \"{args.name}\" in the configuration file, or --model {args.name}")
    return 0


def list_voices(args: argparse.Namespace, config: Config) -> int:
    from voice.phone.settings import PhoneSettings
    from voice.tts import Synthesizer, TtsSettings
    from voice.tts_engines import system_voices
    from voice.voices import list_voices as voices

    directory = voice_dir(config)
    settings = config.settings("tts", TtsSettings)
    print("Piper voices:")
    for info in voices(directory):
        print(f"  {info.name:28s} {info.language:6s} {info.sample_rate:6d} Hz  {info.source:9s} {info.model_path}")
    print("Engines:")
    for engine, name, languages in system_voices():
        print(f"  {engine:8s} {name:19s} {languages}")
    print("Speaks:")
    synth = Synthesizer(settings, directory)
    for lang in dict.fromkeys(["de", "en", *(config.settings("phone", PhoneSettings).languages or [])]):
        print(f"  {lang}: {synth.voice_name(lang)}")
    return 0


def install_voice(args: argparse.Namespace, config: Config) -> int:
    from voice import voices

    directory = voice_dir(config)
    if args.source:
        info = voices.install_from_directory(args.name, Path(args.source).expanduser(), directory)
    else:
        info = voices.install_voice(args.name, directory)
    print(f"voice {info.name} ({info.sample_rate} Hz) installed and verified in {directory}")
    return 0
