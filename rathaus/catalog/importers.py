"""Read catalog files into `Service` records: DLDB JSON, the documented CSV and our own JSON.

Importers only parse; `rathaus.catalog.repository.import_file` writes to the store. Every parse
error names the file and the record so a clerk can fix the file; nothing is written on error.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from rathaus.catalog.html import html_to_text
from rathaus.catalog.model import Link, Office, Service
from rathaus.errors import RathausError

FORMATS = ("dldb", "csv", "json")

# CSV columns (documented in rathaus/catalog/FORMAT.md). Lists inside a cell are separated by "|";
# links and forms are "Name=URL". Offices are given inline with office_* columns.
CSV_COLUMNS = ("id", "name", "description", "keywords", "fees", "documents", "forms", "links", "leika",
               "forward_to", "office_name", "office_address", "office_phone", "office_email",
               "office_opening_hours")


def detect_format(path: Path) -> str:
    """dldb for a JSON file whose top level is {"data": [...]} of DLDB services; json otherwise."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix == ".json":
        try:
            with path.open(encoding="utf-8") as fh:
                head = fh.read(4096)
        except OSError as exc:
            raise RathausError(f"cannot read {path}: {exc.strerror}") from None
        if '"data"' in head and ('"leika"' in head or '"authorities"' in head or '"meta"' in head):
            return "dldb"
        return "json"
    raise RathausError(f"cannot tell the catalog format of {path}: use --format dldb|csv|json")


def read_catalog(path: str | Path, format: str | None = None) -> tuple[str, list[Service]]:
    """(format, services) of a catalog file."""
    path = Path(path)
    if not path.is_file():
        raise RathausError(f"catalog file not found: {path}")
    fmt = format or detect_format(path)
    if fmt not in FORMATS:
        raise RathausError(f"unknown catalog format '{fmt}' (use one of {', '.join(FORMATS)})")
    reader = {"dldb": read_dldb, "csv": read_csv, "json": read_json}[fmt]
    services = reader(path)
    ids = set()
    for service in services:
        if not service.id.strip() or not service.name.strip():
            raise RathausError(f"{path}: a service without id or name ({service.id!r} {service.name!r})")
        if service.id in ids:
            raise RathausError(f"{path}: service id {service.id} appears twice")
        ids.add(service.id)
    return fmt, services


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise RathausError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RathausError(f"{path} is not valid JSON: {exc}") from None


# --- our own JSON -------------------------------------------------------------------------------

def read_json(path: Path) -> list[Service]:
    """{"services": [...], "offices": [...]}: services name offices by id in "office_ids"."""
    data = _load_json(path)
    if isinstance(data, list):
        data = {"services": data}
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise RathausError(f"{path}: expected an object with a \"services\" list (see FORMAT.md)")
    offices = {}
    for raw in data.get("offices") or []:
        try:
            office = Office(**{k: str(v) for k, v in raw.items() if k in Office.__dataclass_fields__})
        except TypeError as exc:
            raise RathausError(f"{path}: bad office {raw!r}: {exc}") from None
        offices[office.id] = office
    out = []
    for i, raw in enumerate(data["services"]):
        if not isinstance(raw, dict) or "id" not in raw or "name" not in raw:
            raise RathausError(f"{path}: service #{i + 1} needs at least \"id\" and \"name\"")
        service = Service.from_dict(raw)
        for office_id in raw.get("office_ids") or []:
            if str(office_id) not in offices:
                raise RathausError(f"{path}: service {service.id} names unknown office {office_id}")
            service.offices.append(offices[str(office_id)])
        out.append(service)
    return out


# --- CSV ----------------------------------------------------------------------------------------

def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


def _links(cell: str | None) -> list[Link]:
    out = []
    for part in _split(cell):
        name, sep, url = part.partition("=")
        out.append(Link(name=name.strip(), url=url.strip()) if sep else Link(name=part, url=part if "://" in part else ""))
    return out


def read_csv(path: Path) -> list[Service]:
    """One service per row; header row with the CSV_COLUMNS (id and name required)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RathausError(f"{path} is not UTF-8 text") from None
    dialect = csv.excel_tab if path.suffix.lower() == ".tsv" or ("\t" in text.split("\n", 1)[0]) else csv.excel
    if dialect is csv.excel and ";" in text.split("\n", 1)[0] and "," not in text.split("\n", 1)[0]:
        dialect = type("semicolon", (csv.excel,), {"delimiter": ";"})
    rows = csv.DictReader(text.splitlines(), dialect=dialect)
    missing = {"id", "name"} - set(rows.fieldnames or [])
    if missing:
        raise RathausError(f"{path}: missing column(s) {', '.join(sorted(missing))}; expected {', '.join(CSV_COLUMNS)}")
    unknown = set(rows.fieldnames or []) - set(CSV_COLUMNS)
    if unknown:
        raise RathausError(f"{path}: unknown column(s) {', '.join(sorted(unknown))}; expected {', '.join(CSV_COLUMNS)}")
    out = []
    for line, row in enumerate(rows, start=2):
        if not (row.get("id") or "").strip() and not (row.get("name") or "").strip():
            continue
        if not (row.get("id") or "").strip() or not (row.get("name") or "").strip():
            raise RathausError(f"{path}: line {line} needs id and name")
        offices = []
        if (row.get("office_name") or "").strip():
            offices.append(Office(
                id=f"csv-{row['office_name'].strip().lower().replace(' ', '-')}",
                name=row["office_name"].strip(), address=(row.get("office_address") or "").strip(),
                phone=(row.get("office_phone") or "").strip(), email=(row.get("office_email") or "").strip(),
                opening_hours=(row.get("office_opening_hours") or "").strip()))
        out.append(Service(
            id=row["id"].strip(), name=row["name"].strip(),
            description=(row.get("description") or "").strip(),
            keywords=_split(row.get("keywords")), fees=(row.get("fees") or "").strip(),
            documents=_split(row.get("documents")), forms=_links(row.get("forms")),
            links=_links(row.get("links")), leika=(row.get("leika") or "").strip(),
            forward_to=(row.get("forward_to") or "").strip(), offices=offices))
    return out


# --- DLDB (Berlin / Munich appointment systems) -------------------------------------------------

def _dldb_address(raw: dict) -> str:
    addr = raw.get("address") or {}
    if not isinstance(addr, dict):
        return str(addr)
    street = " ".join(x for x in (str(addr.get("street") or ""), str(addr.get("house_number") or "")) if x).strip()
    city = " ".join(x for x in (str(addr.get("postal_code") or ""), str(addr.get("city") or "")) if x).strip()
    return ", ".join(x for x in (street, city) if x)


def _dldb_hours(raw: dict) -> str:
    for key in ("opening_hours", "openingHours", "openinghours"):
        value = raw.get(key)
        if isinstance(value, str):
            return html_to_text(value)
        if isinstance(value, dict):
            return "; ".join(f"{day}: {html_to_text(str(v))}" for day, v in value.items() if v)
    return ""


def _dldb_locations(path: Path) -> dict[str, Office]:
    candidates = [path.with_name(path.name.replace("services", "locations"))]
    candidates += sorted(path.parent.glob("locations*.json"))
    for candidate in candidates:
        if candidate != path and candidate.is_file():
            data = _load_json(candidate)
            items = data.get("data", []) if isinstance(data, dict) else data
            offices = {}
            for raw in items:
                contact = raw.get("contact") or {}
                offices[str(raw["id"])] = Office(
                    id=f"dldb-{raw['id']}",
                    name=str(raw.get("displayName") or raw.get("name") or raw["id"]),
                    address=_dldb_address(raw),
                    phone=str(contact.get("phone") or ""),
                    email=str(contact.get("email") or ""),
                    opening_hours=_dldb_hours(raw),
                    url=str(contact.get("webinfo") or ""),
                )
            return offices
    return {}


def _dldb_links(items: Any) -> list[Link]:
    return [Link(name=html_to_text(str(i.get("name") or "")), url=str(i.get("link") or ""))
            for i in items or [] if isinstance(i, dict)]


def _dldb_requirements(raw: dict) -> list[str]:
    """What to bring: Berlin's DLDB lists it in "requirements" (Munich's export has none)."""
    out = []
    for item in raw.get("requirements") or raw.get("prerequisites") or []:
        name = html_to_text(str(item.get("name") or "")) if isinstance(item, dict) else html_to_text(str(item))
        if name:
            out.append(name.replace("\n", " "))
    return out


def read_dldb(path: Path) -> list[Service]:
    """services_*.json (DLDB export); offices from locations_*.json beside it when present."""
    data = _load_json(path)
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RathausError(f"{path}: not a DLDB export (expected {{\"data\": [services]}})")
    locations = _dldb_locations(path)
    out = []
    for raw in items:
        if not isinstance(raw, dict) or "id" not in raw or "name" not in raw:
            raise RathausError(f"{path}: a DLDB record without id/name: {str(raw)[:80]}")
        meta = raw.get("meta") or {}
        keywords = [k.strip() for k in str(meta.get("keywords") or "").split(",") if k.strip()]
        offices = [locations[str(loc.get("location"))] for loc in raw.get("locations") or []
                   if str(loc.get("location")) in locations]
        forms = _dldb_links(raw.get("forms"))
        form_urls = {f.url for f in forms}
        links = [link for link in _dldb_links(raw.get("links")) if link.url not in form_urls]
        out.append(Service(
            id=str(raw["id"]), name=html_to_text(str(raw["name"])),
            description=html_to_text(raw.get("description")),
            keywords=keywords, fees=html_to_text(raw.get("fees")),
            documents=_dldb_requirements(raw), forms=forms, links=links, leika=str(raw.get("leika") or ""),
            offices=offices))
    return out
