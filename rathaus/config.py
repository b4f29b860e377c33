"""Configuration: the documented defaults in defaults.toml, overlaid by one user TOML file.

Precedence, lowest first: defaults.toml, the file named by --config or RATHAUS_CONFIG, then
RATHAUS_DB / --db for the database path. Unknown sections or keys in the user file are an error,
so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from rathaus.errors import RathausError

T = TypeVar("T")


def _defaults() -> dict[str, dict[str, Any]]:
    text = resources.files("rathaus").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass
class Config:
    """The effective configuration. Sections are plain dicts; domains read them with `settings()`
    (into their own dataclass) or `get("section.key")`."""

    data: dict[str, dict[str, Any]]
    source: Path | None = None
    db_override: str | None = None
    _dirs_made: bool = field(default=False, repr=False)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, db: str | None = None) -> "Config":
        data = _defaults()
        path = path or os.environ.get("RATHAUS_CONFIG") or None
        source = None
        if path:
            source = Path(path)
            try:
                user = tomllib.loads(source.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise RathausError(f"configuration file not found: {source}") from None
            except tomllib.TOMLDecodeError as exc:
                raise RathausError(f"configuration file {source} is not valid TOML: {exc}") from None
            _merge(data, user, source)
        return cls(data=data, source=source, db_override=db or os.environ.get("RATHAUS_DB") or None)

    def settings(self, name: str, cls: type[T]) -> T:
        """Build the dataclass `cls` from section `name`, ignoring keys the class does not declare."""
        assert is_dataclass(cls)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in self.data[name].items() if k in known})

    def get(self, dotted: str) -> Any:
        section, key = dotted.split(".", 1)
        return self.data[section][key]

    @property
    def data_dir(self) -> Path:
        configured = self.data["general"]["data_dir"]
        if configured:
            base = Path(configured).expanduser()
        elif os.environ.get("RATHAUS_HOME"):
            base = Path(os.environ["RATHAUS_HOME"]).expanduser()
        else:
            xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
            base = Path(xdg) / "rathaus"
        if not self._dirs_made:
            base.mkdir(parents=True, exist_ok=True)
            self._dirs_made = True
        return base

    @property
    def db_path(self) -> Path:
        if self.db_override:
            return Path(self.db_override).expanduser()
        configured = self.data["general"]["db"]
        return Path(configured).expanduser() if configured else self.data_dir / "rathaus.db"

    def path(self, dotted: str, default_subdir: str) -> Path:
        """A directory setting: the configured path, or <data_dir>/<default_subdir> when empty."""
        value = self.get(dotted)
        return Path(value).expanduser() if value else self.data_dir / default_subdir

    @property
    def meetings_dir(self) -> Path:
        """Where meeting recordings and their work files live; the meeting flow writes there and
        the retention in the core deletes from there, so the answer lives here, below both."""
        return self.path("meetings.meetings_dir", "meetings")

    def to_toml(self) -> str:
        effective = {s: dict(v) for s, v in self.data.items()}
        effective["general"]["data_dir"] = str(self.data_dir)
        effective["general"]["db"] = str(self.db_path)
        for values in effective.values():  # every secret, also keys added later ([meetings] pyannote_token)
            for key, value in values.items():
                if value and is_secret_key(key):
                    values[key] = "***"
        return dump_toml(effective)


SECRET_SUFFIXES = ("password", "api_key", "token", "secret")


def is_secret_key(key: str) -> bool:
    """Whether a configuration key holds a secret, by its name: `config show` masks these, so a
    printout pasted into a ticket never leaks a password, API key or hub token."""
    return key.lower().endswith(SECRET_SUFFIXES)


def _merge(base: dict, user: dict, source: Path) -> None:
    for section, values in user.items():
        if section not in base or not isinstance(values, dict):
            raise RathausError(f"{source}: unknown section [{section}]")
        for key, value in values.items():
            if key not in base[section]:
                raise RathausError(f"{source}: unknown key '{key}' in [{section}]")
            expected = type(base[section][key])
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected):
                raise RathausError(
                    f"{source}: [{section}] {key} must be {expected.__name__}, got {type(value).__name__}"
                )
            base[section][key] = value


def dump_toml(sections: dict[str, dict[str, Any]]) -> str:
    """Sections of flat keys (the shape of every Rathaus configuration) as TOML text that
    tomllib reads back to the same values (strings with newlines, quotes, control characters and
    any unicode included); a value TOML cannot hold is a RathausError, never a broken file."""
    out = []
    for section, values in sections.items():
        out.append(f"[{_toml_key(section)}]")
        out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items())
        out.append("")
    return "\n".join(out)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# TOML basic strings: the short escapes, every other control character (U+0000-U+001F, U+007F)
# as \uXXXX; everything else, any unicode included, is written as itself
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r",
                  '"': '\\"', "\\": "\\\\"}


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(value: str) -> str:
    parts = []
    for char in value:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            parts.append(_SHORT_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            parts.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise RathausError(f"cannot write a lone surrogate (U+{code:04X}) to TOML")
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise RathausError(f"integer {value} does not fit a TOML integer (64 bit)")
        return str(value)
    if isinstance(value, float):
        return repr(value)  # nan, inf, -inf, 1e+100: all valid TOML floats
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, os.PathLike):
        return _toml_string(os.fspath(value))
    raise RathausError(f"cannot write {type(value).__name__} to TOML")
