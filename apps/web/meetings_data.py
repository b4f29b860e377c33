"""What the meeting pages show beyond the stored rows (meetings/records.py): the speakers with a
colour each and their speaking time, and the removal of a meeting's folders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from meetings import records
from rathaus.store import Store

N_COLOURS = 8


def speakers(store: Store, meeting_id: str, segment_rows: list[dict] | None = None) -> list[dict]:
    """Every speaker label of the meeting with its shown name and colour index; with
    `segment_rows`, also the seconds each speaks."""
    rows = segment_rows if segment_rows is not None else records.segments(store, meeting_id)
    names = records.speaker_names(store, meeting_id, rows)
    result = [{"label": label, "name": name, "colour": index % N_COLOURS, "seconds": 0.0}
              for index, (label, name) in enumerate(names.items())]
    if segment_rows is not None:
        by_label = {s["label"]: s for s in result}
        for row in segment_rows:
            by_label[row["speaker"]]["seconds"] += max(0.0, row["end"] - row["start"])
    return result


def remove_folder(root: Path, meeting_id: str) -> None:
    """Remove <root>/<meeting_id> (uploads, work files), never anything outside root."""
    folder = root / meeting_id
    if meeting_id and folder.is_dir() and folder.resolve().is_relative_to(root.resolve()) and folder.resolve() != root.resolve():
        shutil.rmtree(folder, ignore_errors=True)
