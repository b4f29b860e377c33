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
    kind = binary_kind(raw)
    if kind:
        raise RathausError(f"{what} file {path} is {kind}, not a text file") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise RathausError(f"{what} file {path} is not text (UTF-8 or Windows-1252)") from None


_MAGIC = (  # what clerks pick by mistake, by its first bytes
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, Excel or OpenDocument file)"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Excel document"),
    (b"{\\rtf", "an RTF document"),
)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def binary_kind(raw: bytes) -> str | None:
    """What a file's bytes are when they are not text ("a PDF document"), else None.

    Why by content: cp1252 decodes almost any bytes, so a PDF or audio file named .txt would
    otherwise reach the agenda parser as garbage instead of being refused with a clear reason.
    """
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    head = raw[:65536]
    control = sum(head.count(bytes([c])) for c in _CONTROL)
    return "binary data" if control > len(head) * 0.01 else None
