"""The channel-free parts of the dialog brain (rathaus.dialog) on plain strings: what is asked,
which fee fits the caller, opening hours spoken and checked for a day, corrections."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rathaus.catalog.model import Office, Service
from rathaus.dialog import facets as F
from rathaus.dialog import hours as H
from rathaus.dialog import replies
from rathaus.dialog.fees import fee_age, fitting_fees, speaks_of_child
from rathaus.dialog.turns import case_cues as _case_question, correction
from rathaus.dialog.offices import OfficeDirectory


@pytest.mark.parametrize("question, facet", [
    ("Was kostet ein Reisepass?", "cost"),
    ("Welche Unterlagen brauche ich für den Reisepass?", "documents"),
    ("was brauch ich alles für den antrag", "documents"),
    ("Wo ist das Bauamt?", "where"),
    ("Wann hat das Bürgeramt geöffnet?", "hours"),
    ("Hat das Bürgerbüro am Dienstagnachmittag auf?", "hours"),
    ("Wie ist die Telefonnummer vom Standesamt?", "contact"),
    ("Brauche ich dafür einen Termin?", "appointment"),
    ("Wie lange dauert es, bis mein Personalausweis fertig ist?", "processing_time"),
    ("Geht das mit dem Reisepass auch schneller?", "processing_time"),
    ("Kann ich mich auch online ummelden?", "online"),
    ("Bis wann muss ich den Hund anmelden?", "deadline"),
    ("Wie lange ist der Personalausweis gültig?", "validity"),
    ("Ich brauche einen neuen Personalausweis", None),
    ("How much does a passport cost?", "cost"),
    # word families and separable verbs carry wording no phrase list holds
    ("Was muss ich für einen neuen Perso hinblättern?", "cost"),
    ("Ist die online günstiger?", "cost"),
    ("Was nehm ich da mit?", "documents"),
    ("Wie lange hebt ihr Fundsachen auf?", "validity"),
    ("Kann ich das auch vom Computer aus erledigen?", "online"),
    ("Ich hab im Park ein Handy gefunden, wo geb ich das ab?", "where"),
    ("An wen wende ich mich bei Fragen dazu?", "where"),
    ("Wie lange braucht das Bauamt für die Genehmigung?", "processing_time"),
    ("Wann kann ich zum Wertstoffhof fahren?", "hours"),
    ("Kann ich beim Bürgerservice auch samstags vorbeikommen?", "hours"),
    ("Muss ich vorher einen Termin buchen?", "appointment"),
    ("Kann ich die per Mail anfordern?", "online"),
    # learners' word order
    ("wann wir bekommen antwort", "processing_time"),
    # a grave's rest period is how long it lasts; a neighbourhood's quiet hours are no facet
    ("Wie lange ist bei Ihnen die Ruhezeit für ein Urnengrab?", "validity"),
    ("Wann ist Ruhezeit fürs Rasenmähen?", None),
    # coming in person asks whether it must be done there; bringing it oneself does not
    ("Muss ich selber hinkommen?", "online"),
    ("Kann ich's auch selber hinbringen?", None),
    ("Mein Nachbar lässt seinen Hund dauernd bellen", None),
    ("Wie alt darf das Gesundheitszeugnis höchstens sein?", "validity"),
    ("Сколько стоит паспорт?", "cost"),
    # "wo ... ich" outweighs a noun of another facet; "schaff ich das noch" is about time
    ("wo schick ich das formular hin", "where"),
    ("ich mach mich mit so nem online shop selbstständig wo meld ich das an", "where"),
    ("Mein Reisepass ist abgelaufen und wir fliegen bald, schaff ich das noch?", "processing_time"),
    ("Unser Flug geht in zwei Wochen und der Kinderpass ist abgelaufen, klappt das noch?", "processing_time"),
    ("wann kann ich grünschnitt zum wertstoffhof bringen", "hours"),
    # "was kost" outweighs a word of another facet; coming by unannounced asks about appointments
    ("Moin, ich bräucht nen neuen Perso, der alte is abgelaufen, wat kost dat denn?", "cost"),
    ("und muss ich da vorher anrufen oder kann ich einfach so vorbeikommen", "appointment"),
    # a day in a sentence that tells what happened is no hours question; "für immer" of a move
    # is no validity; a month in "kann ich ... im Mai" asks when it may be done
    ("Mein Sohn ist am Montag geboren. Was müssen wir jetzt beim Standesamt machen?", None),
    ("hab getz nen zweiten hund dazu genommen, wat zahl ich für den", "cost"),
    ("ich geh im september für immer nach spanien muss ich mich hier abmelden", None),
    ("gilt der dann für immer", "validity"),
    ("Kann ich die dann im Mai fällen?", "deadline"),
    # "Nehmt ihr ... mit?" asks what they take away, "Was nehmen wir mit?" what to bring
    ("Nehmt ihr auch einen alten Kühlschrank mit?", None),
    ("Was nehmen wir mit?", "documents"),
    # a deadline asked in English
    ("How far in advance do I have to apply?", "deadline"),
    # a death told before the question without a comma; when someone is reachable asks the hours
    ("mein vater ist heute nacht gestorben was muss ich jetzt machen", None),
    ("Wann kann i die Leitung erreiche?", "hours"),
    ("Wann ist der Förster zu sprechen?", "hours"),
    ("wann hat die kasse auf ich muss etwas bar bezahlen", "hours"),
    ("Mein Pass ist abgelaufen. Krieg ich da noch rechtzeitig einen neuen?", "processing_time"),
    ("When is it due?", "deadline"),
    ("It was closed due to the holiday, when is it open?", "hours"),
    # "wie viel" before a measure asks no fee
    ("Wie viel Meter Abstand müssen wir eigentlich zum Nachbarn einhalten?", None),
    ("wie viel zeit hab ich dafür", "deadline"),
    ("und wie viel ist das für den zweiten", "cost"),
    ("How much time do I have?", None),
    # someone there on a day asks the hours; "wie zeitig" how early
    ("Ist am Montag eigentlich jemand im Bauamt?", "hours"),
    ("Wie zeitig?", "deadline"),
    ("Do I get a reward for that?", "cost"),
    # a guess at the place, without "wo" (not whether it is in the price)
    ("Is das noch in der alten Schule?", "where"),
    ("Ist das im Preis enthalten?", "cost"),
    # waiting for the result, in learners' order too; when the answer comes; a picture to bring
    ("Wie lange muss ich auf den Bescheid warten?", "processing_time"),
    ("wie lange ich warte auf papiere", "processing_time"),
    ("Wann kommt normalerweise die Genehmigung?", "processing_time"),
    ("Wann kommt die Müllabfuhr?", None),
    ("Brauche ich ein Bild?", "documents"),
    # when a tax is paid is when it falls due; when the decision comes
    ("Wann zahlt man eigentlich die Hundesteuer?", "deadline"),
    ("Wann erfahren wir denn, ob unser Antrag durch ist?", "processing_time"),
    # a meter ("Zähler") is no paying ("zahlen"); how often it is renewed is how long it holds
    ("Wie gebe ich den Zählerstand durch?", None),
    ("Wie oft muss der Gartenwasserzähler gewechselt werden?", "validity"),
    ("Was zahle ich dafür?", "cost"),
    # Low German "wo hoch" is "wie hoch"; and what it was
    ("Un wo hooch is de Stüer?", "cost"), ("Und wie hoch war die Kaution nochmal?", "cost"),
])
def test_facet_of_a_question(question, facet):
    assert F.detect(question) == facet


FEES = "- unter 24 Jahren: 37,50 Euro\n- über 24 Jahren: 70 Euro\n- Express-Bestellung: Gebühr plus 32 Euro Aufpreis"


def test_fee_table_gives_the_adult_fee_first_or_the_one_that_fits():
    assert fitting_fees(FEES, "Was kostet ein Reisepass?", "Reisepass") == (["über 24 Jahren: 70 Euro"], True)
    assert fitting_fees(FEES, "Was kostet der für meinen Sohn, er ist 16?", "Reisepass")[0] == ["unter 24 Jahren: 37,50 Euro"]
    assert fitting_fees(FEES, "Und was kostet das für Kinder?", "Reisepass")[0] == ["unter 24 Jahren: 37,50 Euro"]
    assert "32 Euro" in fitting_fees(FEES, "Was kostet die Express-Bestellung?", "Reisepass")[0][0]
    assert fitting_fees("13 Euro", "Was kostet das?") == (["13 Euro"], False)
    kita = "Krippe unter 3 Jahren 320 Euro im Monat; Kindergarten ab 3 Jahren 165 Euro im Monat"
    assert fitting_fees(kita, "Und wenn sie drei ist?")[0] == ["Kindergarten ab 3 Jahren 165 Euro im Monat"]
    assert fitting_fees(kita, "Was kostet die Krippe?")[0] == ["Krippe unter 3 Jahren 320 Euro im Monat"]
    # "frei" alone in a fee text is a fee line too: the children's
    guests = "Kurbeitrag 2,20 Euro pro Person und Nacht; Kinder unter 16 Jahren frei"
    assert fitting_fees(guests, "und für kinder", "Kurbeitrag")[0] == ["Kinder unter 16 Jahren frei"]
    trade = "Anmeldung 30 Euro; Ummeldung 25 Euro; Abmeldung 15 Euro"
    assert fitting_fees(trade, "ne, ich mein die Ummeldung", "Gewerbe anmelden, ummelden oder abmelden")[0] == ["Ummeldung 25 Euro"]
    passport = "70 Euro ab 24 Jahren; Expresszuschlag 32 Euro; vorläufiger Reisepass 26 Euro"
    assert fitting_fees(passport, "Was kostet ein Reisepass?", "Reisepass beantragen")[0] == ["70 Euro ab 24 Jahren"]
    assert fitting_fees(passport, "Was kostet das dann extra?", "Reisepass beantragen")[0] == ["Expresszuschlag 32 Euro"]
    assert fitting_fees(passport, "Und was kostet das?", "Reisepass beantragen",
                        context="Wie lange dauert es mit dem Express?")[0] == ["Expresszuschlag 32 Euro"]
    assert fitting_fees("", "Was kostet das?") == ([], False)
    # an adult line that names an item is one item among others, not the service's own fee
    death = "erste Sterbeurkunde 12 Euro; jede weitere Urkunde 6 Euro"
    assert fitting_fees(death, "Was kostet eine Sterbeurkunde, wir brauchen fünf Stück", "Sterbefall")[0] == death.split("; ")
    graves = "Wahlgrab für 30 Jahre 1.450 Euro; Urnenwahlgrab 980 Euro; Baumgrab für eine Urne 1.200 Euro"
    assert fitting_fees(graves, "Ich will unter einem Baum beerdigt werden, was kostet das?", "Grabstätte erwerben")[0] == \
        ["Baumgrab für eine Urne 1.200 Euro"]
    loss = "Verlustanzeige gebührenfrei; neuer Personalausweis 37 Euro ab 24 Jahren"
    assert fitting_fees(loss, "kostet das was", "Verlust oder Diebstahl von Personalausweis melden") == (loss.split("; "), False)
    # the age said in the turn before; a colloquial word named by what it means
    assert fitting_fees(FEES, "Was kostet der für sie?", "Reisepass",
                        context="Meine Tochter ist 16 und braucht einen Reisepass")[0] == ["unter 24 Jahren: 37,50 Euro"]
    dogs = "84 Euro im Jahr für den ersten Hund; 600 Euro für einen gefährlichen Hund; Ersatzmarke 5 Euro"
    assert fitting_fees(dogs, "Was kostet ein Kampfhund an Steuer?", "Hundesteuer")[0] == ["600 Euro für einen gefährlichen Hund"]
    parking = "60 Euro im Jahr; Ersatzausweis bei Verlust 10 Euro"
    assert fitting_fees(parking, "ich hab ihn verloren, was kostet ein neuer", "Bewohnerparkausweis")[0] == \
        ["Ersatzausweis bei Verlust 10 Euro"]


@pytest.mark.parametrize("question, age", [
    ("Was kostet der für meinen Sohn, er ist 16?", 16), ("die is zwölf, was kostet das", 12),
    ("Und wenn sie drei ist?", 3), ("and for my daughter? she's 16", 16), ("he's fifteen", 15),
    ("what about a 17 year old", 17), ("I'm 70, is it cheaper?", 70), ("she is 16 and needs an ID", 16),
    ("Gilt der für zehn Jahre?", None), ("we are two people", None), ("it is one of the forms", None),
    ("Meine Tochter wird im März ein Jahr alt", 1), ("Das gilt für ein Jahr", None),
    ("Unser Sohn wird im Oktober drei", 3), ("er ist jetzt ein Jahr", 1),
])
def test_the_age_a_caller_says_in_german_or_english(question, age):
    assert fee_age(question) == age


def test_a_fee_line_named_by_the_first_part_of_the_services_name():
    fees = "50 Euro; gemeinnützige Vereine aus Illerstetten 20 Euro; bei mehrtägigen Festen bis 150 Euro"
    name = "Gestattung für Vereinsfest (vorübergehender Ausschank)"
    assert fitting_fees(fees, "was kostet das für an verein", name)[0] == ["gemeinnützige Vereine aus Illerstetten 20 Euro"]
    assert fitting_fees(fees, "Was kostet das?", name)[0] == ["50 Euro"]


def test_a_club_gets_the_clubs_line_and_a_small_child_the_line_its_age_fits():
    halls = "Großer Saal 450 Euro pro Tag; ortsansässige Vereine 180 Euro; Vereinsheim Kleinwies 150 Euro"
    name = "Räume mieten"
    assert fitting_fees(halls, "Was kostet der große Saal für unseren Karnevalsverein?", name)[0] == \
        ["Großer Saal 450 Euro pro Tag", "ortsansässige Vereine 180 Euro"]
    assert fitting_fees(halls, "Was kostet das für einen Verein?", name)[0] == ["ortsansässige Vereine 180 Euro"]
    assert fitting_fees(halls, "Was kostet das Vereinsheim in Kleinwies?", name)[0] == ["Vereinsheim Kleinwies 150 Euro"]
    kita = "ab zwei Jahren beitragsfrei; unter zwei Jahren Elternbeitrag nach Einkommen; Mittagessen 3,80 Euro pro Tag"
    assert fitting_fees(kita, "Was kostet das?", "Kita", context="Er ist jetzt ein Jahr.")[0] == \
        ["unter zwei Jahren Elternbeitrag nach Einkommen"]
    nursery = "Kindergarten ab drei Jahren beitragsfrei; Krippe nach Einkommen bis 390 Euro im Monat"
    assert fitting_fees(nursery, "Was kostet das?", "Kita", context="Sie wird im Mai zwei.")[0] == \
        ["Krippe nach Einkommen bis 390 Euro im Monat"]


def test_fee_line_named_by_a_compound_an_urgent_caller_or_a_rate():
    trade = "Anmeldung 30 Euro; Ummeldung 25 Euro; Abmeldung 15 Euro"
    name = "Gewerbe anmelden, ummelden oder abmelden"
    assert fitting_fees(trade, "Was kostet mich die Gewerbeabmeldung?", name)[0] == ["Abmeldung 15 Euro"]
    bulky = "zwei Abholungen im Jahr kostenlos; jede weitere Abholung 35 Euro; Expressabholung 60 Euro"
    assert fitting_fees(bulky, "Was kostet die schnelle Abholung?", "Sperrmüll")[0] == ["Expressabholung 60 Euro"]
    assert fitting_fees(bulky, "Und was kostet das?", "Sperrmüll", context="Geht das auch eilig?")[0] == ["Expressabholung 60 Euro"]
    # a generic word does not name the compound line ("Beglaubigung" is not "Unterschriftsbeglaubigung")
    certify = "Beglaubigung einer Kopie 5 Euro; Unterschriftsbeglaubigung 10 Euro"
    assert fitting_fees(certify, "Was kostet eine Beglaubigung?", "Beglaubigung von Kopien und Unterschriften")[0] \
        != ["Unterschriftsbeglaubigung 10 Euro"]
    # a compound with a part between; a word every line has, also as a compound's end, tells none apart
    graves = "Reihengrab 1.450 Euro; Urnenreihengrab 980 Euro; Urnen-Rasengrab mit Pflege 1.250 Euro"
    assert fitting_fees(graves, "Was kostet denn so ein Urnengrab?", "Grabstätte")[0] == ["Urnenreihengrab 980 Euro"]
    # the -n- of the compound dropped in speech
    assert fitting_fees("Reihengrab 1.450 Euro; Urnengrab 890 Euro", "wir wollen ein Urnegrab, was kostet das",
                        "Grabstätte")[0] == ["Urnengrab 890 Euro"]
    dogs = "erster Hund 108 Euro im Jahr; jeder weitere Hund 180 Euro im Jahr; Listenhund 600 Euro im Jahr"
    assert fitting_fees(dogs, "Und ein Kampfhund?", "Hund anmelden und Hundesteuer")[0] == ["Listenhund 600 Euro im Jahr"]
    # one the caller has already: the line for a further one
    assert fitting_fees(dogs, "wir haben aber schon einen hund ist das dann teurer", "Hund anmelden")[0] \
        == ["jeder weitere Hund 180 Euro im Jahr"]
    rates, name = "Hebesatz Grundsteuer B 395 Prozent; Hebesatz Grundsteuer A 340 Prozent", "Grundsteuer: Bescheid"
    assert "395 Prozent" in fitting_fees(rates, "Wie hoch ist der Hebesatz?", name)[0][0]
    assert fitting_fees(rates, "Kann ich die Grundsteuer einmal im Jahr zahlen?", name) == ([], False)


def test_sentence_that_answers_the_facet_and_none_when_the_description_says_nothing():
    text = ("Da sich die Einreisebestimmungen häufig ändern, kann keine Gewähr übernommen werden. "
            "Die Bearbeitungszeit beträgt etwa drei bis sechs Arbeitstage. Sie können den Pass in jedem Bürgerbüro beantragen.")
    assert F.best_sentences(text, "processing_time", "Wie lange dauert das?") == [
        "Die Bearbeitungszeit beträgt etwa drei bis sechs Arbeitstage."]
    assert F.best_sentences(text, "documents", "Welche Unterlagen brauche ich?") == []
    passport = ("Die normale Bearbeitungszeit beträgt vier bis sechs Wochen. Brauchen Sie den Pass schneller, gibt es "
                "einen Express-Reisepass, der nach drei Werktagen abholbereit ist.")
    assert F.best_sentences(passport, "processing_time", "Wie lange dauert das?", limit=1) == [
        "Die normale Bearbeitungszeit beträgt vier bis sechs Wochen."]
    assert "Express" in F.best_sentences(passport, "processing_time", "Geht das auch schneller?", limit=1)[0]
    dogs = "Wer einen Hund hält, meldet ihn an. Für Listenhunde gilt ein erhöhter Satz. Blindenführhunde sind ganz steuerfrei."
    assert F.detail_sentences(dogs, {"blindenhund"}) == ["Blindenführhunde sind ganz steuerfrei."]


HOURS = "Mo, Di, Fr 8-12 Uhr; Di 14-18 Uhr; Do 8-12 und 14-18 Uhr"


def test_opening_hours_parsed_and_spoken_naturally():
    schedule = H.parse(HOURS)
    assert schedule.days[1] == [(480, 720), (840, 1080)] and 2 not in schedule.days
    assert H.speak(schedule) == ("Montag und Freitag von 8 bis 12 Uhr, Dienstag und Donnerstag von 8 bis 12 Uhr "
                                 "und von 14 bis 18 Uhr")
    assert H.speak(H.parse("Mo-Fr 7:30-12 Uhr")) == "Montag bis Freitag von 7 Uhr 30 bis 12 Uhr"
    assert not H.parse("nach Vereinbarung").parsed
    # "u." joins two times of a day, and the catalog's own word for the appointment is said back
    building = H.parse("Di 9-12 u. 13-17:30 Uhr; Do 9-12 Uhr; Mo, Mi, Fr nur nach Terminvereinbarung")
    assert H.speak(building) == ("Dienstag von 9 bis 12 Uhr und von 13 bis 17 Uhr 30, Donnerstag von 9 bis 12 Uhr, "
                                 "Montag, Mittwoch und Freitag nach Terminvereinbarung")
    assert H.speak(H.parse("Mo-Do 8-12 Uhr; Fr nach Vereinbarung")).endswith("Freitag nach Vereinbarung")
    assert H.speak(H.parse("Mo.-Fr. 8:00 – 12:00 Uhr, Do. 14:00 – 18:00 Uhr")).startswith("Montag bis Mittwoch und Freitag")
    assert H.speak(H.parse("Mo, Di, Do: 8-12 Uhr, Mi: geschlossen")) == "Montag, Dienstag und Donnerstag von 8 bis 12 Uhr"
    # a closed day before the next day's times does not take them
    closed = H.parse("Mo, Di, Fr 8.00–12.30 Uhr; Do 8.00–18.00 Uhr; Mi geschlossen; jeden ersten Samstag im Monat 9.00–12.00 Uhr")
    assert 2 not in closed.days and closed.days[5] == [(540, 720)]
    assert H.speak(H.parse("montags bis donnerstags von 8 bis 12 Uhr, freitags geschlossen")) == "Montag bis Donnerstag von 8 bis 12 Uhr"


def test_a_day_open_only_in_some_weeks_of_the_month_is_said_so():
    first_saturday = H.parse("Mo, Di, Fr 8.00–12.30 Uhr; Mi geschlossen; jeden ersten Samstag im Monat 9.00–12.00 Uhr")
    assert first_saturday.monthly == {5: (1,)}
    assert H.speak(first_saturday).endswith("jeden ersten Samstag im Monat von 9 bis 12 Uhr")
    assert H.speak(first_saturday, "en").endswith("every first Saturday of the month from 9:00 to 12:00")
    assert H.parse("Mo-Fr 8-12 Uhr, am 1. und 3. Samstag 10-12 Uhr").monthly == {5: (1, 3)}
    assert H.speak(H.parse("Di 9-12, letzten Freitag im Monat 9-12")) == "Dienstag und jeden letzten Freitag im Monat von 9 bis 12 Uhr"
    assert H.parse("Mo-Fr 8.00-12.30 Uhr, 2. Obergeschoss").monthly == {}
    office = Office(id="bb", name="Bürgerbüro", opening_hours=first_saturday.raw)
    text, answered = replies.office_answer(office, "hours", "hat das bürgerbüro am samstag auf")
    assert answered and text == "Ja. Bürgerbüro: am ersten Samstag im Monat geöffnet von 9 bis 12 Uhr."


def test_days_by_appointment_holidays_and_notes_after_the_times():
    office = H.parse("Mo-Do 8:30-12 Uhr; Do 14-17:30 Uhr; Fr nach Vereinbarung")
    assert office.by_appointment == {4} and 4 not in office.days
    assert H.speak(office).endswith("Freitag nach Vereinbarung")
    building = H.parse("Di 8-12 Uhr und 14-16 Uhr; Do 8-12 Uhr; übrige Tage nach Vereinbarung")
    assert building.by_appointment == {0, 2, 4}
    assert H.parse("Dienstag und Donnerstag 8.30 - 12.00 Uhr sowie nach Terminvereinbarung").by_appointment == set()
    text, _ = replies.office_answer(Office(id="oa", name="Ordnungsamt", opening_hours=office.raw), "hours",
                                    "hat das ordnungsamt freitags auf")
    assert text == "Ordnungsamt: am Freitag nur nach Vereinbarung."
    # the times of the cemetery gates are not Thursday's office hours
    cemetery = H.parse("Mo-Fr 8-12 Uhr, Mo und Do auch 13-15 Uhr; Friedhofstore im Sommer 7-20 Uhr, im Winter 8-17 Uhr")
    assert cemetery.days[3] == [(480, 720), (780, 900)]
    # ... and are said as the catalog writes them, after the hours
    assert H.speak(cemetery).endswith(", Friedhofstore im Sommer 7-20 Uhr, im Winter 8-17 Uhr")
    assert building.notes == [] and H.parse("Mo.-Fr. 8.30-12.00 Uhr; Trauungen samstags nach Vereinbarung").notes == []
    kita = Office(id="ks", name="Kita-Servicebüro", opening_hours="Mo-Do 9-12 Uhr, Di 14-16 Uhr; in den NRW-Schulferien nur Di und Do 9-12 Uhr")
    regular = H.parse(kita.opening_hours)
    assert regular.days[0] == [(540, 720)] and regular.holidays.days == {1: [(540, 720)], 3: [(540, 720)]}
    assert H.speak(regular).endswith("in den NRW-Schulferien: Dienstag und Donnerstag von 9 bis 12 Uhr")
    text, _ = replies.office_answer(kita, "hours", "hat das kita servicebüro in den sommerferien montags auf")
    assert text.startswith("Nein.")


def test_the_season_a_caller_names_picks_its_hours():
    recycling = Office(id="wh", name="Wertstoffhof", opening_hours=(
        "April bis Oktober: Mo-Fr 7:30-18 Uhr, Sa 8-14 Uhr; November bis März: Mo-Fr 8-16 Uhr, Sa 8-13 Uhr"))
    text, _ = replies.office_answer(recycling, "hours", "und unter der woche, jetzt im sommer?")
    assert "April bis Oktober" in text and "7 Uhr 30 bis 18 Uhr" in text
    text, _ = replies.office_answer(recycling, "hours", "hat der wertstoffhof im januar samstags auf")
    assert text == "Ja. Wertstoffhof: am Samstag geöffnet von 8 bis 13 Uhr."
    assert H.asked_date("wann habt ihr auf") is None


def test_seasonal_hours_are_today_s_season():
    recycling = ("April bis Oktober: Mi + Fr 14-18 Uhr, Sa 9-13 Uhr / "
                 "November bis März: Mi + Fr 13-16.30 Uhr, Sa 9-13 Uhr")
    winter = H.parse(recycling, today=dt.date(2026, 12, 4))
    assert winter.days[2] == [(780, 990)] and H.speak(winter).startswith("November bis März: Mittwoch und Freitag")
    assert H.parse(recycling, today=dt.date(2026, 6, 1)).days[2] == [(840, 1080)]
    harbour = "Saison (1. April bis 31. Oktober): täglich 8-10 Uhr und 17-19 Uhr; Winter: nur montags 10-12 Uhr"
    assert H.parse(harbour, today=dt.date(2026, 7, 1)).days[6] == [(480, 600), (1020, 1140)]
    off = H.parse(harbour, today=dt.date(2026, 1, 15))
    assert off.days == {0: [(600, 720)]} and off.season == "Winter"
    assert H.parse(HOURS).season == ""


def test_a_day_open_only_in_some_months_is_closed_in_the_others_and_said_so():
    tourism = Office(id="t", name="Tourist-Information", opening_hours="Mo-Fr 9-17 Uhr; Sa 10-14 Uhr (nur Mai bis Oktober)")
    winter, summer = dt.date(2026, 12, 1), dt.date(2026, 6, 2)
    assert sorted(H.parse(tourism.opening_hours, today=winter).days) == [0, 1, 2, 3, 4]
    assert sorted(H.parse(tourism.opening_hours, today=summer).days) == [0, 1, 2, 3, 4, 5]
    closed, _ = replies.office_answer(tourism, "hours", "Hat die Touristinfo samstags auf?", "de", winter)
    assert closed.startswith("Nein.") and "Samstag von 10 bis 14 Uhr" in closed and "Mai bis Oktober" in closed
    opened, _ = replies.office_answer(tourism, "hours", "Hat die Touristinfo samstags auf?", "de", summer)
    assert opened.startswith("Ja.") and "10 bis 14 Uhr" in opened
    listed, _ = replies.office_answer(tourism, "hours", "Wann hat die Touristinfo offen?", "de", winter)
    assert "Montag bis Freitag von 9 bis 17 Uhr" in listed and "Mai bis Oktober" in listed


def test_open_on_the_day_and_part_of_day_asked():
    schedule = H.parse(HOURS)
    tuesday_pm = H.asked_day("Hat das am Dienstagnachmittag auf?")
    assert (tuesday_pm.day, tuesday_pm.part) == (1, (720, 1080))
    assert H.open_on(schedule, tuesday_pm) == (True, [(840, 1080)])
    assert H.open_on(schedule, H.asked_day("Ist am Freitag nachmittag offen?")) == (False, [(480, 720)])
    assert H.open_on(schedule, H.asked_day("Und am Mittwoch?"))[0] is False
    assert H.asked_day("Haben Sie heute auf?", today=dt.date(2026, 12, 3)).day == 3
    assert H.asked_day("Wann haben Sie geöffnet?") is None
    # "mittags" reaches into the afternoon (in the south-west it is the afternoon)
    assert H.open_on(schedule, H.asked_day("Un donnerstags mittags, sinn die do?")) == (True, [(480, 720), (840, 1080)])


OFFICE = Office(id="bb", name="Bürgerbüro im Rathaus", address="Rathausplatz 1", phone="01234 567-100",
                email="bb@example.org", opening_hours=HOURS)


def test_office_answers_come_from_its_record():
    assert "14 bis 18 Uhr" in replies.office_answer(OFFICE, "hours", "Hat das am Dienstagnachmittag auf?")[0]
    text, found = replies.office_answer(OFFICE, "hours", "Hat das am Mittwoch auf?")
    assert found and text.startswith("Nein") and "Mittwoch" in text
    assert replies.office_answer(OFFICE, "contact", "Wie ist die Telefonnummer?") == (
        "Bürgerbüro im Rathaus. Telefon: 01234 567-100.", True)
    assert "bb@example.org" in replies.office_answer(OFFICE, "contact", "Und die E-Mail?")[0]
    # "heute" is the day given (the benchmarks fix one), else the real day
    tuesday, wednesday = dt.date(2026, 12, 1), dt.date(2026, 12, 2)
    assert "Dienstag" in replies.office_answer(OFFICE, "hours", "Hat das heute auf?", "de", tuesday)[0]
    assert replies.office_answer(OFFICE, "hours", "Hat das heute auf?", "de", wednesday)[0].startswith("Nein")
    no_hours = Office(id="x", name="Bürgerbüro Pasing", phone="089 1")
    text, found = replies.office_answer(no_hours, "hours", "Wann hat das geöffnet?")
    assert not found and "089 1" in text


def test_the_towns_name_names_no_office():
    offices = [Office(id="bib", name="Stadtbibliothek Auental", address="Mühlenweg 2, 76999 Auental"),
               Office(id="oa", name="Ordnungsamt", address="Marktstraße 8, 76999 Auental"),
               Office(id="bb", name="Bürgerbüro", address="Rathausplatz 1, 76999 Auental")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=offices)])
    assert directory.named_in("Welcher Zahnarzt hat heute in Auental Notdienst?") == []
    assert [o.id for o in directory.named_in("Wann hat die Stadtbibliothek auf?")] == ["bib"]


def test_offices_found_by_name_common_name_and_kind():
    offices = [OFFICE, Office(id="sta", name="Standesamt"), Office(id="kfz", name="Kfz-Zulassungsstelle")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=offices)])
    assert [o.id for o in directory.named_in("Wann hat das Rathaus geöffnet?")] == ["bb"]
    assert [o.id for o in directory.named_in("Wann hat das Bürgeramt geöffnet?")] == ["bb"]
    assert [o.id for o in directory.named_in("Telefonnummer vom Standesamt")] == ["sta"]
    assert [o.id for o in directory.named_in("Wo ist die Zulassungsstelle?")] == ["kfz"]
    assert directory.named_in("Was kostet ein Reisepass?") == []
    # an adjective names an office only beside a word of its own; a place moved to names none
    places = [Office(id="messe", name="Feuerwache Neue Messe"), Office(id="alt", name="Altes Rathaus"),
              Office(id="neu", name="Neues Rathaus"), Office(id="pas", name="Bürgerbüro Pasing")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=places)])
    assert directory.named_in("er soll meine neue Adresse nicht rauskriegen") == []
    assert [o.id for o in directory.named_in("Wann hat das alte Rathaus auf?")] == ["alt"]
    assert directory.named_in("wir sind nach Pasing gezogen, was muss ich machen") == []
    assert [o.id for o in directory.named_in("Wann hat das Bürgerbüro in Pasing auf?")] == ["pas"]
    # the town's name names no office, also inside a hyphenated one
    munich = [Office(id="pas", name="Standesamt München-Pasing", address="Landsberger Straße 486, 81241 München"),
              Office(id="kvr", name="Kreisverwaltungsreferat", address="Ruppertstraße 19, 80337 München")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=munich)])
    assert directory.named_in("ich bin in München geboren, wo krieg ich eine Urkunde") == []
    assert [o.id for o in directory.named_in("Wann hat das Standesamt in Pasing auf?")] == ["pas"]
    # the town's own of a kind ("Stadtbücherei" for "Bücherei"), not another kind ("Tiefbauamt")
    kinds = [Office(id="bib", name="Stadtbücherei"), Office(id="tief", name="Tiefbauamt"),
             Office(id="bau", name="Bauaufsicht")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=kinds)])
    assert [o.id for o in directory.named_in("Hat die Bücherei heute auf?")] == ["bib"]
    assert [o.id for o in directory.named_in("Wann hat die Bibliothek auf?")] == ["bib"]
    assert [o.id for o in directory.named_in("Is dat Bauamt am Freitach auf?")] == ["bau"]
    # the word of an office's own name before the start of a longer one
    towns = [Office(id="bau", name="Bauverwaltung der Verbandsgemeinde"), Office(id="kasse", name="Verbandsgemeindekasse")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=towns)])
    assert [o.id for o in directory.named_in("Hat die Verbandsgemeindekasse am Freitag auf?")] == ["kasse"]
    # a name that spells two compounds with one hyphen names both
    shared = [Office(id="bau", name="Bau- und Liegenschaftsamt"), Office(id="kfz", name="Zulassungs- und Führerscheinstelle"),
              Office(id="kult", name="Kultur- und Tourismusbüro")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=shared)])
    assert [o.id for o in directory.named_in("Wo sitzt das Bauamt überhaupt?")] == ["bau"]
    assert [o.id for o in directory.named_in("Wann hat das Kulturbüro auf?")] == ["kult"]
    assert directory.named_in("Wo ist das Ordnungsamt?") == []
    # the town's kind before an office's own word ("Gemeindekasse" for "Kasse und Steueramt"); in English
    towns = [Office(id="kasse", name="Kasse und Steueramt"), Office(id="kfz", name="Kfz-Zulassungsstelle, Außenstelle")]
    directory = OfficeDirectory.build([Service(id="1", name="x", offices=towns)])
    assert [o.id for o in directory.named_in("hat die gemeindekasse heut nachmittag auf")] == ["kasse"]
    assert [o.id for o in directory.named_in("When is the vehicle registration office open?")] == ["kfz"]
    several = [Office(id="a", name="Bürgerbüro Pasing"), Office(id="b", name="Bürgerbüro Orleansplatz")]
    assert directory.kind(several) == "Bürgerbüro"


def test_where_with_several_offices_says_any_of_them():
    service = Service(id="1", name="Reisepass", offices=[Office(id="a", name="Bürgerbüro Pasing", address="A 1"),
                                                         Office(id="b", name="Bürgerbüro Orleansplatz", address="B 2")])
    text, found, office = replies.service_answer(service, "where", "Wo kann ich den beantragen?")
    assert found and "in jedem Bürgerbüro" in text and office.id == "a"
    stations = Service(id="2", name="Fahrzeug zulassen", offices=[Office(id="c", name="Zulassungsstelle Nord"),
                                                                   Office(id="d", name="Zulassungsstelle Süd")])
    assert "in jeder Zulassungsstelle" in replies.service_answer(stations, "where", "Wo mache ich das?")[0]


def test_no_fact_says_so_and_offers_the_office_phone():
    service = Service(id="1", name="Reisepass", description="Den Pass gibt es im Bürgerbüro, das ist wichtig.",
                      offices=[OFFICE])
    text, found, _ = replies.service_answer(service, "appointment", "Brauche ich einen Termin?")
    assert not found and "leider nichts" in text and "01234 567-100" in text


def test_corrections_and_case_questions():
    assert correction("Nein, ich meinte den Führerschein") == "den Führerschein"
    assert correction("No, I meant the passport") == "the passport"
    assert correction("Was kostet ein Reisepass?") is None
    assert correction("ne ich mein abmelden") == "abmelden"
    assert correction("ah na, ich mein des Bürgerbüro") == "des Bürgerbüro"
    assert correction("nee warte, ich meinte eigentlich nen Personalausweis") == "eigentlich nen Personalausweis"
    assert correction("nein nicht die wohnung ich mein die anmeldung vom gewerbe") == "die anmeldung vom gewerbe"
    assert _case_question("Ist mein Personalausweis schon fertig?")
    assert _case_question("Ich habe den aber schon vor drei Woche beantragt. Ist der jetzt fertig?")
    assert _case_question("Kann ich mit euch eine Ratenzahlung ausmachen?")
    assert not _case_question("Wann wird die Hundesteuer fällig?")
    assert _case_question("Ich finde meinen Grundsteuerwert viel zu hoch. Habe ich da Chancen?")
    # a neighbour's barking dog is a complaint; the own dog barking is no case
    assert _case_question("Der Nachbar lässt seinen Köter den ganzen Tag bellen, das geht so nicht weiter!")
    assert _case_question("der hund vom nachbarn bellt stundenlang")
    assert not _case_question("Mein Hund bellt, muss ich den anmelden?")
    # whether it has gone through yet: the file's state
    assert _case_question("Letzte Woche hab ich ein Auto zugelassen, ist das eigentlich schon durch?")
    assert _case_question("Can you tell me if my building permit has been approved yet?")
    assert not _case_question("How long until it is approved?")
    assert _case_question("Ich habe den Hund doch schon im März abgemeldet!")
    assert _case_question("Mein Antrag wurde abgelehnt")
    assert _case_question("Ich hab meinen Sohn für die Kita angemeldet und noch nischt gehört. Ist da schon entschieden?")
    assert _case_question("Können Sie da nicht mal beim Landratsamt nachfragen?")
    assert not _case_question("Wie lange dauert es, bis mein Personalausweis fertig ist?")
    for own in ("Mein Pass ist seit sechs Wochen beantragt, wo bleibt der?", "Meine Hundesteuer wurde doppelt abgebucht",
                "Ich habe einen Bescheid bekommen, der stimmt nicht", "Können Sie nachschauen, ob mein Antrag da ist?",
                "Ich habe eine Rechnung bekommen, die ich nicht verstehe",
                "Ist der Kita-Platz für meine Tochter jetzt zugesagt oder nicht?",
                "Der Sperrmüll hätt gestern abgeholt werden sollen, was ist denn da los?",
                "Mein Nachbar lässt seinen Hund immer ohne Leine rumlaufen, da muss doch mal einer was machen!",
                "Ich muss Ende des Monats raus und weiß nicht wohin",
                "ich hab im januar einen antrag abgegeben und nie wieder was gehört",
                "Ich hab ein Knöllchen gekriegt, obwohl der Ausweis hinter der Scheibe lag, das seh ich nicht ein!",
                "Soll ich Bürgergeld oder Wohngeld beantragen, was ist für mich besser?",
                "Einbürgern oder bei der Niederlassungserlaubnis bleiben, was ist für mich persönlich besser?",
                "Was würden Sie mir raten, Urne oder doch lieber ein Erdgrab?", "Und meinen Sie, ich hab da Chancen?",
                "ob mein antrag auf den anwohnerparkausweis schon durch ist ich hab den vor einem monat abgeschickt",
                "Ich finde die Gebühr zu hoch.", "Die Müllabfuhr hat heute schon wieder unsere Tonne nicht geleert!",
                "Ist die Halle am 12. Juni noch frei?", "Können Sie da noch was machen?",
                "die firma die bei uns wartet ist die gut oder welche würden sie nehmen",
                "Können Sie mir einen guten Handwerker empfehlen?",
                "Unsere Tochter hat keinen Kitaplatz gekriegt, obwohl wir Rechtsanspruch haben. Können wir da klagen?",
                "And when will they finally bring fibre internet to my street?",
                "Der Nachbar hat ohne Genehmigung seine Eiche umgehauen. Könnt ihr dem nicht eine Strafe geben?"):
        assert _case_question(own), own
    for service in ("Ich bin seit zwei Wochen hier, muss ich mich anmelden?", "Was kostet es, wenn ich zu spät komme?",
                    "Bekomme ich zu viel gezahlte Hundesteuer zurück?",
                    "Das wär dieses Jahr schon das dritte Mal Sperrmüll, kostet das dann was?",
                    "meine Mutter ist heute Nacht verstorben, ich weiß gar nicht, was ich machen muss, der Arzt war schon da",
                    "Kollege sagt, ich kann so eine Karte für online machen, obwohl ich nicht Deutscher bin. Was kostet die?",
                    "Ich finde den Grundsteuerwert zu hoch, wo leg ich da Einspruch ein?",
                    "Der Vermieter hat die Miete schon wieder erhöht, kann ich da nicht einen Zuschuss kriegen?",
                    "Welche Unterlagen würden Sie mir empfehlen mitzunehmen?"):
        assert not _case_question(service), service


def test_conversation_files_are_checked(tmp_path):
    from rathaus.evaluation.dialog import judge, read_turns
    from rathaus.errors import RathausError

    bad = tmp_path / "bad.tsv"
    bad.write_text("question\texpected\nWas kostet das?\t102\n", encoding="utf-8")
    with pytest.raises(RathausError, match="conv, question"):
        read_turns(bad)
    good = tmp_path / "good.tsv"
    good.write_text("conv\tquestion\tservice\toffice\tfacet\tfact\n"
                    "a\tWas kostet ein Pass?\t102\t\tcost\t70 Euro\na\tUnd wo?\t102\tbb\twhere\tRathausplatz 1\n"
                    "p\tIst mein Pass fertig?\tFORWARD\t\t\t\n", encoding="utf-8")
    first, follow, person = read_turns(good)
    assert not first.follow_up and follow.follow_up and person.forward and not person.follow_up
    said = {"action": "answer", "service": {"id": "102"}, "office": None, "facet": "cost", "answer": "Die Gebühr: 70 Euro."}
    assert judge(first, said)["fact"] and not judge(first, said)["wrong"]
    other = dict(said, service={"id": "101"})
    assert judge(first, other)["wrong"] and not judge(first, other)["fact"]
    assert judge(person, said)["wrong"] and judge(person, {"action": "forward"})["not_answered"]
    # opening hours copied from the catalog match the same days and times spoken, no others
    hours = tmp_path / "hours.tsv"
    hours.write_text("conv\tquestion\tservice\toffice\tfacet\tfact\n"
                     "h\tIs da dienstags jemand?\t\tfh\thours\tDi 9-12\n", encoding="utf-8")
    turn, = read_turns(hours)
    spoken = {"action": "answer", "service": None, "office": {"id": "fh", "name": "Friedhofsverwaltung"}, "facet": "hours"}
    assert judge(turn, dict(spoken, answer="Ja. Friedhofsverwaltung: am Dienstag geöffnet von 9 bis 12 Uhr."))["fact"]
    assert not judge(turn, dict(spoken, answer="Ja. Friedhofsverwaltung: am Dienstag geöffnet von 9 bis 13 Uhr."))["fact"]
    # the German fact said in an English answer
    hours.write_text("conv\tquestion\tservice\toffice\tfacet\tfact\n"
                     "h\tAre they open on Tuesday?\t\tfh\thours\t9 Uhr 30 bis 12 Uhr\n", encoding="utf-8")
    turn, = read_turns(hours)
    assert judge(turn, dict(spoken, answer="Yes, on Tuesday Friedhofsverwaltung is open from 9:30 to 12:00."))["fact"]
    assert not judge(turn, dict(spoken, answer="Yes, on Tuesday Friedhofsverwaltung is open from 9:30 to 13:00."))["fact"]


def test_spoken_replies_put_names_bare():
    """Names are said without quotation marks (the voice reads them badly) and without a
    preposition or article before them ("bei Bürgerbüro"): the gender of a name is unknown."""
    import re
    import tomllib

    root = Path(__file__).resolve().parents[2] / "prompts"
    for lang in ("de", "en", "ru", "uk", "tr", "ar"):
        for name in ("dialog.toml", "catalog.toml"):
            table = tomllib.loads((root / lang / name).read_text(encoding="utf-8"))
            for section in ("facet", "office", "answer"):
                for key, text in table.get(section, {}).items():
                    if isinstance(text, str):
                        assert not re.search(r"[„“”«»\"]\{(name|office|other)\}", text), (lang, name, key, text)
    german = tomllib.loads((root / "de" / "dialog.toml").read_text(encoding="utf-8"))
    for section in ("facet", "office"):
        for key, text in german[section].items():
            assert not re.search(r"\b(bei|von|vom|beim|im|in|für|zu|unter|das|die|der|dem|den|ist)\s+\{(name|office|other)\}", text), key
    office = Office(id="b", name="Bürgerbüro Orleansplatz", address="Orleansplatz 11", phone="089 1")
    service = Service(id="1", name="Reisepass", fees="70 Euro", offices=[office])
    text = replies.service_answer(service, "where", "Wo beantrage ich einen Reisepass?")[0]
    assert text == "Reisepass. Zuständig: Bürgerbüro Orleansplatz, Orleansplatz 11."


def test_a_child_is_a_person_the_caller_speaks_of_not_part_of_a_service_name():
    assert speaks_of_child("mein sohn is zwölf") and speaks_of_child("für meine Tochter")
    assert not speaks_of_child("Was kostet ein Kinderreisepass?")


def test_another_authority_asked_for_not_the_callers_circumstance():
    from rathaus.dialog.turns import other_authorities

    assert other_authorities("ich hab meinen job verloren und brauch bürgergeld wo stell ich den antrag")
    assert other_authorities("Wie schlag ich das Erbe aus?")
    assert other_authorities("Muss ich das Erbe annehmen oder kann ich das ablehnen?")
    assert not other_authorities("kostet der wbs was ich bekomm bürgergeld")  # the WBS is asked about
    assert not other_authorities("Ich habe einen Schwerbehindertenausweis, zahle ich die volle Kurabgabe?")
    # one the caller says it is not for
    assert not other_authorities("Nee warte, dat is doch für ne Firma in Holland, nich fürs Jobcenter.")
    assert other_authorities("Ich brauch ne beglaubigte Kopie fürs Jobcenter, nicht für die Firma.")


def test_a_time_span_is_no_age_and_a_size_narrows_what_a_follow_up_names():
    licence = "für ein Jahr 15 Euro; für fünf Jahre 40 Euro; für zehn Jahre 70 Euro; Jugendfischereischein 8 Euro"
    assert fitting_fees(licence, "was kost de schein für fünf Jahr", "Fischereischein")[0] == ["für fünf Jahre 40 Euro"]
    assert fitting_fees(licence, "und für meinen Sohn, der ist zwölf", "Fischereischein")[0] == ["Jugendfischereischein 8 Euro"]
    bins = ("Restmülltonne 80 Liter 168 Euro im Jahr; Restmülltonne 120 Liter 228 Euro im Jahr; "
            "Biotonne 120 Liter 72 Euro im Jahr; Papiertonne gebührenfrei")
    lines, _ = fitting_fees(bins, "Was kostet dann die 120er im Jahr?", "Mülltonnen",
                            context="Die Restmülltonne ist viel zu klein. Kann ich eine größere kriegen?")
    assert lines == ["Restmülltonne 120 Liter 228 Euro im Jahr"]


def test_phone_mail_and_keeping_cues():
    assert max(F.scores("kann ich da auch anrufen").items(), key=lambda kv: kv[1])[0] == "contact"
    assert F.scores("geht das auch per e-mail")["online"] > F.scores("geht das auch per e-mail")["contact"]
    assert F.scores("wie ist die e-mail").get("online", 0) == 0
    kept = F.scores("und wenn das einer findet wo wird das dann aufbewahrt")
    assert kept["where"] > kept["validity"]
    how_long = F.scores("wie lange wird das aufbewahrt")
    assert how_long["validity"] > how_long.get("where", 0)
    docs = F.scores("what do I need for a residents parking permit")
    assert docs["documents"] > docs.get("what", 0)


def test_promises_lawsuits_complaints_and_tax_advice_go_to_a_person():
    from rathaus.dialog.turns import other_authorities

    for own in ("Bekommen wir dann garantiert einen Platz im Kindergarten am Markt?",
                "Was passiert, wenn die Nachbarin gegen den Bau klagt?",
                "Mein Gebührenbescheid ist dieses Jahr viel zu hoch, da stimmt doch was nicht.",
                "Unser Kind hat keinen Platz in der Krippe bekommen, was jetzt?",
                "Den Antrag hab ich vor zwei Wochen abgegeben, ist der schon bearbeitet?",
                "We applied in May and haven't heard back, can you tell me where my application is?",
                "Ehliyet başvurum ne durumda?",
                # whether a neighbour may do what he did: a dispute, not a rule of the catalog
                "Mein Nachbar hat sein Gartenhaus direkt an meine Grenze gebaut, darf der das?"):
        assert _case_question(own), own
    for service in ("Wie hoch ist die Hundesteuer?", "Ab wann bekomme ich einen Platz in der Krippe?",
                    "Ist ein Termin nötig, um den Antrag abzugeben?",
                    "Darf ich ein Gartenhaus an die Grenze zum Nachbarn bauen?"):
        assert not _case_question(service), service
    assert other_authorities("Muss ich als Kleinunternehmerin Umsatzsteuer zahlen?")
    assert other_authorities("und bürgergeld?") and not other_authorities("Bürgergeld-Empfänger zahlen weniger?")


def test_a_bound_in_words_and_asking_without_an_appointment():
    kita = "ab 3 Jahren Regelgruppe 155 Euro im Monat; unter 3 Jahren 380 Euro im Monat"
    assert fitting_fees(kita, "und ab drei", "Kita-Platz anmelden",
                        context="was kostet die krippe für ein einjähriges kind")[0] == ["ab 3 Jahren Regelgruppe 155 Euro im Monat"]
    assert F.detect("bis wann kann ich da ohne termin vorbeikommen") == "appointment"
    assert F.detect("bis wann kann ich da vorbeikommen") != "appointment"


def test_objecting_and_bills_still_coming_are_the_callers_case():
    assert _case_question("Für unseren Hund, der letztes Jahr gestorben ist, bekomme ich immer noch Bescheide.")
    assert _case_question("Dagegen will ich Einspruch einlegen.")
    assert not _case_question("Ick finde den Grundsteuerwert zu hoch, wo leg ick da Einspruch ein?")


def test_a_guess_at_the_place():
    from rathaus.dialog.turns import guesses_place
    assert guesses_place("Wo ist das überhaupt, im Rathaus?") and guesses_place("und wo sind die, auch am Markt?")
    assert not guesses_place("Wo ist das Standesamt im Rathaus?") and not guesses_place("Wo ist das?")
    assert guesses_place("Und wo genau ist die im Rathaus?") and guesses_place("wo is des denn im rathaus")



@pytest.mark.parametrize("reply, place", [("das zweite", 1), ("Letzteres bitte", -1), ("ja, die erste davon", 0),
                                          ("the second one", 1), ("für einen zweiten Hund", None),
                                          ("das erste oder das zweite", None), ("die Wohnung", None)])
def test_the_place_of_an_option_a_reply_takes(reply, place):
    from rathaus.dialog.turns import place_in_list
    assert place_in_list(reply) == place


def test_asked_for_a_reduction_the_line_that_grants_one():
    halls = "großer Saal 350 Euro pro Tag; Kaminzimmer 90 Euro pro Tag; Vereine aus Musterstadt 50 Prozent ermäßigt; Kaution 200 Euro"
    # a reduction by a share names no amount, yet it is the answer to "billiger?"
    assert fitting_fees(halls, "Wir sind ein Verein, kriegen wir den großen Saal billiger?", "Saal mieten")[0] == \
        ["Vereine aus Musterstadt 50 Prozent ermäßigt"]
    assert fitting_fees(halls, "Was kostet der große Saal?", "Saal mieten")[0] == ["großer Saal 350 Euro pro Tag"]
    dogs = "erster Hund 72 Euro im Jahr; gefährlicher Hund 600 Euro im Jahr; Einzelgehöft ermäßigt 36 Euro im Jahr"
    assert fitting_fees(dogs, "Gibt's da bei der Hundesteuer einen Rabatt?", "Hundesteuer")[0] == \
        ["Einzelgehöft ermäßigt 36 Euro im Jahr"]
    two = "Erwachsene 20 Euro; Schüler ermäßigt 10 Euro; Schwerbehinderte ermäßigt 5 Euro"
    assert fitting_fees(two, "Ich bin schwerbehindert, wird das billiger?", "Ausweis")[0] == ["Schwerbehinderte ermäßigt 5 Euro"]


def test_a_word_for_the_services_own_thing_names_no_line_where_the_name_lists_variants():
    cars = "Neuzulassung ab 30,10 Euro; Umschreibung mit Halterwechsel ab 28,90 Euro; online über i-Kfz ab 24,50 Euro"
    # "Auto" means "Fahrzeug Kfz": the service's own thing, not the line "über i-Kfz"
    assert fitting_fees(cars, "Was kostet die Anmeldung vom Auto?", "Fahrzeug zulassen oder umschreiben")[0] == \
        ["Neuzulassung ab 30,10 Euro"]
    assert fitting_fees(cars, "Was kostet das online?", "Fahrzeug zulassen oder umschreiben")[0] == \
        ["online über i-Kfz ab 24,50 Euro"]


def test_how_often_a_meter_is_changed_is_answered_by_its_calibration_period():
    changed = "Wasserzähler werden nach Ablauf der Eichfrist von sechs Jahren kostenlos getauscht."
    description = f"Den Zählerstand melden Sie jährlich bis zum 15. Januar. {changed} Das Trinkwasser ist weich."
    assert F.best_sentences(description, "validity", "Wie oft wird der Zähler getauscht?") == [changed]


@pytest.mark.parametrize("question", ["Wie viele Säcke darf man auf einmal mitnehmen?",
                                      "Wie viel Grünschnitt kann ich da abgeben?",
                                      "Wie hoch darf der Zaun sein?", "How many bags can I take?"])
def test_how_much_is_allowed_asks_the_limit_not_the_cost_or_the_documents(question):
    assert F.detect(question) == "limit"


def test_a_permission_in_general_tells_no_sentence_apart_the_thing_does():
    permit = "Bis zur Baugenehmigung vergehen meist drei Monate."
    shed = "Kleine Gebäude wie Gartenhäuser bis 30 Kubikmeter sind verfahrensfrei."
    stems = {"gartenhaus", "baugenehm"}
    assert F.detail_sentences(f"Den Bauantrag reichen Sie bei der Stadt ein. {permit} {shed}", stems)[0] == shed


def test_how_long_it_holds_is_a_sentence_with_a_span_not_one_that_names_the_callers_street():
    zone = "Im Bereich Hafen und in der Uferstraße gilt Bewohnerparken."
    span = "Der Ausweis gilt zwei Jahre."
    description = f"{zone} Den Antrag stellen Sie beim Ordnungsamt. {span}"
    # the street the caller named a turn before is no reason to pick the sentence on the zone
    assert F.best_sentences(description, "validity", "Wie lange gilt der?", specific={"uferstrass"}) == [span]


def test_a_deadline_can_be_the_start_of_the_activity():
    start = "Die Anzeige muss gleichzeitig mit dem Beginn des Betriebs erfolgen."
    description = f"Wer einen Betrieb eröffnet, zeigt das beim Ordnungsamt an. {start} Die Gebühr beträgt 30 Euro."
    assert start in F.best_sentences(description, "deadline", "Bis wann muss ich das gemacht haben?")


def test_of_sentences_naming_the_same_detail_the_one_with_more_of_the_questions_words_comes_first():
    plate = "Sie bekommen das Kennzeichen sofort."
    green = "Zugmaschinen im eigenen Betrieb erhalten ein grünes Kennzeichen."
    description = f"Fahrzeuge lassen Sie bei der Zulassungsstelle zu. {plate} {green}"
    assert F.detail_sentences(description, {"kennzeich"}, said={"kriegt", "grun", "kennzeich"})[0] == green
    assert F.detail_sentences(description, {"kennzeich"})[0] == plate
