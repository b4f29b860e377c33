"""Regional and spoken German word forms brought to standard German before a question is read.

Callers phone in their own German: "Was koscht des?" (Swabian), "Wat kost det?" (Berlin), "Ko i
des online macha?" (Bavarian). The facet and turn cues, the office names and the catalog are in
standard German, so each of them would need every regional form. Instead the caller's words are
standardised once, word by word, from `data/dialect.toml`; a question already in standard German
comes back unchanged.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from rathaus.catalog.text import fold


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(forms replaced anywhere, forms replaced after the turn's first word)."""
    raw = tomllib.loads(resources.files("rathaus.catalog.data").joinpath("dialect.toml")
                        .read_text(encoding="utf-8"))
    anywhere = {fold(key): value for key, value in raw["words"].items()}
    return anywhere, {**anywhere, **{fold(key): value for key, value in raw.get("inside", {}).items()}}


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def standard_german(text: str) -> str:
    """`text` with regional word forms replaced by standard German ("isch" -> "ist")."""
    anywhere, inside = _tables()

    def replace(match: re.Match) -> str:
        word = match.group(0)
        table = inside if text[:match.start()].strip(" ,.!?") else anywhere
        standard = table.get(fold(word.replace("'", "")))
        if standard is None:
            return word
        return standard[:1].upper() + standard[1:] if word[:1].isupper() else standard

    return _WORD.sub(replace, text)
