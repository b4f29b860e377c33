"""The agenda (Tagesordnung) of a meeting, from an OParl Meeting object or a plain text list.

The minutes are organised by agenda item, and transition detection needs the item numbers and
titles, so the agenda is read before the transcript is split. Two sources exist in practice:
the council information system's OParl 1.1 export (a Meeting object with embedded agendaItem
entries) and a list the clerk types or pastes ("1. Eröffnung", "TOP 2 Haushalt", "N 4 ...").
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from meetings.textfile import read_text_file
from rathaus.errors import RathausError


@dataclass
class AgendaItem:
    """One point of the agenda (OParl AgendaItem: number, name, public, result)."""

    number: str
    title: str
    public: bool = True
    result: str | None = None
    resolution_text: str | None = None
    id: str | None = None              # OParl id (URL) of the item, kept for the export
    consultation: str | None = None    # OParl Consultation URL: links the item to its paper

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Agenda:
    """The ordered agenda plus what the source says about the meeting itself."""

    items: list[AgendaItem] = field(default_factory=list)
    name: str | None = None        # meeting name, e.g. "4. Sitzung des Finanzausschusses"
    start: str | None = None       # ISO date-time when known
    location: str | None = None
    id: str | None = None          # OParl id of the meeting
    # Kept from an OParl import so that the export matches the council information system:
    end: str | None = None
    oparl_location: dict | str | None = None    # the Location object (or its URL) as given
    organization: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def find(self, number: str | int | None) -> AgendaItem | None:
        """The item with this number ("4", "10.1"); tolerant of "04", "4." and "TOP 4"."""
        if number is None:
            return None
        wanted = normalize_number(str(number))
        for item in self.items:
            if item.number and normalize_number(item.number) == wanted:
                return item
        return None

    def numbers(self) -> list[str]:
        return [item.number for item in self.items]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "start": self.start, "location": self.location, "id": self.id,
                "end": self.end, "oparl_location": self.oparl_location,
                "organization": list(self.organization),
                "items": [item.to_dict() for item in self.items]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | list[dict[str, Any]]) -> "Agenda":
        """Inverse of to_dict; also accepts the bare list of item dicts (as stored by the store)."""
        if isinstance(data, list):
            data = {"items": data}
        known = AgendaItem.__dataclass_fields__
        items = [AgendaItem(**{k: v for k, v in item.items() if k in known})
                 for item in data.get("items", []) if isinstance(item, dict)]
        return cls(items=items, name=data.get("name"), start=data.get("start"),
                   location=data.get("location"), id=data.get("id"), end=data.get("end"),
                   oparl_location=data.get("oparl_location"),
                   organization=list(data.get("organization") or []))


def normalize_number(number: str) -> str:
    """Canonical form of an item number: "TOP 04." -> "4", "10.01" -> "10.1", "3a" -> "3a"."""
    text = re.sub(r"(?i)^\s*(top|punkt|tagesordnungspunkt|ö|n)\s*", "", number.strip())
    text = text.strip().rstrip(".:)").strip()
    parts = [p.lstrip("0") or "0" if p.isdigit() else p.lower() for p in text.split(".")]
    return ".".join(parts)


def load_agenda(path: str | Path) -> Agenda:
    """Read an agenda file: OParl JSON (Meeting, list of AgendaItems, or a paged list) or text.

    Raises RathausError with the reason when the file is missing, unreadable or holds no items.
    """
    path = Path(path)
    text = read_text_file(path, "agenda")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")) or path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RathausError(f"agenda file {path} is not valid JSON: {exc.msg} "
                               f"(line {exc.lineno})") from None
        agenda = agenda_from_oparl(data)
    else:
        agenda = parse_agenda_text(text)
    if not agenda.items:
        raise RathausError(f"agenda file {path} contains no agenda items")
    return agenda


def agenda_from_oparl(data: Any) -> Agenda:
    """An Agenda from an OParl 1.1 Meeting, a list of AgendaItem objects or {"data": [...]}."""
    if isinstance(data, dict) and "agendaItem" in data:
        meeting = data
        entries = data["agendaItem"]
    elif isinstance(data, dict) and str(data.get("type", "")).endswith("/Meeting"):
        meeting, entries = data, []   # a Meeting published before its agenda: no items
    elif isinstance(data, dict) and isinstance(data.get("data"), list):
        meeting, entries = {}, data["data"]
    elif isinstance(data, list):
        meeting, entries = {}, data
    elif isinstance(data, dict) and str(data.get("type", "")).endswith("/AgendaItem"):
        meeting, entries = {}, [data]
    else:
        raise RathausError("agenda JSON is neither an OParl Meeting (with agendaItem) nor a list "
                           "of OParl AgendaItem objects")
    if not isinstance(entries, list):
        raise RathausError("OParl agendaItem must be a list")
    items: list[AgendaItem] = []
    for index, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            raise RathausError("OParl agendaItem holds only URLs; export the Meeting with embedded "
                               "agenda items")
        if not isinstance(entry, dict):
            raise RathausError(f"OParl agenda item {index} is not an object")
        name = str(entry.get("name") or "").strip()
        if not name:
            continue
        items.append(AgendaItem(
            number=str(entry.get("number") or "").strip(),
            title=" ".join(name.split()),
            public=bool(entry.get("public", True)),
            result=(entry.get("result") or None),
            resolution_text=(entry.get("resolutionText") or None),
            id=_url(entry.get("id")),
            consultation=_url(entry.get("consultation")),
        ))
    location = raw_location = meeting.get("location")
    if isinstance(location, dict):
        location = location.get("description") or location.get("room") or location.get("locality")
    elif location is not None and not isinstance(location, str):
        location = None
    organization = meeting.get("organization")
    return Agenda(items=items, name=meeting.get("name"), start=meeting.get("start"),
                  location=location, id=_url(meeting.get("id")), end=meeting.get("end"),
                  oparl_location=raw_location if isinstance(raw_location, (dict, str)) else None,
                  organization=[o for o in organization if isinstance(o, str)]
                  if isinstance(organization, list) else [])


def _url(value: Any) -> str | None:
    """An OParl reference as text, or None (a malformed id is dropped, not exported)."""
    return value.strip() if isinstance(value, str) and value.strip() else None


# "1. Title", "1) Title", "TOP 2 Title", "TOP 2: Title", "Ö 3 Title", "N 4 Title", "10.1 Title",
# "Ö 3.1: Title", "Punkt 5 Title", "3a Title"; a trailing "(nicht öffentlich)" also marks non-public.
_ITEM_LINE = re.compile(
    r"""^\s*
        (?:(?P<mark>[ÖöNn])\s*[-.:]?\s*(?=\d))?              # Ö / N public marks
        (?:(?:TOP|Top|top|TO|Punkt|Tagesordnungspunkt)\s*[-.:]?\s*)?
        (?P<number>\d{1,3}(?:\.\d{1,3})*[a-z]?)
        \s*(?:[.):]|\s-\s|\s)\s*
        (?P<title>\S.*?)\s*$""",
    re.VERBOSE,
)
_NON_PUBLIC = re.compile(r"\(?\s*(nicht[- ]?öffentlich|nichtöffentlich|n\.\s?ö\.)\s*\)?\s*$",
                         re.IGNORECASE)
_SECTION = re.compile(r"^\s*(nicht[- ]?öffentlich\w*|nichtöffentliche[rs]? teil.*)\s*:?\s*$",
                      re.IGNORECASE)
_PUBLIC_SECTION = re.compile(r"^\s*(öffentlich\w*|öffentliche[rs]? teil.*)\s*:?\s*$",
                             re.IGNORECASE)


def parse_agenda_text(text: str) -> Agenda:
    """Items from a typed list: one per line; continuation lines extend the previous title.

    A line "Nichtöffentlicher Teil" marks the following items non-public (as printed
    invitations do); "N 4" or a trailing "(nicht öffentlich)" marks a single item.
    """
    items: list[AgendaItem] = []
    public_default = True
    auto = 0
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        if _SECTION.match(line):
            public_default = False
            continue
        if _PUBLIC_SECTION.match(line):
            public_default = True
            continue
        match = _ITEM_LINE.match(line)
        if match:
            title = match.group("title")
            public = public_default
            mark = (match.group("mark") or "").lower()
            if mark == "n":
                public = False
            elif mark == "ö":
                public = True
            if _NON_PUBLIC.search(title):
                public = False
                title = _NON_PUBLIC.sub("", title).strip(" -–:")
            items.append(AgendaItem(number=normalize_number(match.group("number")),
                                    title=" ".join(title.split()), public=public))
        elif line[:1].isspace() and items:
            items[-1].title = f"{items[-1].title} {' '.join(line.split())}"
        elif line.lstrip().startswith(("-", "*", "•")):
            auto += 1
            title = line.lstrip().lstrip("-*•").strip()
            items.append(AgendaItem(number=str(len(items) + 1), title=title,
                                    public=public_default))
        elif items:
            items[-1].title = f"{items[-1].title} {' '.join(line.split())}"
    return Agenda(items=items)
