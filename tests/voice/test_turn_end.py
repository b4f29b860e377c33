"""voice.phone.turn_end: which early transcripts count as a finished sentence."""

from __future__ import annotations

import pytest

from voice.phone.turn_end import sounds_complete


@pytest.mark.parametrize("text, language", [
    ("Ich möchte meinen Hund anmelden.", "de"),
    ("Wie melde ich mich an?", "de"),  # a verb particle, not a preposition waiting for its noun
    ("Was kostet das?", "de"),
    ("Ja.", "de"),
    ("Who do I talk to?", "en"),
    ("Merhaba, pasaport için aradım.", "tr"),  # no word list: final punctuation decides
])
def test_finished_sentences(text, language):
    assert sounds_complete(text, language)


@pytest.mark.parametrize("text, language", [
    ("Ich möchte meinen", "de"),  # no final punctuation
    ("Ich möchte meinen...", "de"),  # whisper's mark for trailing off
    ("Ich möchte meinen …", "de"),
    ("Ich brauche einen Pass und.", "de"),  # a conjunction cannot end it
    ("Es geht um meinen.", "de"),
    ("Ähm.", "de"),
    ("I need the.", "en"),
    ("", "de"),
    ("?", "de"),
])
def test_unfinished_sentences(text, language):
    assert not sounds_complete(text, language)


def test_regional_language_tags_use_the_base_list():
    assert not sounds_complete("Ich brauche einen Pass und.", "de-AT")
