"""The catalog's records as plain dataclasses: what importers produce and the repository returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Fields of a service that staff may edit locally (kept across re-imports).
EDITABLE_FIELDS = ("name", "description", "fees", "documents", "forms", "links", "leika", "forward_to", "keywords")


@dataclass
class Link:
    name: str
    url: str


@dataclass
class Office:
    """A place where citizens go for a service (Bürgerbüro, Standesamt, ...)."""

    id: str
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    opening_hours: str = ""
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Service:
    """One municipal service. `synonyms` holds the phrases stored in the synonym table."""

    id: str
    name: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    fees: str = ""
    documents: list[str] = field(default_factory=list)
    forms: list[Link] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    leika: str = ""
    forward_to: str = ""
    offices: list[Office] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    source: str = ""
    edited_fields: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Service":
        """Build from our own JSON format (see rathaus/catalog/FORMAT.md)."""
        def links(items: Any) -> list[Link]:
            out = []
            for item in items or []:
                if isinstance(item, str):
                    out.append(Link(name=item, url=""))
                else:
                    out.append(Link(name=str(item.get("name", "")), url=str(item.get("url", ""))))
            return out

        offices = [o if isinstance(o, Office) else Office(**{k: str(v) for k, v in o.items() if k in Office.__dataclass_fields__})
                   for o in data.get("offices") or []]
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            description=str(data.get("description") or ""),
            keywords=[str(k) for k in data.get("keywords") or []],
            fees=str(data.get("fees") or ""),
            documents=[str(d) for d in data.get("documents") or []],
            forms=links(data.get("forms")),
            links=links(data.get("links")),
            leika=str(data.get("leika") or ""),
            forward_to=str(data.get("forward_to") or ""),
            offices=offices,
            synonyms=[str(s) for s in data.get("synonyms") or []],
            source=str(data.get("source") or ""),
        )


@dataclass
class ImportReport:
    """What an import did, for the command line and the web page."""

    path: str
    format: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    offices: int = 0
    synonyms_added: int = 0
    kept_local_edits: int = 0
    retired: int = 0  # services set inactive: the sample town, or (--prune) those the file dropped
    skipped: list[str] = field(default_factory=list)  # "id: reason"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
