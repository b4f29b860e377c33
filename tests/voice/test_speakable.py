"""voice.speakable: German (and English) text as a synthesizer must read it."""

import pytest

from voice.speakable import speakable

GERMAN = [
    # opening hours
    ("Mo.–Fr. 8–12 Uhr", "Montag bis Freitag von acht bis zwölf Uhr"),
    ("Mo-Fr 7:30-12:00 Uhr", "Montag bis Freitag von sieben Uhr dreißig bis zwölf Uhr"),
    ("Do 14:00–18:00 Uhr", "Donnerstag von vierzehn Uhr bis achtzehn Uhr"),
    ("geöffnet Mo, Mi und Fr 8 bis 12 Uhr", "geöffnet Montag, Mittwoch und Freitag von acht bis zwölf Uhr"),
    # a range without an opener gets "von" ("sieben bis zwanzig Uhr" was heard as "27 Uhr")
    ("Friedhofstore im Sommer 7-20 Uhr.", "Friedhofstore im Sommer von sieben bis zwanzig Uhr."),
    ("zwischen 8 und 9 Uhr, ab 9 bis 12 Uhr", "zwischen acht und neun Uhr, ab neun bis zwölf Uhr"),
    ("Mo, Fr 8-12 Uhr, Mi geschlossen", "Montag, Freitag von acht bis zwölf Uhr, Mittwoch geschlossen"),
    ("So ist es.", "So ist es."),
    ("Es ist 9 Uhr.", "Es ist neun Uhr."),
    ("um 1 Uhr", "um ein Uhr"),
    ("um 7.30 Uhr", "um sieben Uhr dreißig"),
    ("Beginn 15:30", "Beginn fünfzehn Uhr dreißig"),
    ("ab 18:05 Uhr", "ab achtzehn Uhr fünf"),
    # money
    ("Die Gebühr beträgt 12,50 €.", "Die Gebühr beträgt zwölf Euro fünfzig."),
    ("37,00 Euro", "siebenunddreißig Euro"),
    ("ermäßigt 0,50 €", "ermäßigt fünfzig Cent"),
    ("EUR 1.250,- pro Jahr", "eintausendzweihundertfünfzig Euro pro Jahr"),
    ("€ 8", "acht Euro"),
    ("1 €", "ein Euro"),
    ("22,8 €", "zweiundzwanzig Euro achtzig"),
    ("20 ct", "zwanzig Cent"),
    # dates
    ("Am 12.03.2024 ist geschlossen.", "Am zwölften März zweitausendvierundzwanzig ist geschlossen."),
    ("Die Sitzung vom 1.2.2019", "Die Sitzung vom ersten Februar zweitausendneunzehn"),
    ("Der 3. Oktober ist ein Feiertag.", "Der dritte Oktober ist ein Feiertag."),
    ("Frist: 31.12.", "Frist: einunddreißigster Dezember"),
    ("geboren am 24.12.1985", "geboren am vierundzwanzigsten Dezember neunzehnhundertfünfundachtzig"),
    ("bis zum 5. Mai 2025", "bis zum fünften Mai zweitausendfünfundzwanzig"),
    # phone numbers
    ("Tel. 0721 133-0", "Telefon null sieben zwo eins, eins drei drei, null"),
    ("+49 721 133 1234", "plus vier neun, sieben zwo eins, eins drei drei, eins zwo drei vier"),
    ("Telefon: 089/233-96000", "Telefon: null acht neun, zwo drei drei, neun sechs null null null"),
    # a comma after the number ends the clause: the extension stays digits
    ("unter 06034 9120-777, rund um die Uhr", "unter null sechs null drei vier, neun eins zwo null, sieben sieben sieben, rund um die Uhr"),
    # abbreviations
    ("z. B. den Pass", "zum Beispiel den Pass"),
    ("z.B. den Pass", "zum Beispiel den Pass"),
    ("Zimmer Nr. 3", "Zimmer Nummer drei"),
    ("ca. 3 Wochen", "circa drei Wochen"),
    ("Pass bzw. Ausweis", "Pass beziehungsweise Ausweis"),
    ("in der Hauptstr. 12", "in der Hauptstraße zwölf"),
    ("Kaiserstr. 5", "Kaiserstraße fünf"),
    ("Goethe Str. 2", "Goethe Straße zwei"),
    ("Urkunden, Ausweise usw.", "Urkunden, Ausweise und so weiter"),
    ("ggf. mit Vollmacht", "gegebenenfalls mit Vollmacht"),
    ("nach § 5 Abs. 2 BGB", "nach Paragraf fünf Absatz zwei B G B"),
    ("Hr. Müller", "Herr Müller"),
    ("Dr. Schmidt", "Doktor Schmidt"),
    ("d. h. morgen", "das heißt morgen"),
    # rooms, house numbers, years, letters read as letters
    ("im Zimmer 2.14", "im Zimmer zwei Punkt vierzehn"),
    ("Raum 3.07", "Raum drei Punkt null sieben"),
    ("Raum E 07", "Raum E null sieben"),
    ("Hauptstr. 12a", "Hauptstraße zwölf a"),
    ("wenn Sie vor 1990 geboren sind", "wenn Sie vor neunzehnhundertneunzig geboren sind"),
    ("1990 geboren", "neunzehnhundertneunzig geboren"),
    ("1500 Euro", "eintausendfünfhundert Euro"),
    ("Die Kfz-Zulassungsstelle", "Die Kah-Eff-Zett-Zulassungsstelle"),
    ("für Ihren Pkw", "für Ihren Peh-Kah-Weh"),
    ("Marktplatz 3, 79098 Freiburg", "Marktplatz drei, sieben neun null neun acht Freiburg"),
    ("Tel. 05432 810-210", "Telefon null fünf vier drei zwo, acht eins null, zwo eins null"),
    ("(0761) 201-4455", "null sieben sechs eins, zwo null eins, vier vier fünf fünf"),
    ("dienstags von 7:30 bis 12:30 Uhr", "dienstags von sieben Uhr dreißig bis zwölf Uhr dreißig"),
    ("E-Mail an buergerbuero@stadt-lindenau.de", "E-Mail an bürgerbüro, ät, stadt-lindenau Punkt d e"),
    ("www.stadt-lindenau.de/termine", "w w w Punkt stadt-lindenau Punkt d e Schrägstrich termine"),
    # numbers
    ("1 Woche", "eine Woche"),
    ("1 Tag", "ein Tag"),
    ("1 Bescheinigung", "eine Bescheinigung"),
    ("3,5 % mehr", "drei Komma fünf Prozent mehr"),
    ("im Jahr 2023", "im Jahr zweitausenddreiundzwanzig"),
    ("im 2. Obergeschoss", "im zweiten Obergeschoss"),
    ("Tagesordnungspunkt 4", "Tagesordnungspunkt vier"),
    ("10-12 Personen", "zehn bis zwölf Personen"),
    ("Postleitzahl 76133 Karlsruhe", "Postleitzahl sieben sechs eins drei drei Karlsruhe"),
    ("Hauptstraße 1, 76133 Karlsruhe", "Hauptstraße eins, sieben sechs eins drei drei Karlsruhe"),
    ("10.000 Einwohner", "zehntausend Einwohner"),
    # addresses on the web
    ("buergerbuero@musterstadt.de", "bürgerbüro, ät, musterstadt Punkt d e"),
    ("www.musterstadt.de.", "w w w Punkt musterstadt Punkt d e."),
    # quotation marks are not read (Pico made "„Reisepass“" a new sentence); apostrophes stay
    ("Geht es um „Reisepass beantragen“?", "Geht es um Reisepass beantragen?"),
    ("Das \"Bürgerbüro\" hat's", "Das Bürgerbüro hat's"),
]


@pytest.mark.parametrize("text,spoken", GERMAN)
def test_german(text, spoken):
    assert speakable(text, "de") == spoken


def test_no_digits_or_symbols_left_in_a_catalog_answer():
    text = ("Der Personalausweis kostet 37,00 € (unter 24 Jahren 22,80 €). Bürgerbüro, Hauptstr. 1, "
            "Mo.–Fr. 8:00–12:00 Uhr, Do. 14–18 Uhr, Tel. 07231 39-1234, z. B. mit Termin am 02.05.2025.")
    spoken = speakable(text, "de")
    assert not any(ch.isdigit() for ch in spoken), spoken
    for symbol in ("€", "z. B.", "Hauptstr.", "Mo."):
        assert symbol not in spoken
    assert "siebenunddreißig Euro" in spoken and "zweiten Mai" in spoken


def test_plain_text_unchanged():
    text = "Guten Tag, hier ist die Stadtverwaltung. Wie kann ich helfen?"
    assert speakable(text, "de") == text


def test_ordinary_words_like_so_and_do_are_not_weekdays():
    assert speakable("So geht das.", "de") == "So geht das."


ENGLISH = [
    ("The fee is 12.50 €.", "The fee is twelve euros fifty."),
    ("We open at 9:30 am.", "We open at nine thirty A M."),
    ("3 people", "three people"),
    ("at 8 pm", "at eight P M"),
    ("5 %", "five percent"),
]


@pytest.mark.parametrize("text,spoken", ENGLISH)
def test_english(text, spoken):
    assert speakable(text, "en") == spoken


def test_other_language_reads_numbers():
    assert speakable("3 kişi", "tr") == "üç kişi"


@pytest.mark.parametrize("text,spoken", [
    ("vor Vollendung des 18. Lebensjahres", "vor Vollendung des achtzehnten Lebensjahres"),
    ("wenn Sie das 16. Lebensjahr vollendet haben", "wenn Sie das sechzehnte Lebensjahr vollendet haben"),
    ("ab dem 3. Tag", "ab dem dritten Tag"),
    ("am 1. Werktag des Monats", "am ersten Werktag des Monats"),
    ("Kinder bis 12 Jahre: 14 Euro", "Kinder bis zwölf Jahre: vierzehn Euro"),
    ("Verlängerung Kind: 46,50 Euro", "Verlängerung Kind: sechsundvierzig Euro fünfzig"),
    ("Ab 4,40 Euro", "Ab vier Euro vierzig"),
    ("15 bis 20 Euro", "fünfzehn bis zwanzig Euro"),
])
def test_real_catalog_phrases(text, spoken):
    """Phrases as they occur in the Munich service catalog (fees, age limits, deadlines)."""
    assert speakable(text, "de") == spoken


# -- voice.wer: what was said and what was heard, compared as a listener would --------------------

from voice.wer import normalize, wer  # noqa: E402

SAME_WHEN_HEARD = [
    ("Der Ausweis kostet 37,50 Euro.", "Der Ausweis kostet 37 Euro 50."),
    ("Der Ausweis kostet 37,50 Euro.", "Der Ausweis kostet siebenunddreißig Euro fünfzig."),
    ("Die Gebühr beträgt 37,00 €.", "Die Gebühr beträgt 37 Euro."),
    ("Tel. 05432 810-210", "Telefon 0 5 4 3 2 8 1 0 2 1 0"),
    ("Tel. 05432 810-210", "Telefon 0, 5, 4, 3, 2, 8, 1, 0, 2, 1, 0."),
    ("unter 089 233-96000", "unter 089-233-96000"),
    ("Mo.–Fr. 7:30 bis 12:30 Uhr", "Montag bis Freitag 7 Uhr 30 bis 12 Uhr 30"),
    ("Do. 14.00 bis 18.00 Uhr", "Donnerstag 14 bis 18 Uhr"),
    ("Frist bis 31.03.2027", "Frist bis 31. März 2027"),
    ("ca. 80-120 Euro", "circa 80 bis 120 Euro"),
    ("z. B. im Zimmer 2.14", "zum Beispiel im Zimmer 2,14"),
    ("vor 1990 geboren", "vor neunzehnhundertneunzig geboren"),
    ("an buergerbuero@lindenau.de", "an Bürgerbüro@lindenau.de"),
    ("beim Einwohnermeldeamt", "beim Einwohnermelde Amt"),
]


@pytest.mark.parametrize("said,heard", SAME_WHEN_HEARD)
def test_wer_counts_no_error_for_another_spelling_of_the_same_words(said, heard):
    assert wer(said, heard) == 0.0, (normalize(said), normalize(heard))


@pytest.mark.parametrize("said,heard", [
    ("Der Ausweis kostet 37,50 Euro.", "Der Ausweis kostet 37 Euro."),
    ("Tel. 05432 810-210", "Telefon 0 5 4 3 2 8 1 0 2 1"),
    ("Die Frist endet am 31.03.2027.", "Die Frist endet am 31. März 2007."),
    ("Der Personalausweis ist fertig.", "Der Personal aus Weiß ist fertig."),
    ("Mo., Mi. und Fr.", "Montag, mit Wochen und Freitag"),
])
def test_wer_still_counts_what_a_listener_would_get_wrong(said, heard):
    assert wer(said, heard) > 0.0
