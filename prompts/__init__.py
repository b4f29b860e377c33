"""Every sentence the system says or shows to citizens and clerks, as data.

Short texts live in prompts/<lang>/<domain>.toml and are addressed as "domain.key" (nested tables
give "domain.table.key"); they use Python format fields: "Die Gebühr beträgt {fee}.". Longer
documents (the minutes) are Jinja templates prompts/<lang>/<name>.j2. German ("de") is the
fallback for every other language.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

FALLBACK = "de"


class PromptError(KeyError):
    """A prompt key that exists in no language file: a bug, not a user error."""


@lru_cache(maxsize=None)
def _table(lang: str, domain: str) -> dict[str, Any]:
    entry = resources.files("prompts").joinpath(lang, f"{domain}.toml")
    if not entry.is_file():
        return {}
    return tomllib.loads(entry.read_text(encoding="utf-8"))


def languages() -> list[str]:
    """Languages with at least one prompt file."""
    root = resources.files("prompts")
    return sorted(e.name for e in root.iterdir() if e.is_dir() and not e.name.startswith(("_", ".")))


def _lookup(key: str, lang: str) -> Any | None:
    domain, _, rest = key.partition(".")
    node: Any = _table(lang, domain)
    for part in rest.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def has(key: str, lang: str) -> bool:
    """Whether `lang` itself (not the fallback) has this prompt."""
    return _lookup(key, lang) is not None


def raw(key: str, lang: str = FALLBACK) -> Any:
    """The prompt value (string, list or table) in `lang`, else German."""
    value = _lookup(key, lang)
    if value is None and lang != FALLBACK:
        value = _lookup(key, FALLBACK)
    if value is None:
        raise PromptError(f"no prompt '{key}' in prompts/{lang} or prompts/{FALLBACK}")
    return value


def text(key: str, lang: str = FALLBACK, **fields: Any) -> str:
    """The prompt in `lang` (else German), with {fields} filled in."""
    value = raw(key, lang)
    if isinstance(value, list):  # variants: the first is the default
        value = value[0]
    return str(value).format_map(fields) if fields else str(value)


@lru_cache(maxsize=None)
def _jinja():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("prompts", "."),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template(name: str, lang: str = FALLBACK):
    """A Jinja template prompts/<lang>/<name>.j2, else the German one."""
    import jinja2

    try:
        return _jinja().get_template(f"{lang}/{name}.j2")
    except jinja2.TemplateNotFound:
        return _jinja().get_template(f"{FALLBACK}/{name}.j2")
