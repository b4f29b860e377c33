"""Benchmark of the vote rules; prints one JSON object with dev and held-out figures.

- karlsruhe: the 235 real Karlsruhe minutes, split by file name into dev (rules written on them)
  and held-out (never looked at); see meetings/evaluation/karlsruhe.py for the split, the truth
  and the scoring. `written`: the minutes text as published; `asr_style`: the same words as
  whisper writes them (no punctuation or capitals, numbers as words); `published`: the files as
  published, with their result block, which the rules must read as the record.
- spoken: the spoken vote passages in bench/data/ (dev, and a held-out set written first).

Targets (issue 16): result right for >= 0.95 of the items, counts right for >= 0.8 of the items
with counts. On Karlsruhe most counts come from the electronic vote display and are never said
aloud; `counts_said_accuracy` scores the items whose counts are said in the text.

Usage: .venv/bin/python bench/votes.py [--data ../shared/data] [--errors]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_KEEP = ("scored", "correct", "accuracy", "with_counts", "counts_correct", "counts_accuracy")


def _brief(result: dict, errors: bool, extra: tuple[str, ...] = ()) -> dict:
    data = {k: result[k] for k in _KEEP + extra if k in result}
    data["confusion"] = result["confusion"]
    data["errors"] = result["errors"] if errors else len(result["errors"])
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"),
                        help="evaluation data folder (default: ../shared/data)")
    parser.add_argument("--errors", action="store_true", help="list the items scored wrong")
    args = parser.parse_args()
    from meetings.evaluation.karlsruhe import DEV, HELDOUT, evaluate_karlsruhe
    from meetings.evaluation.spoken import SETS, evaluate_spoken

    started = time.perf_counter()
    result: dict = {"benchmark": "votes", "targets": {"accuracy": 0.95, "counts_accuracy": 0.8}}
    folder = Path(args.data) / "council" / "karlsruhe" / "niederschriften"
    if folder.is_dir():
        karlsruhe: dict = {}
        for form, asr, published in (("written", False, False), ("asr_style", True, False),
                                     ("published", False, True)):
            for part in (DEV, HELDOUT):
                raw = evaluate_karlsruhe(folder, part, asr=asr, published=published)
                brief = _brief(raw, args.errors, ("with_counts_said", "counts_said_accuracy"))
                brief["files"] = raw["files"]
                karlsruhe.setdefault(form, {})[part] = brief
        result["karlsruhe"] = karlsruhe
    else:
        result["karlsruhe"] = {"error": f"evaluation data not found: {folder}"}
    result["spoken"] = {part: _brief(evaluate_spoken(path), args.errors, ("counts_strict_accuracy",))
                        for part, path in SETS.items()}
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform(),
                         "cpu_count": os.cpu_count(), "device": "cpu (text rules, no model)"}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
