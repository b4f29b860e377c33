"""Speech benchmark: prints one JSON object.

ASR: word error rate and real-time factor on the Thorsten set (../shared/data/audio/de/thorsten)
at 16 kHz and as G.711 telephone audio (down to 8 kHz, mu-law, back up to 16 kHz); RTF on a
longer file (multilingual.mp3, 60 s). TTS: real-time factor and time to first audio for a
one-sentence and a three-sentence answer, German and English, at the voice's rate and at 8 kHz.
Round trip: every German voice installed here (Piper, Pico, MBROLA, espeak-ng) says the hotline
sentences of bench/data/speech_dev_de.txt, speech_dev2_de.txt and the kept-apart
speech_heldout_de.txt, speech_heldout2_de.txt and speech_heldout3_de.txt (no rule was written on them; see the first line of each file) as
`rathaus say --language de --rate 8000` does, and whisper hears them back as `rathaus transcribe`
does (--cli runs the two real commands per sentence instead; slower, same figures).

    .venv/bin/python bench/speech.py [--model large-v3-turbo] [--device cuda] [--repeat 3]
    .venv/bin/python bench/speech.py --skip-asr --skip-tts        # the round trip alone

Targets (2-core CPU, whisper-base int8): WER <= 0.20, ASR RTF <= 0.10, first TTS audio <= 150 ms
for one sentence; German round trip at 8 kHz WER <= 0.08 (dev) and <= 0.10 (held-out). On an
NVIDIA GPU with large-v3-turbo: ASR RTF <= 0.02.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = Path(os.environ.get("RATHAUS_SHARED_DATA", ROOT.parent / "shared" / "data"))

TTS_TEXTS = {
    "de": ("Der Personalausweis kostet 37 Euro.",
           "Guten Tag, hier ist das Bürgerbüro der Stadt Musterstadt. Wir haben Mo.–Fr. von 8 bis 12 Uhr "
           "geöffnet. Für einen neuen Personalausweis bringen Sie bitte ein biometrisches Passfoto mit."),
    "en": ("The identity card costs 37 euros.",
           "Hello, this is the citizens' office of Musterstadt. We are open Monday to Friday from 8 to 12. "
           "For a new identity card, please bring a biometric passport photo."),
}


def machine() -> dict:
    info = {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        import ctranslate2

        info["cuda_devices"] = ctranslate2.get_cuda_device_count()
    except Exception:  # noqa: BLE001 - a broken CUDA install reads as "none"
        info["cuda_devices"] = 0
    if info.get("cuda_devices"):
        import subprocess

        proc = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True)
        info["gpu"] = proc.stdout.strip()
    return info


def bench_asr(args, data: Path) -> dict:
    from rathaus.speech import audio
    from rathaus.speech.asr import PHONE_TURN, RECORDING, AsrSettings, Recognizer
    from voice.wer import corpus_wer

    models_dir = Path(args.models_dir) if args.models_dir else _default_models_dir()
    settings = AsrSettings(model=args.model, device=args.device, compute_type=args.compute_type,
                           cpu_threads=args.cpu_threads, beam_size=args.beam_size)
    started = time.perf_counter()
    recognizer = Recognizer(settings, models_dir)
    out = {"model": args.model, "device": recognizer.device, "compute_type": recognizer.compute_type,
           "beam_size": args.beam_size, "load_s": round(time.perf_counter() - started, 2)}
    folder = data / "audio" / "de" / "thorsten"
    rows = [line.split("|") for line in (folder / "transcripts.psv").read_text(encoding="utf-8").splitlines()[1:]
            if line.strip()]
    clips = [(audio.decode(folder / r[0]), r[1]) for r in rows]
    recognizer.transcribe(clips[0][0], language="de")  # warm-up: first call allocates
    # a recording (word times, VAD pass, --beam-size, fallback) and what the phone bot does per caller
    # turn (no word times, no VAD pass: its own VAD cut the turn; beam 1, one decoding pass)
    telephone = lambda x: audio.telephone(x, 16000, "mulaw")  # noqa: E731
    for name, prepare, options in (("thorsten_16k", lambda x: x, RECORDING),
                                   ("thorsten_8k_mulaw", telephone, RECORDING),
                                   ("thorsten_8k_mulaw_phone_turn", telephone, PHONE_TURN)):
        pairs, elapsed, seconds = [], [], 0.0
        for _ in range(args.repeat):
            pairs, total = [], 0.0
            for samples, reference in clips:
                x = prepare(samples)
                t = time.perf_counter()
                result = recognizer.transcribe(x, language="de", options=options)
                total += time.perf_counter() - t
                pairs.append((reference, result.text))
            elapsed.append(total)
        seconds = sum(len(x) for x, _ in clips) / 16000
        w = corpus_wer(pairs, "de")
        out[name] = {"options": dataclasses.asdict(options), "utterances": len(clips), "audio_s": round(seconds, 2),
                     "wer": round(w.wer, 4), "errors": w.errors, "words": w.words, "rtf": round(min(elapsed) / seconds, 4),
                     "rtf_median": round(statistics.median(elapsed) / seconds, 4)}
    long_file = data / "audio" / "mixed" / "multilingual.mp3"
    if long_file.exists():
        x = audio.decode(long_file)
        t = time.perf_counter()
        result = recognizer.transcribe(x, language="")
        elapsed_long = time.perf_counter() - t
        out["long_60s"] = {"file": "audio/mixed/multilingual.mp3", "audio_s": round(len(x) / 16000, 2),
                           "rtf": round(elapsed_long / (len(x) / 16000), 4), "segments": len(result.segments)}
    return out


def _default_models_dir() -> Path:
    from rathaus.config import Config

    return Config.load().data_dir / "models"


def bench_tts(args) -> dict:
    from voice.tts import Synthesizer, TtsSettings

    voice_dir = Path(args.voice_dir) if args.voice_dir else _default_voice_dir()
    synth = Synthesizer(TtsSettings(), voice_dir)
    out = {}
    for lang, (short, long) in TTS_TEXTS.items():
        started = time.perf_counter()
        synth.warm_up((lang,))
        entry = {"voice": synth.voice_name(lang), "load_and_warm_up_s": round(time.perf_counter() - started, 2)}
        for label, text in (("one_sentence", short), ("three_sentences", long)):
            for rate in (None, 8000):
                firsts, rtfs = [], []
                for _ in range(args.repeat * 3):
                    t = time.perf_counter()
                    first = None
                    audio_s = 0.0
                    for chunk in synth.stream(text, lang, rate):
                        if first is None:
                            first = time.perf_counter() - t
                        audio_s += chunk.duration
                    total = time.perf_counter() - t
                    firsts.append(first or 0.0)
                    rtfs.append(total / audio_s if audio_s else 0.0)
                key = f"{label}_{rate or 'native'}"
                entry[key] = {"first_audio_ms": round(statistics.median(firsts) * 1000, 1),
                              "first_audio_ms_max": round(max(firsts) * 1000, 1),
                              "rtf": round(statistics.median(rtfs), 4), "audio_s": round(audio_s, 2)}
        out[lang] = entry
    return out


SENTENCE_SETS = {"dev": ROOT / "bench" / "data" / "speech_dev_de.txt",
                 "dev2": ROOT / "bench" / "data" / "speech_dev2_de.txt",
                 "heldout": ROOT / "bench" / "data" / "speech_heldout_de.txt",
                 "heldout2": ROOT / "bench" / "data" / "speech_heldout2_de.txt",
                 "heldout3": ROOT / "bench" / "data" / "speech_heldout3_de.txt"}


def read_sentences(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def german_engines(voice_dir: Path) -> list[str]:
    """The German voices installed here, as [tts] voice_de values: Piper voices by name, then engines."""
    from voice.tts_engines import ENGINES, EngineOptions, EngineUnavailable
    from voice.voices import list_voices

    names = [v.name for v in list_voices(voice_dir) if v.language_code == "de"]
    for engine, make in ENGINES.items():
        try:
            make("de", EngineOptions())
        except EngineUnavailable:
            continue
        names.append(engine)
    return names


def bench_round_trip(args) -> dict:
    """German sentences through our TTS at 8 kHz and back through whisper, per installed voice."""
    import tempfile

    from rathaus.config import Config
    from rathaus.evaluation.stats import percentile
    from rathaus.speech.asr import AsrSettings, Recognizer
    from voice.tts import Synthesizer, TtsSettings
    from voice.wer import corpus_wer

    config = Config.load()
    voice_dir = Path(args.voice_dir) if args.voice_dir else _default_voice_dir()
    sets = {name: read_sentences(path) for name, path in SENTENCE_SETS.items()
            if path.exists() and (not args.sets or name in args.sets)}
    engines = args.engines or german_engines(voice_dir)
    recognizer = None if args.cli else Recognizer(config.settings("asr", AsrSettings),
                                                   Path(args.models_dir) if args.models_dir else _default_models_dir())
    out: dict = {"rate": 8000, "sets": {k: len(v) for k, v in sets.items()}, "mode": "cli" if args.cli else "in-process"}
    with tempfile.TemporaryDirectory() as tmp:
        for engine in engines:
            settings = dataclasses.replace(config.settings("tts", TtsSettings), voice_de=engine,
                                           fallback=_fallback_for(engine))
            synth = Synthesizer(settings, voice_dir)
            synth.warm_up(("de",))
            entry: dict = {"voice": synth.voice_name("de"), "settings": {
                k: v for k, v in vars(settings).items() if k in ("pico_speed", "espeak_rate", "length_scale")}}
            for set_name, sentences in sets.items():
                pairs, firsts, worst = [], [], []
                for i, sentence in enumerate(sentences):
                    wav = Path(tmp) / f"{engine}-{set_name}-{i}.wav"
                    t, first, chunks = time.perf_counter(), None, []
                    for chunk in synth.stream(sentence, "de", 8000):  # as `rathaus say` makes it
                        first = first if first is not None else time.perf_counter() - t
                        chunks.append(chunk.samples)
                    firsts.append(first if first is not None else time.perf_counter() - t)
                    if not chunks:
                        pairs.append((sentence, ""))
                        continue
                    heard = _say_and_hear(args, recognizer, sentence, np.concatenate(chunks), wav, engine)
                    pairs.append((sentence, heard))
                    w = corpus_wer([(sentence, heard)], "de")
                    worst.append((w.wer, sentence, heard))
                total = corpus_wer(pairs, "de")
                worst.sort(reverse=True)
                entry[set_name] = {"wer": round(total.wer, 4), "errors": total.errors, "words": total.words,
                                   "first_audio_ms_p50": percentile([f * 1000 for f in firsts], 0.5),
                                   "first_audio_ms_p95": percentile([f * 1000 for f in firsts], 0.95),
                                   "worst": [{"wer": round(w, 3), "said": s, "heard": h} for w, s, h in worst[:args.show_worst]]}
            out[engine] = entry
    return out


def _fallback_for(engine: str) -> list[str]:
    """[tts] fallback that makes `engine` (a Piper voice name or an engine) the only German voice."""
    from voice.tts_engines import ENGINES

    return [engine] if engine in ENGINES else []


def _say_and_hear(args, recognizer, sentence: str, samples: np.ndarray, wav: Path, engine: str) -> str:
    """`rathaus say --language de --rate 8000` then `rathaus transcribe`: in-process (the 8 kHz
    `samples` already synthesized) or as the two real commands."""
    import subprocess

    from rathaus.speech import audio

    if args.cli:
        conf = wav.with_suffix(".toml")
        conf.write_text(f'[tts]\nvoice_de = "{engine}"\nfallback = {json.dumps(_fallback_for(engine))}\n',
                        encoding="utf-8")
        env = {**os.environ, "RATHAUS_CONFIG": str(conf)}
        cmd = [sys.executable, "-m", "apps.cli"]
        subprocess.run([*cmd, "say", "--language", "de", "--rate", "8000", "-o", str(wav), sentence],
                       check=True, capture_output=True, env=env, cwd=ROOT)
        proc = subprocess.run([*cmd, "transcribe", "--language", "de", "--json", str(wav)],
                              check=True, capture_output=True, text=True, env=env, cwd=ROOT)
        return json.loads(proc.stdout)["text"]
    audio.write_wav(wav, samples, 8000)
    return recognizer.transcribe(audio.decode(wav), language="de").text


def _default_voice_dir() -> Path:
    from rathaus.config import Config

    return Config.load().path("tts.voice_dir", "voices")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="base", help="whisper model name or directory (default: base)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--compute-type", default="", help="CTranslate2 compute type (default: float16 on CUDA, int8 on CPU)")
    parser.add_argument("--cpu-threads", type=int, default=0)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best ASR run counts")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the shared evaluation data directory")
    parser.add_argument("--models-dir", help="default: <data_dir>/models")
    parser.add_argument("--voice-dir", help="default: [tts] voice_dir")
    parser.add_argument("--skip-asr", action="store_true")
    parser.add_argument("--skip-tts", action="store_true")
    parser.add_argument("--skip-round-trip", action="store_true")
    parser.add_argument("--engines", nargs="+", help="German voices for the round trip (default: all installed)")
    parser.add_argument("--cli", action="store_true", help="round trip through the real `rathaus say` and "
                        "`rathaus transcribe` commands, one process each per sentence")
    parser.add_argument("--sets", nargs="+", choices=sorted(SENTENCE_SETS), help="sentence sets (default: all)")
    parser.add_argument("--show-worst", type=int, default=3, help="worst sentences listed per engine and set")
    args = parser.parse_args(argv)
    data = Path(args.data)
    report: dict = {"benchmark": "speech", "machine": machine()}
    if not args.skip_asr:
        if not (data / "audio" / "de" / "thorsten" / "transcripts.psv").exists():
            report["asr"] = {"skipped": f"evaluation data not found under {data}"}
        else:
            report["asr"] = bench_asr(args, data)
    if not args.skip_tts:
        report["tts"] = bench_tts(args)
    if not args.skip_round_trip:
        report["round_trip_de"] = bench_round_trip(args)
    report["targets"] = {"round_trip_wer_max_dev": 0.08, "round_trip_wer_max_heldout": 0.10, "wer_max": 0.20,
                         "asr_rtf_max_cpu_base": 0.10, "asr_rtf_max_gpu_turbo": 0.02, "tts_first_audio_ms_max": 150}
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
