"""The minutes as an OParl 1.1 Meeting (protocol.oparl.json) for the council information system.

OParl 1.1 (https://oparl.org, schemas in tests/data/oparl-schema/) requires every `id` to be a
URL and `start`/`created`/`modified` to be date-times. Ids are built under a base URL, the
[meetings] oparl_base_url of the configuration (the town's public address of its OParl data,
e.g. "https://ris.musterstadt.de/oparl"); empty means "http://<[web] host>:<http_port>/oparl".
An agenda imported from the council information system keeps what that system needs to match
the export to its own records: the Meeting's id, organization and Location, and every
AgendaItem's id and consultation. The minutes are attached as File objects: resultsProtocol
(protocol.pdf, the Niederschrift) and verbatimProtocol (transcript.vtt, every word with speaker
and time); with the written files at hand they carry size and SHA-1 checksum.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import prompts
from meetings.minutes import Minutes

SCHEMA = "https://schema.oparl.org/1.1/"
DEFAULT_BASE_URL = "http://127.0.0.1:8080/oparl"
TIMEZONE = ZoneInfo("Europe/Berlin")   # a date-time typed without offset is local German time
_URL = re.compile(r"^https?://[^\s/]+", re.I)


def base_url(config: Any | None) -> str:
    """[meetings] oparl_base_url, else one built from [web] host and http_port."""
    if config is None:
        return DEFAULT_BASE_URL
    data = getattr(config, "data", config)
    configured = str(data.get("meetings", {}).get("oparl_base_url") or "").strip()
    if configured:
        return configured.rstrip("/")
    web = data.get("web", {})
    host, port = web.get("host") or "127.0.0.1", web.get("http_port") or 8080
    return f"http://{host}:{port}/oparl"


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def date_time(value: str | None) -> str | None:
    """An ISO date-time with offset (RFC 3339) from what the clerk or the agenda gave; a date
    without a time gives None, since OParl's start is a date-time and a made-up hour is wrong."""
    if not value or not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value.strip()):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=TIMEZONE)
    return parsed.isoformat()


def _day(value: str | None) -> str | None:
    match = re.match(r"^(\d{4}-\d{2}-\d{2})", (value or "").strip())
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return None


def oparl_meeting(minutes: Minutes, base: str | None = None,
                  files: dict[str, Path] | None = None) -> dict:
    """The protocol as an OParl 1.1 Meeting with embedded AgendaItem and File objects.

    `files`: export kind -> written file, for the File objects' size and checksum."""
    base = (base or DEFAULT_BASE_URL).rstrip("/")
    meta = minutes.meta
    agenda = minutes.agenda
    own = f"{base}/meeting/{quote(meta.file_id, safe='')}"
    meeting_id = agenda.id if agenda is not None and is_url(agenda.id) else own
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    name = meta.title or (prompts.text("meetings.oparl.meeting_name", minutes.language, body=meta.body)
                          if meta.body else meta.file_id)
    meeting: dict = {"id": meeting_id, "type": SCHEMA + "Meeting", "name": name,
                     "meetingState": "durchgeführt", "cancelled": False}
    start = date_time(meta.date) or date_time(agenda.start if agenda else None)
    if start:
        meeting["start"] = start
    end = date_time(agenda.end) if agenda else None
    if end:
        meeting["end"] = end
    location = _location(minutes, own, now)
    if location:
        meeting["location"] = location
    if agenda is not None and agenda.organization:
        meeting["organization"] = [o for o in agenda.organization if is_url(o)]
    day = _day(meta.date) or _day(agenda.start if agenda else None)
    meeting["resultsProtocol"] = _file(own, "protocol.pdf", "application/pdf", day, now, files, "pdf",
                                       prompts.text("meetings.oparl.results_protocol", minutes.language))
    meeting["verbatimProtocol"] = _file(own, "transcript.vtt", "text/vtt", day, now, files, "vtt",
                                        prompts.text("meetings.oparl.verbatim_protocol", minutes.language))
    meeting["agendaItem"] = _items(minutes, own, meeting_id, now)
    meeting["created"] = meeting["modified"] = now
    return meeting


def _location(minutes: Minutes, own: str, now: str) -> dict | None:
    kept = minutes.agenda.oparl_location if minutes.agenda is not None else None
    if isinstance(kept, dict) and is_url(kept.get("id")):
        return dict(kept)
    if minutes.meta.place:
        return {"id": f"{own}/location", "type": SCHEMA + "Location",
                "description": minutes.meta.place, "created": now, "modified": now}
    return None


def _file(own: str, filename: str, mime: str, day: str | None, now: str,
          files: dict[str, Path] | None, kind: str, name: str) -> dict:
    url = f"{own}/file/{filename}"
    entry: dict = {"id": url, "type": SCHEMA + "File", "name": name, "fileName": filename,
                   "mimeType": mime, "accessUrl": url, "downloadUrl": url}
    if day:
        entry["date"] = day
    path = (files or {}).get(kind)
    if path is not None and Path(path).is_file():
        data = Path(path).read_bytes()
        entry["size"] = len(data)
        entry["sha1Checksum"] = hashlib.sha1(data).hexdigest()
    entry["created"] = entry["modified"] = now
    return entry


def _items(minutes: Minutes, own: str, meeting_id: str, now: str) -> list[dict]:
    items = []
    order = 0
    for item in minutes.items:
        if item.source is None and item.number is None and not item.contributions:
            continue   # the opening before the first item, when nothing was said in it
        order += 1
        source = item.source
        entry: dict = {
            "id": source.id if source is not None and is_url(source.id) else f"{own}/agendaitem/{order}",
            "type": SCHEMA + "AgendaItem",
            "meeting": meeting_id,
            "number": item.number or "",
            "order": order,
            "name": item.title,
            "public": item.public,
        }
        if source is not None and is_url(source.consultation):
            entry["consultation"] = source.consultation
        if item.public:   # published data: a non-public item shows its name only
            entry["result"] = item.result_text(minutes.language)
            resolution = item.resolution()
            if resolution:
                entry["resolutionText"] = resolution
        entry["created"] = entry["modified"] = now
        items.append(entry)
    return items
