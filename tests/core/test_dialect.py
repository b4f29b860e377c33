"""Regional German word forms are read as standard German (rathaus/catalog/dialect.py)."""

import pytest

from rathaus.catalog.dialect import standard_german


@pytest.mark.parametrize("said, standard", [
    ("Was koscht des?", "Was kostet das?"),
    ("Wat kost det bei euch?", "Was kostet das bei euch?"),
    ("Ko i des online macha?", "Kann ich das online machen?"),
    ("Isch der Perso jültich?", "Ist der Perso gültig?"),
    ("ich brauch ne Bescheinigung", "ich brauch eine Bescheinigung"),
    # "ne" first says no, and "noi" becomes the "nee" the turn cues know
    ("Ne, ich meinte den Reisepass", "Ne, ich meinte den Reisepass"),
    ("ach noi i hab s bürgerbüro gmeint", "ach nee ich hab s bürgerbüro gemeint"),
    ("Was kostet ein Reisepass für meine Tochter?", "Was kostet ein Reisepass für meine Tochter?"),
])
def test_regional_forms_become_standard_words(said, standard):
    assert standard_german(said) == standard
