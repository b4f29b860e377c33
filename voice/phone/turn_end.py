"""When a caller's turn is over.

The bot answers after [phone] end_of_turn_s of silence (0.8 s by default). That pause is most of
its answer time: on a GPU the rest (recognition, understanding, the first audio) takes about
0.1 s. Recognition already starts early, after [phone] speculate_s of silence; when that early
transcript reads as a finished sentence, the turn may end after the shorter
[phone] end_of_turn_complete_s. A caller who pauses mid-sentence ("Ich möchte meinen ... Hund
anmelden") keeps the long pause: whisper leaves such a fragment without final punctuation or
ending in a word that needs a continuation (voice/phone/turn_words.toml). Should a caller go on
after an early answer began, barge-in stops the answer and the two parts are heard as one turn
(voice.phone.turns, which applies these pauses; this module only judges the text).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

_WORDS_FILE = Path(__file__).with_name("turn_words.toml")
_FINAL = (".", "?", "!", "。", "؟")
_TRAILING_OFF = ("...", "…", "..")


@lru_cache(maxsize=1)
def _continuation_words() -> dict[str, frozenset[str]]:
    data = tomllib.loads(_WORDS_FILE.read_text(encoding="utf-8"))
    return {lang: frozenset(entry.get("continues", [])) for lang, entry in data.items()}


def sounds_complete(text: str, language: str) -> bool:
    """Whether a transcript reads as a finished utterance: final punctuation, not trailing off,
    and not ending in a word that needs a continuation in `language`."""
    text = text.strip()
    if not text.endswith(_FINAL) or text.endswith(_TRAILING_OFF):
        return False
    words = re.findall(r"\w+", text.lower())
    if not words:
        return False
    return words[-1] not in _continuation_words().get(language.split("-")[0].lower(), frozenset())
