"""RTTM, the NIST "who spoke when" format that diarization scorers and tools exchange.

One line per turn: ``SPEAKER <file> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>``.
Reading keeps only SPEAKER lines (SPKR-INFO and comments are skipped) and can filter by file id,
because reference files often hold many recordings.
"""

from __future__ import annotations

from pathlib import Path

from meetings.transcript import Turn
from rathaus.errors import RathausError


def format_rttm(turns: list[Turn], file_id: str) -> str:
    """The RTTM text of `turns` (sorted by start) for recording `file_id`."""
    file_id = file_id.replace(" ", "_") or "meeting"
    lines = []
    for t in sorted(turns, key=lambda t: (t.start, t.end, t.speaker)):
        dur = max(0.0, t.end - t.start)
        if dur <= 0:
            continue
        speaker = t.speaker.replace(" ", "_")
        lines.append(f"SPEAKER {file_id} 1 {t.start:.3f} {dur:.3f} <NA> <NA> {speaker} <NA> <NA>")
    return "\n".join(lines) + ("\n" if lines else "")


def write_rttm(turns: list[Turn], file_id: str, path: str | Path) -> Path:
    """Write `turns` as RTTM to `path` (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_rttm(turns, file_id), encoding="utf-8")
    return path


def parse_rttm(text: str, file_id: str | None = None, source: str = "<rttm>") -> list[Turn]:
    """Turns of the SPEAKER lines in `text`; with `file_id` only that recording's turns."""
    turns = []
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts or parts[0].startswith((";", "#")) or parts[0] != "SPEAKER":
            continue
        if len(parts) < 8:
            raise RathausError(f"{source}:{number}: RTTM line has {len(parts)} fields, expected at least 8")
        if file_id is not None and parts[1] != file_id:
            continue
        try:
            start, dur = float(parts[3]), float(parts[4])
        except ValueError:
            raise RathausError(f"{source}:{number}: start/duration are not numbers: {line.strip()}") from None
        turns.append(Turn(speaker=parts[7], start=start, end=round(start + dur, 6)))
    turns.sort(key=lambda t: (t.start, t.end))
    return turns


def read_rttm(path: str | Path, file_id: str | None = None) -> list[Turn]:
    """Turns in an RTTM file (optionally only those of `file_id`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RathausError(f"{path}: file not found") from None
    return parse_rttm(text, file_id, str(path))


def file_ids(path: str | Path) -> list[str]:
    """The recording ids named in an RTTM file, in first-seen order."""
    seen: dict[str, None] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) > 1 and parts[0] == "SPEAKER":
            seen.setdefault(parts[1], None)
    return list(seen)


def read_uem(path: str | Path, file_id: str) -> list[tuple[float, float]]:
    """Scored regions of `file_id` from a UEM file (``<file> <channel> <start> <end>``)."""
    regions = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == file_id:
            regions.append((float(parts[2]), float(parts[3])))
    return regions
