"""Word-level repair of transcribed questions against a catalog's own vocabulary."""

from __future__ import annotations

from rathaus.catalog import text as T
from rathaus.catalog.language import detect_language
from rathaus.catalog.search import separable_verbs

VOCAB = T.Vocabulary.build([
    "Personalausweis beantragen", "Ausweis Personal", "Kurzzeitkennzeichen", "Kennzeichen", "Zeichen",
    "Meldebescheinigung", "Sperrmüll anmelden", "Wohnsitz abmelden", "Fahrzeug abmelden", "Reisepass", "Pass Reise",
])


def test_fold_and_words():
    assert T.fold("Straße Übergröße") == "strasse ubergrosse"
    assert T.words("E-Mail-Adresse, bitte!") == ["e", "mail", "adresse", "emailadresse", "bitte"]


def test_stem_meets_noun_and_verb():
    assert T.stem("abholung") == T.stem("abholen")
    assert T.stem("anmeldung") == T.stem("anmelden")
    # the "zu" of a separable verb's infinitive: "wie lang hab ich Zeit, den abzuholen"
    assert T.stem("abzuholen") == T.stem("abholen") and T.stem("mitzubringen") == T.stem("mitbringen")
    assert T.stem("umzugskosten") != T.stem("umkosten") and T.stem("einzugsermachtigung").startswith("einzug")


def test_content_stems_leave_function_words_and_short_words_out():
    # "Abholung" and "abholen" meet, function words say nothing of the topic
    assert T.content_stems("Wann kann ich den Ausweis abholen?") >= {T.stem("ausweis"), T.stem("abholung")}
    assert not T.content_stems("Wann kann ich den Ausweis abholen?") & {"wann", "kann", "ich", "den"}
    assert T.content_stems("Hund an- und abmelden", 5) == {T.stem("abmelden")}


def test_registration_verbs_of_a_text():
    from rathaus.catalog.search import register_verbs

    assert register_verbs("Wohnsitz anmelden oder ummelden") == {"an", "um"}
    assert register_verbs("Fahrzeug abmelden") == {"ab"} and register_verbs("Gewerbe-Anmeldung") == {"an"}
    assert register_verbs("Ich bin schon angemeldet") == {"an"} and not register_verbs("Meldebescheinigung")


def test_split_compound_into_catalog_words():
    assert VOCAB.split_compound("personalausweis") == ["personal", "ausweis"]
    assert VOCAB.split_compound("reisepass") == ["reise", "pass"]
    assert VOCAB.split_compound("ausweis") == []


def test_join_split_compounds_from_asr():
    assert T.join_split_compounds(["ich", "brauche", "ein", "personal", "ausweis"], VOCAB)[-1] == "personalausweis"
    assert T.join_split_compounds(["ein", "kurz", "zeit", "kenn", "zeichen"], VOCAB) == ["ein", "kurzzeitkennzeichen"]
    assert T.join_split_compounds(["sperr", "mull"], VOCAB) == ["sperrmull"]


def test_near_miss_spelling_is_corrected_to_catalog_word():
    assert VOCAB.correct("meldebeschainigung") == "meldebescheinigung"
    assert VOCAB.correct("fahrzeuk") == "fahrzeug"
    assert VOCAB.correct("meldebescheinigun") == "meldebescheinigung"
    assert VOCAB.correct("personalausweiss") == "personalausweis"
    assert VOCAB.correct("reisepass") is None  # known words stay
    assert VOCAB.correct("haus") is None  # too short to guess


def test_separable_verbs_are_joined():
    assert "abmelde" in separable_verbs("Wie melde ich mich ab?")
    assert "aufgebe" in separable_verbs("Ich gebe mein Gewerbe auf")
    assert separable_verbs("Ich brauche einen Pass") == []


def test_language_detection():
    assert detect_language("I need a new passport") == "en"
    assert detect_language("Yeni kimlik kartı lazım") == "tr"
    assert detect_language("Мені потрібен новий паспорт") == "uk"
    assert detect_language("Мне нужен новый паспорт") == "ru"
    assert detect_language("أحتاج إلى جواز سفر") == "ar"
    assert detect_language("Ich brauche einen neuen Pass") == "de"
    assert detect_language("Kurzzeitkennzeichen") == "de"
    # regional German is German, though "ne", "i", "do" and "a" are Turkish and English words too
    assert detect_language("Un wenn dat ne Staff is, so ne Listenhund?") == "de"
    assert detect_language("Brauch i do en Termin?") == "de"
    assert detect_language("Mei Krankenkassenkarten is weg, wo krieg i a neue her?") == "de"
    assert detect_language("Is it open on Monday?") == "en"
    # "i" and "a" count for Bavarian too: only English words make a question English
    assert detect_language("In meim Gartn steht a riesige Birkn, de mecht i umschneidn lassn. Derf i des oafach?") == "de"
    assert detect_language("Is die am Mittwoch besetzt?") == "de"
    assert detect_language("Wann is de Friedhofsverwaltung to spreken?") == "de"  # Low German "de", "to"
    assert detect_language("I have a question") == "en"
    assert detect_language("Can I order a birth certificate online? I was born in Selkenrode.") == "en"
    assert detect_language("Bu ne kadar?") == "tr"


def test_spoken_fees_skip_bank_details_and_say_when_there_are_more():
    from rathaus.catalog.answers import spoken_fees

    assert spoken_fees("13 Euro\nIBAN: DE86 7015 0000 0000 2030 00") == ("13 Euro", False)
    assert spoken_fees("- unter 24 Jahren: 27,60 Euro\n- über 24 Jahren: 46 Euro\n- vorläufig: 10 Euro\nBitte vor Ort zahlen.") == (
        "unter 24 Jahren: 27,60 Euro; über 24 Jahren: 46 Euro", True)
    assert spoken_fees("\n".join(f"{a}–{a + 4} Jahre: {b} Euro" for a, b in ((14, 352), (19, 320), (24, 288), (29, 256), (34, 224)))) == (
        "14–18 Jahre: 352 Euro", True)
    assert spoken_fees("Bitte zahlen Sie vor Ort.") == ("", False)


def test_bavarian_is_german_not_english():
    """"i", "is", "a" and "do" are English words too: a Munich caller used to be answered in English."""
    assert detect_language("Mei Radl is gstohln wordn, ko i bei eich schaun, ob's do is?") == "de"
    assert detect_language("Servus, i bin vo Pasing nach Haidhausn zogn, muas i mi do umschreim lassn?") == "de"
    assert detect_language("Wos kost'n a neuer Perso? Is des teuer?") == "de"
    assert detect_language("Is my passport ready? I need it for a trip") == "en"


def test_function_words_of_speech_name_nothing():
    """Words that name no service (a rate, a count, dialect fillers) are not counted as rare words
    the catalog lacks: "Kurtaxe pro Tag" is about the Kurtaxe alone."""
    from rathaus.catalog.text import content_words

    assert content_words("Was kostet die Kurtaxe pro Tag?") == ["kostet", "kurtaxe"]
    assert content_words("die Sterbeurkunde dreimal") == ["sterbeurkunde"]
    assert content_words("da war dor Perso mit drin, was mach ich nu") == ["perso", "mach"]


def test_a_participle_gives_its_verb():
    assert T.participle_verb("abgeholt") == "abholt" and T.participle_verb("gemeldet") == "meldet"
    assert T.participle_verb("angemeldet") == "anmeldet"
    assert T.participle_verb("hund") is None and T.participle_verb("geht") is None
