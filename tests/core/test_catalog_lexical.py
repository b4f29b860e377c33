"""The lexical side of the search: question words as concepts against service names, keywords and
text (rathaus/catalog/lexical.py), on a small hand-made catalog; no embedding model needed."""

from __future__ import annotations

import numpy as np
import pytest

from rathaus.catalog import text as T
from rathaus.catalog.lexical import Concept, LexicalIndex, name_groups
from rathaus.catalog.model import Service
from rathaus.catalog.repository import import_services
from rathaus.catalog.search import SearchIndex, separable_pairs
from rathaus.store import Store

SERVICES = [
    Service(id="hb", name="Haushaltsbescheinigung",
            description="Die Bescheinigung brauchen Sie zum Beispiel für die Familienkasse oder das Kindergeld."),
    Service(id="wf", name="Wohnsitzanmeldung – Familie",
            description="Die Anmeldung einer Familie mit Kindern. Bringen Sie die Ausweise der Familie mit."),
    Service(id="ab", name="Abholung Personalausweis, Reisepass oder eID-Karte",
            description="Ihr fertiges Dokument holen Sie im Bürgerbüro ab."),
    Service(id="pa", name="Personalausweis", description="Den Personalausweis beantragen Sie im Bürgerbüro."),
    Service(id="kk", name="Elternberatung zur Kinderbetreuung",
            description="Wir helfen bei der Suche nach einem Platz in der Kinderkrippe oder im Kindergarten."),
    Service(id="gw", name="Gewerbe-Anmeldung", description="Wer ein Gewerbe beginnt, meldet es an. Das kostet Geld."),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("lexical") / "rathaus.db")
    import_services(store, SERVICES, source="test")
    yield SearchIndex.build(store, [])  # no encoders: lexical signals only
    store.close()


def ranking(index: SearchIndex, question: str) -> list[str]:
    lex, _, name = index._lexical(index.analyze(question))
    order = np.argsort(-(lex + 0.375 * name), kind="stable")
    return [index.services[i].id for i in order]


def test_a_compound_counts_once_not_once_per_part(index):
    # "Familienkasse" also yields "Familie": counted as a word of its own it made the family
    # registration outrank the certificate the caller asks for.
    analysis = index.analyze("Die Familienkasse will eine Bescheinigung")
    assert [c.word for c in analysis.concepts] == ["familienkasse", "bescheinigung"]
    family = index.analyze("Familienausweis").concepts  # "Familie" + "Ausweis": one word, two parts
    assert len(family) == 1 and family[0].forms["famili"] < 1.0 and family[0].forms["ausweis"] < 1.0
    assert ranking(index, "Die Familienkasse will eine Bescheinigung")[0] == "hb"


def test_one_of_listed_alternatives_covers_a_name(index):
    lex, _, name = index._lexical(index.analyze("Ich will meinen Personalausweis abholen"))
    assert name[index.position["ab"]] == pytest.approx(1.0)
    assert ranking(index, "Wo hole ich meinen fertigen Personalausweis ab?")[0] == "ab"


def test_facet_words_do_not_pick_the_service(index):
    analysis = index.analyze("Was kostet ein Reisepass?")
    assert [c.word for c in analysis.concepts] == ["reisepass"]


def test_compound_tail_of_the_catalog_meets_the_callers_compound(index):
    # "Kinderkrippe" gives the catalog "Krippe"; the caller's "Krippenplatz" splits into "Krippen" + "Platz"
    assert ranking(index, "Ich suche einen Krippenplatz")[0] == "kk"


def test_unknown_word_with_known_parts_stays_weak(index):
    # "Geld" is in the business text, "Bürgergeld" is in no service: the parts explain it only in part
    lex, _, _ = index._lexical(index.analyze("Bürgergeld"))
    assert lex.max() < 0.5


def test_name_groups():
    assert name_groups("Abholung Personalausweis, Reisepass oder eID-Karte") == [
        ["abholung"], ["personalausweis", "reisepass", "eidkarte"]]
    assert name_groups("Verlust oder Diebstahl Personalausweis") == [["verlust", "diebstahl"], ["personalausweis"]]
    assert name_groups("Wohnsitzanmeldung – Familie") == [["wohnsitzanmeldung"], ["familie"]]
    assert name_groups("Anmeldung einer Eheschließung ohne Auslandsbezug") == [["anmeldung"], ["eheschliessung"]]


def test_concepts_score_by_their_best_form():
    vocab = T.Vocabulary.build([s.name + " " + s.description for s in SERVICES])
    lexical = LexicalIndex.build(SERVICES, vocab)
    scores, in_name = lexical.score([Concept(word="perso", forms={"personalausweis": 1.0, "ausweis": 0.6})])
    best = int(np.argmax(scores))
    assert SERVICES[best].id in ("pa", "ab") and scores[best] == pytest.approx(1.0) and in_name[best] == pytest.approx(1.0)


def test_particle_right_after_the_verb_is_joined():
    assert ("ziehen", "umziehen") in separable_pairs("Wir ziehen um innerhalb der Stadt")
    assert ("melde", "abmelde") in separable_pairs("Wie melde ich mich ab?")


def test_inflected_verb_finds_its_colloquial_meaning(index):
    # "läuft ... ab": the stemmer keeps the "t" of the 3rd person; the table knows "ablaufen"
    assert any("Verlängerung" in e for e in index.analyze("Mein Personalausweis läuft ab").expansions)


def test_colloquial_word_is_not_mistaken_for_a_misspelling():
    vocab = T.Vocabulary.build(["Der Ausweis ist abgelaufen", "Meldebescheinigung", "Fahrzeug"])
    assert vocab.correct("abgehauen") is None      # two edits from "abgelaufen": a different word
    assert vocab.correct("fahrzeuk") == "fahrzeug"  # one edit: a recognizer's slip
    assert vocab.correct("meldebeschainigung") == "meldebescheinigung"



def test_a_softened_start_is_read_as_the_catalog_word_only_when_long_enough():
    vocab = T.Vocabulary.build(["Personalausweis beantragen", "Papiere mitbringen", "Karten bestellen"])
    assert vocab.correct("bersonalausweis") == "personalausweis"  # Saxon "B" for "P"
    assert vocab.correct("garten") is None  # six letters: "Garten" stays a garden, not "Karten"


def test_a_g_spoken_as_j_inside_a_word_is_read_as_the_catalog_word():
    vocab = T.Vocabulary.build(["Räume im Bürgerhaus mieten", "Kindergeld", "Projekt"])
    assert vocab.correct("burjerhus") == "burgerhaus"  # Rhineland "Bürjerhus" (folded): j for g, one letter off
    assert vocab.correct("kindejeld") == "kindergeld"
    assert vocab.correct("projekt") is None  # a catalog word as it is


def test_turkish_words_are_known_with_their_endings():
    from rathaus.catalog.search import meanings
    assert meanings("ehliyetimi") == meanings("ehliyetine") == "Führerschein"
    assert meanings("Vizepräsident") is None  # a short Turkish word ("vize") does not start German ones


def test_compound_tail():
    vocab = T.Vocabulary.build(["Kinder", "Versicherung"])
    assert vocab.compound_tail("kinderkrippe") == "krippe"
    assert vocab.compound_tail("versicherungsverlauf") == "verlauf"
    assert vocab.compound_tail("bestellung") is None


def test_foreign_words_are_no_missing_topic(index):
    # "I need a new passport": only "passport" reaches the catalog (glossary: Reisepass); the
    # English words around it are the caller's language, not something the catalog lacks
    analysis = index.analyze("I need a new passport")
    german, _, _ = index._lexical(analysis, "de")
    english, _, _ = index._lexical(analysis, "en")
    i = index.position["ab"]
    assert english[i] == pytest.approx(1.0) and german[i] < 0.8


def test_an_animals_death_is_no_death_to_register(index):
    words = lambda q: {c.word for c in index.analyze(q).concepts}
    dog = index.analyze("Unser Hund ist gestorben, wie melde ich den ab?")
    assert "gestorben" not in words(dog.question) and not any("Sterbefall" in e for e in dog.expansions)
    assert "gestorben" in words("Mein Vater ist gestorben, er hatte einen Hund.")  # a person died
    assert "gestorben" in words("Meine Oma ist gestorben.")
    golf = index.analyze("Ich will Oppas alten Golf abmelden")
    assert any("Fahrzeug" in e for e in golf.expansions)


def test_a_phrase_that_starts_with_a_function_word_is_read(index):
    married = index.analyze("we want to get married here in munich")
    assert any("Eheschließung" in e for e in married.expansions)
    assert any(c.word == "get married" for c in married.concepts)
    speeding = index.analyze("Ich bin zu schnell gefahren, was kostet das?")
    assert any(c.word == "zu schnell gefahren" for c in speeding.concepts)
