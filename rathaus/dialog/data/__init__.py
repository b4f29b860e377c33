"""Cue words and patterns of the dialog, as TOML beside this module."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def read(name: str) -> dict:
    """The parsed data file `name` ("facets.toml"), read once per process."""
    return tomllib.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
