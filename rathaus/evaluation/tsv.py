"""Reading a labelled set: a UTF-8, tab-separated file with a header row."""

from __future__ import annotations

import csv
from pathlib import Path

from rathaus.errors import RathausError


def read_rows(path: str | Path, columns: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """The rows of `path` as dicts; a RathausError names the file when it is missing or when the
    header lacks one of `columns` (`what` says which kind of file, for the message)."""
    path = Path(path)
    if not path.is_file():
        raise RathausError(f"{what} file not found: {path}")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines(), delimiter="\t"))
    if not rows or not set(columns) <= set(rows[0]):
        names = ", ".join(columns[:-1]) + " and " + columns[-1] if len(columns) > 1 else columns[0]
        raise RathausError(f"{path}: expected a TSV with columns {names}")
    return rows
