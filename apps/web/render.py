"""Template helpers: the text lookup `t`, filters, and the context every page gets."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

import prompts
from apps.web.keys import SESSION, USER

LANG = "de"


def t(key: str, **fields: Any) -> str:
    """A text of the page: prompts/<lang>/web.toml, key without the "web." prefix."""
    return prompts.text(f"web.{key}", LANG, **fields)


def t_opt(key: str, default: str = "") -> str:
    """Like t, but for keys that may not exist (e.g. a flash code from a URL)."""
    full = f"web.{key}"
    return prompts.text(full, LANG) if prompts.has(full, LANG) or prompts.has(full, "de") else default


def static_dir() -> Path:
    return Path(str(resources.files("apps.web").joinpath("static")))


def context(request: web.Request) -> dict[str, Any]:
    """What every page template gets besides its own values."""
    session = request.get(SESSION)
    flash_key = request.query.get("ok") or ""
    error_key = request.query.get("err") or ""
    return {
        "user": request.get(USER),
        "csrf_token": session.csrf_token if session else "",
        "t": t,
        "path": request.path,
        "flash": t_opt(f"flash.{flash_key}") if flash_key.isidentifier() else "",
        "flash_error": t_opt(f"flash.{error_key}") if error_key.isidentifier() else "",
        "static": lambda name: request.app.router["static"].url_for(filename=name),
    }


def _datetime(value: str | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if not value:
        return ""
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return value
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone()  # show local time of the town hall server
    return stamp.strftime(fmt)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def _pretty_json(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False, indent=2)


def install_filters(env: jinja2.Environment) -> None:
    env.filters["datetime"] = _datetime
    env.filters["date"] = lambda v: _datetime(v, "%d.%m.%Y")
    env.filters["clock"] = _clock
    env.filters["number"] = _number
    env.filters["pretty_json"] = _pretty_json
    env.globals["t"] = t
    env.globals["t_opt"] = t_opt
