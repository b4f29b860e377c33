"""Runs the meeting stages in order, keeping each finished result so that a killed worker resumes
where it stopped.

Every stage writes its result atomically as JSON into the meeting's work folder
(<work dir>/stages/<stage>.json, with the seconds it took as `elapsed_s`); a stage whose result
exists is not run again but read back (`from_stored`), and reported as "resumed". A fresh result
is handed on through its stored form too, so what follows sees the same values on either path.
`stages/runs.jsonl` logs every stage start (what the resume test and an admin can check). Stages
that take long keep their own finished pieces under stages/<stage>/ (`Step.state_dir`) and
check for stop between them (meetings/stop.py).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar

from meetings import stop
from rathaus.store import now_iso

Progress = Callable[[str, float, str], None]  # (stage, overall percent 0..100, detail)


class Stored(Protocol):
    """A stage result: converts to the JSON kept on disk and back."""

    def to_stored(self) -> dict[str, Any]: ...

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Stored": ...


R = TypeVar("R", bound=Stored)


def write_json(path: Path, data: Any) -> None:
    """Write through a temporary file and a rename: a reader never sees half a result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any | None:
    """The stored JSON, or None where there is none (or only a broken one: then it is redone)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def finished(stage_dir: Path, names: tuple[str, ...]) -> list[str]:
    """The stages among `names` whose results are stored in `stage_dir`, in order."""
    return [s for s in names if (stage_dir / f"{s}.json").exists()]


def read_runs(stage_dir: Path) -> list[dict]:
    """Every stage start logged in stage_dir/runs.jsonl."""
    path = stage_dir / "runs.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Step:
    """What a running stage gets from the runner: its progress, the stop check, its own folder."""

    name: str
    state_dir: Path                              # stages/<name>/: finished pieces of this stage
    report: Callable[..., None]                  # (fraction of this stage 0..1, detail="")
    should_stop: Callable[[], bool] | None

    def check_stop(self) -> None:
        """Raise meetings.stop.Interrupted when the worker asked to stop."""
        stop.check(self.should_stop)


class StageRunner:
    """One execution of the stages of one meeting: stage cache, progress and stop.

    `weights`: every stage name, in running order, with its share of the whole run (for one
    overall percentage). `on_stage_done` gets the finished stages after each stage that ran."""

    def __init__(self, stage_dir: Path, weights: dict[str, float], progress: Progress | None = None,
                 on_stage_done: Callable[[list[str]], None] | None = None,
                 should_stop: Callable[[], bool] | None = None):
        self.stage_dir = stage_dir
        self.stage_dir.mkdir(parents=True, exist_ok=True)
        self.weights = dict(weights)
        self.names = tuple(self.weights)
        self.progress, self.on_stage_done, self.should_stop = progress, on_stage_done, should_stop
        self.timings: dict[str, float] = {}      # seconds per stage (resumed ones: from their first run)
        self.ran: set[str] = set()               # stages executed in this run (not resumed from disk)

    def overall(self, stage: str, fraction: float) -> float:
        before = sum(self.weights[s] for s in self.names[: self.names.index(stage)])
        share = self.weights[stage] * max(0.0, min(1.0, fraction))
        return round(100.0 * (before + share) / sum(self.weights.values()), 2)

    def report(self, stage: str, fraction: float, detail: str = "") -> None:
        if self.progress:
            self.progress(stage, self.overall(stage, fraction), detail)

    def check_stop(self) -> None:
        stop.check(self.should_stop)

    def done(self) -> list[str]:
        return finished(self.stage_dir, self.names)

    def run(self, name: str, result_type: type[R], compute: Callable[[Step], R]) -> R:
        """The stored result of stage `name`, or compute, store and return it."""
        path = self.stage_dir / f"{name}.json"
        stored = read_json(path)
        if stored is not None:
            self.timings[name] = float(stored.get("elapsed_s", 0.0))
            self.report(name, 1.0, "resumed")
            return result_type.from_stored(stored)
        self.check_stop()
        with open(self.stage_dir / "runs.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"stage": name, "started_at": now_iso(), "pid": os.getpid()}) + "\n")
        self.report(name, 0.0)
        self.ran.add(name)
        started = time.perf_counter()
        step = Step(name, self.stage_dir / name,
                    lambda fraction, detail="": self.report(name, fraction, detail), self.should_stop)
        stored = compute(step).to_stored()
        stored["elapsed_s"] = round(time.perf_counter() - started, 3)
        write_json(path, stored)
        self.timings[name] = stored["elapsed_s"]
        self.report(name, 1.0)
        if self.on_stage_done:
            self.on_stage_done(self.done())
        return result_type.from_stored(stored)
