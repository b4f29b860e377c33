"""The members of a council body (name, role, party): the attendance list of the minutes.

Clerks keep this list in whatever they have at hand: a CSV export of the council information
system, a JSON list (or OParl Person objects), or a TOML file next to the configuration.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from meetings.textfile import read_text_file
from rathaus.errors import RathausError

_NAME_KEYS = ("name", "Name", "full_name", "fullName")
_ROLE_KEYS = ("role", "Rolle", "Funktion", "function", "title")
_PARTY_KEYS = ("party", "Partei", "Fraktion", "faction", "group")
_PRESENT_KEYS = ("present", "anwesend", "Anwesend")


@dataclass
class Member:
    """One member: shown in the attendance list as "Name (Partei)", the chair with role."""

    name: str
    role: str | None = None
    party: str | None = None
    present: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    for key in keys:
        if key.lower() in lowered and lowered[key.lower()] not in (None, ""):
            return lowered[key.lower()]
    return None


def _truthy(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "nein", "no", "n", "abwesend",
                                              "entschuldigt", "")


def _member(row: Any, where: str) -> Member:
    if isinstance(row, str):
        name = row.strip()
        if not name:
            raise RathausError(f"{where}: empty member name")
        return Member(name=name)
    if not isinstance(row, dict):
        raise RathausError(f"{where}: a member must be an object with name, role, party")
    name = _pick(row, _NAME_KEYS)
    if name is None and ("givenName" in row or "familyName" in row):  # OParl Person
        name = " ".join(str(row.get(k, "")) for k in ("title", "givenName", "familyName")
                        if row.get(k) and not isinstance(row.get(k), list)).strip()
    if not name or not str(name).strip():
        raise RathausError(f"{where}: member without a name")
    role = _pick(row, _ROLE_KEYS)
    party = _pick(row, _PARTY_KEYS)
    return Member(name=" ".join(str(name).split()),
                  role=str(role).strip() if role else None,
                  party=str(party).strip() if party else None,
                  present=_truthy(_pick(row, _PRESENT_KEYS)))


def load_members(path: str | Path) -> list[Member]:
    """Members from a CSV (header with name/role/party; ',' or ';'), JSON or TOML file.

    JSON: a list of objects or names, or {"members": [...]}; TOML: [[members]] tables. A column
    "present"/"anwesend" marks absent members (shown as excused). Bad file -> RathausError.
    """
    path = Path(path)
    text = read_text_file(path, "members")
    suffix = path.suffix.lower()
    stripped = text.lstrip()
    if suffix == ".json":
        kind = "json"
    elif suffix == ".toml":
        kind = "toml"
    elif suffix == ".csv":
        kind = "csv"
    elif stripped.startswith("[[") or stripped.startswith("members"):
        kind = "toml"
    elif stripped.startswith(("{", "[")):
        kind = "json"
    else:
        kind = "csv"
    if kind == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RathausError(f"members file {path} is not valid JSON: {exc.msg} "
                               f"(line {exc.lineno})") from None
        if isinstance(data, dict):
            data = data.get("members", data.get("data"))
        if not isinstance(data, list):
            raise RathausError(f"members file {path}: expected a list of members")
        rows = data
    elif kind == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RathausError(f"members file {path} is not valid TOML: {exc}") from None
        rows = data.get("members")
        if not isinstance(rows, list):
            raise RathausError(f"members file {path}: expected [[members]] tables")
    else:
        sample = text[:2048]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        if not reader.fieldnames or not any(
                f and f.strip().lower() in [k.lower() for k in _NAME_KEYS] for f in reader.fieldnames):
            raise RathausError(f"members file {path}: CSV needs a header with a 'name' column")
        rows = list(reader)
    members = [_member(row, f"{path.name} entry {i}") for i, row in enumerate(rows, start=1)]
    if not members:
        raise RathausError(f"members file {path} lists no members")
    return members
