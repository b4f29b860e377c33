"""Streaming multipart uploads: written to disk chunk by chunk, never held in memory whole.

The size limit is checked twice: against Content-Length before reading anything, and while
writing, so a client that lies about the length is stopped at the limit too. A partial file is
always removed. The CSRF token must arrive (header or first form field) before the file part.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

import prompts
from rathaus.errors import is_disk_full

CHUNK = 1024 * 1024
FIELD_LIMIT = 256 * 1024


class UploadError(web.HTTPException):
    """A rejected upload with the reason as plain text (or JSON for scripts)."""

    def __init__(self, status: int, key: str, **fields):
        self.status_code = status
        message = prompts.text(key, **fields)
        super().__init__(text=message, content_type="text/plain")
        self.message = message


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, "SavedFile"] = field(default_factory=dict)


@dataclass
class SavedFile:
    path: Path
    filename: str
    size: int
    content_type: str


def safe_filename(name: str | None, default: str = "upload") -> str:
    """A file name that is safe on disk: base name only, no odd characters."""
    base = Path(str(name or "")).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return base[:120] or default


async def read_form(request: web.Request, dest_dir: Path, max_bytes: int, csrf_expected: str,
                    file_fields: tuple[str, ...] = ("file",)) -> Upload:
    """Read a multipart form; file parts named in `file_fields` are streamed into `dest_dir`."""
    length = request.content_length
    if length is not None and length > max_bytes + FIELD_LIMIT:
        raise UploadError(413, "web.upload.too_large", limit_mb=max_bytes // (1024 * 1024))
    if not request.content_type.startswith("multipart/"):
        raise UploadError(400, "web.upload.not_multipart")
    csrf_ok = secrets.compare_digest(request.headers.get("X-CSRF-Token", ""), csrf_expected)
    reader = await request.multipart()
    upload = Upload()
    dest_dir.mkdir(parents=True, exist_ok=True)
    try:
        async for part in reader:
            name = part.name or ""
            if part.filename == "":
                await part.release()  # a file input left empty by the browser
            elif part.filename is not None and name in file_fields:
                if not csrf_ok:
                    raise UploadError(403, "web.errors.csrf")
                upload.files[name] = await _save(part, dest_dir, max_bytes)
            elif part.filename is None:
                value = (await part.read(decode=True))[:FIELD_LIMIT].decode("utf-8", "replace")
                if name == "csrf_token":
                    csrf_ok = csrf_ok or secrets.compare_digest(value, csrf_expected)
                else:
                    upload.fields[name] = value
            else:
                await part.release()  # an unexpected file: skip it without storing
        if not csrf_ok:
            raise UploadError(403, "web.errors.csrf")
    except BaseException:
        for saved in upload.files.values():
            saved.path.unlink(missing_ok=True)
        raise
    return upload


async def _save(part, dest_dir: Path, max_bytes: int) -> SavedFile:
    filename = safe_filename(part.filename)
    path = dest_dir / f"{secrets.token_hex(4)}-{filename}"
    size = 0
    try:
        with open(path, "wb") as out:
            while True:
                chunk = await part.read_chunk(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(413, "web.upload.too_large", limit_mb=max_bytes // (1024 * 1024))
                out.write(chunk)
        if size == 0:
            raise UploadError(400, "web.upload.empty")
    except OSError as exc:
        path.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise UploadError(507, "web.upload.disk_full") from None
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SavedFile(path=path, filename=str(part.filename), size=size,
                     content_type=part.headers.get("Content-Type", "application/octet-stream"))
