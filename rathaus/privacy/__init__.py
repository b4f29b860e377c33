"""Privacy (GDPR): redaction of personal data, the keyed caller hash, retention and data-subject
requests. Settings come from the [privacy] section of the configuration.

The phone records, the meeting exports and the log filter have no configuration object at hand,
so the CLI installs one process-wide `Policy` (`install(config)` in `apps.cli.main`); code that
runs without the CLI (tests, scripts) gets the one of the environment's configuration.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from rathaus.errors import RathausError
from rathaus.privacy.redact import KINDS, Redaction, normalize_number, redact

KEY_FILE = "privacy.key"


@dataclass(frozen=True)
class Policy:
    """What to redact where, and where the number key lives."""

    kinds: tuple[str, ...]
    any_date: bool = False
    names: bool = False
    meetings: bool = True
    logs: bool = True
    key_path: Path | None = None

    @classmethod
    def from_config(cls, config) -> "Policy":
        section = config.data["privacy"]
        kinds = list(section["redact"])
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise RathausError(f"[privacy] redact: unknown kind(s) {', '.join(unknown)} (known: {', '.join(KINDS)})")
        if section["redact_addresses"] and "address" not in kinds:
            kinds.append("address")
        if section["redact_names"] and "name" not in kinds:
            kinds.append("name")
        key = Path(section["key_file"]).expanduser() if section["key_file"] else config.data_dir / KEY_FILE
        return cls(kinds=tuple(kinds), any_date=section["redact_all_dates"], names="name" in kinds,
                   meetings=section["redact_meetings"], logs=section["redact_logs"], key_path=key)

    def redact(self, text: str, names: Iterable[str] = (), allow_numbers: frozenset[str] = frozenset()) -> Redaction:
        return redact(text, self.kinds, names if self.names else (), self.any_date, allow_numbers=allow_numbers)

    def redact_data(self, value: Any, names: Iterable[str] = (), allow_numbers: frozenset[str] = frozenset()) -> Any:
        """Every string inside a JSON-like value redacted (for hand-off records and JSON exports)."""
        if isinstance(value, str):
            return self.redact(value, names, allow_numbers).text
        if isinstance(value, dict):
            return {k: self.redact_data(v, names, allow_numbers) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact_data(v, names, allow_numbers) for v in value]
        return value

    def caller_hash(self, number: str | None) -> str | None:
        """HMAC-SHA256 of the normalized full number: lets a data-subject request find a caller's
        calls although only the masked number is stored. None for anonymous callers."""
        normalized = normalize_number(number or "")
        if len(normalized) < 3 or self.key_path is None:
            return None
        return hmac.new(_key(self.key_path), normalized.encode(), hashlib.sha256).hexdigest()


_KEY_LOCK = threading.Lock()
_keys: dict[Path, bytes] = {}


def _key(path: Path) -> bytes:
    """The secret of the caller hash, created once (mode 0600). Created with a hard link from a
    finished temporary file, so two SIP workers starting together agree on one key."""
    with _KEY_LOCK:
        if path in _keys:
            return _keys[path]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        try:
            key = bytes.fromhex(path.read_text().strip())
        except (OSError, ValueError) as exc:
            raise RathausError(f"privacy key {path} is unreadable: {exc}") from None
        _keys[path] = key
        return key


_policy: Policy | None = None


def install(config) -> Policy:
    """Make the configuration's policy the process-wide one and put the redacting filter on the
    root logger's handlers (called by the CLI after logging is set up)."""
    global _policy
    _policy = Policy.from_config(config)
    if _policy.logs:
        from rathaus.privacy.logfilter import install_filter

        install_filter(logging.getLogger())
    return _policy


def policy() -> Policy:
    """The process-wide policy; without `install`, the one of the environment's configuration,
    read again on each call (not cached, so embedding code and tests that change the
    environment get what they configured)."""
    if _policy is not None:
        return _policy
    from rathaus.config import Config

    return Policy.from_config(Config.load())


def set_policy(value: Policy | None) -> None:
    """Replace (or with None: forget) the process-wide policy; for tests and embedding."""
    global _policy
    _policy = value
