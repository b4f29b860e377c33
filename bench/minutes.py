"""Benchmark of the text half of the meeting module; prints one JSON object.

- votes: accuracy of the vote rules on the Karlsruhe Niederschriften, dev and held-out files
  (their Abstimmungsergebnis lines are the truth; see meetings/evaluation/karlsruhe.py; the
  spoken-style sets and the whisper form are in bench/votes.py)
- announcements: share of Karlsruhe items whose "ruft Tagesordnungspunkt N ... auf" is found
- speed: minutes + all exports for a long synthetic meeting built from a real Karlsruhe debate

Usage: .venv/bin/python bench/minutes.py [--data ../shared/data] [--hours 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _machine() -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "device": "cpu (text only, no model)"}


def _debate(folder: Path, name: str = "146616.txt"):
    """(speaker, text) paragraphs of a real debate."""
    from meetings.evaluation.karlsruhe import dehyphenate, split_karlsruhe

    _, body = split_karlsruhe((folder / name).read_text(encoding="utf-8"))
    body = dehyphenate(body)
    body = re.sub(r"\n\s*\([^)]*\)", "\n", body)
    text = " ".join(body[body.index("Der Vorsitzende ruft"):].split())
    marker = re.compile(r"((?:Stadtrat|Stadträtin|Der Vorsitzende)(?: Dr\.)? ?[A-ZÄÖÜ]?[\w-]*"
                        r"(?: \([^)]+\))?):\s")
    pieces = marker.split(text)
    return [("Der Vorsitzende", pieces[0])] + list(zip(pieces[1::2], pieces[2::2]))


def _speed(folder: Path, hours: float) -> dict:
    from meetings.agenda import parse_agenda_text
    from meetings.export import write_exports
    from meetings.minutes import MeetingMeta, build_minutes
    from meetings.transcript import MeetingTranscript, TimedWord, Utterance

    debate = _debate(folder)
    segments, clock, item = [], 0.0, 0
    while clock < hours * 3600:
        item += 1
        for speaker, said in [("Der Vorsitzende", f"Wir kommen zu Tagesordnungspunkt {item}.")] + debate:
            words = said.split()
            if not words:
                continue
            step = 0.4
            segments.append(Utterance(speaker, clock, clock + step * len(words), said,
                                      [TimedWord(w, clock + i * step, clock + (i + 1) * step, 0.9, speaker)
                                       for i, w in enumerate(words)]))
            clock += step * len(words)
    transcript = MeetingTranscript(clock, "de", segments)
    agenda = parse_agenda_text("".join(f"{n}. Punkt {n}\n" for n in range(1, item + 1)))
    start = time.perf_counter()
    minutes = build_minutes(transcript, agenda, [], MeetingMeta(body="Gemeinderat"))
    built = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_exports(out, transcript, minutes)
    done = time.perf_counter()
    return {"audio_hours": round(clock / 3600, 2), "utterances": len(segments),
            "words": sum(len(s.text.split()) for s in segments), "agenda_items": item,
            "minutes_s": round(built - start, 2), "exports_s": round(done - built, 2),
            "rtf": round((done - start) / clock, 6)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"),
                        help="evaluation data folder (default: ../shared/data)")
    parser.add_argument("--hours", type=float, default=3.0, help="length of the synthetic meeting")
    args = parser.parse_args()
    folder = Path(args.data) / "council" / "karlsruhe" / "niederschriften"
    if not folder.is_dir():
        print(json.dumps({"error": f"evaluation data not found: {folder}"}))
        return 1
    from meetings.transitions import evaluate_karlsruhe_announcements
    from meetings.evaluation.karlsruhe import DEV, HELDOUT, evaluate_karlsruhe

    started = time.perf_counter()
    votes: dict = {}
    for part in (DEV, HELDOUT):
        figures = evaluate_karlsruhe(folder, part)
        figures["errors"] = len(figures["errors"])
        votes[part] = figures
    votes["seconds"] = round(time.perf_counter() - started, 2)
    votes["note"] = ("rules written on the dev files only; truth parsed from single-result "
                     "Abstimmungsergebnis blocks, multi-vote blocks skipped; see bench/votes.py")
    result = {"benchmark": "minutes", "votes": votes, "announcements": evaluate_karlsruhe_announcements(folder),
              "speed": _speed(folder, args.hours), "machine": _machine()}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
