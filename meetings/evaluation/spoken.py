"""The vote rules measured on spoken-style vote passages (bench/data/spoken_votes_*.jsonl).

dev: spoken_votes_dev.jsonl and spoken_votes_dev2.jsonl (the first held-out set; it joined dev
after it had been scored once, see bench/data/README.md). held-out: spoken_votes_heldout.jsonl,
written before any rule was fitted to the first held-out set's errors, never tuned on.

Each line: {"id", "text", "result", "yes", "no", "abstain"} (see bench/data/README.md). The
input is `text`; scored are the category of the final vote and its counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetings.evaluation.scoring import Tally
from meetings.votes import final_vote

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
SETS: dict[str, list[Path]] = {
    "dev": [DATA / "spoken_votes_dev.jsonl", DATA / "spoken_votes_dev2.jsonl"],
    "heldout": [DATA / "spoken_votes_heldout.jsonl"],
}

# the result as a clerk writes it -> Vote.category
RESULTS = {"einstimmig angenommen": "unanimous", "mehrheitlich angenommen": "majority",
           "abgelehnt": "rejected", "vertagt": "deferred", "zur Kenntnis genommen": "noted",
           "keine Abstimmung": "none"}


@dataclass
class SpokenItem:
    id: str
    text: str
    category: str
    counts: tuple[int | None, int | None, int | None]
    result: str


def load(path: str | Path) -> list[SpokenItem]:
    """The passages of one JSONL file; a line with an unknown result or bad field is an error
    naming the file and line."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            category = RESULTS[data["result"]]
            counts = (data.get("yes"), data.get("no"), data.get("abstain"))
            if not all(c is None or (isinstance(c, int) and c >= 0) for c in counts):
                raise ValueError(f"counts must be null or non-negative integers: {counts}")
            items.append(SpokenItem(str(data["id"]), str(data["text"]), category, counts, data["result"]))
        except (json.JSONDecodeError, KeyError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: {exc!r}") from exc
    return items


def evaluate_spoken(paths: str | Path | list[Path]) -> dict[str, Any]:
    """Result and count accuracy of the final vote found in each passage of `paths`."""
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    tally = Tally()
    for path in paths:
        for item in load(path):
            tally.add(item.id, item.category, item.counts, final_vote(item.text), item.result)
    return {"files": [p.name for p in paths], **tally.summary()}
