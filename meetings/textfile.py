"""Files clerks hand over (agendas, member lists): read as text whatever editor wrote them."""

from __future__ import annotations

from pathlib import Path

from rathaus.errors import RathausError


def read_text_file(path: Path, what: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Word and Excel on German Windows save it.

    `what` names the file in errors ("agenda", "members"), so the clerk knows which file is wrong.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RathausError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise RathausError(f"cannot read {what} file {path}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise RathausError(f"{what} file {path} is not text (UTF-8 or Windows-1252)") from None
