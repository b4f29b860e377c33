"""The [webchat] section, and the origin checks built from its allow list."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rathaus.config import Config


@dataclass
class ChatSettings:
    enabled: bool = True
    allowed_origins: list[str] = field(default_factory=list)
    office: str = ""
    per_address_per_minute: int = 20
    global_per_minute: int = 600
    max_message_chars: int = 500
    max_body_bytes: int = 4096
    max_pending: int = 64
    workers: int = 2
    idle_minutes: int = 60
    port: int = 8090

    def origins(self) -> frozenset[str]:
        return frozenset(o for o in (normalize_origin(x) for x in self.allowed_origins) if o)


def chat_settings(config: Config) -> ChatSettings:
    return config.settings("webchat", ChatSettings)


def normalize_origin(value: str | None) -> str | None:
    """'https://www.Musterstadt.de/' -> 'https://www.musterstadt.de'; None for anything that is
    not an http(s) origin (also 'null', the origin of sandboxed frames and files)."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def csp_source(origin: str) -> str:
    """An origin as a CSP source expression (no quotes, no spaces or semicolons possible)."""
    return origin if all(ch not in origin for ch in " ;,'\"") else ""
