"""The dialog engine over two blind-written town catalogs (bench/data, real embeddings): the
wording of their dev conversations that the rules were fitted to, as behaviour that must hold."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from rathaus.catalog import repository as R
from rathaus.catalog.assistant import Assistant, CatalogSettings
from rathaus.dialog import ConversationState, DialogEngine
from rathaus.store import Store


def _assistant(tmp_path_factory, name: str) -> Assistant:
    store = Store(tmp_path_factory.mktemp(name) / "rathaus.db")
    R.import_file(store, ROOT / "bench" / "data" / f"catalog_{name}.json")
    assistant = Assistant(store, CatalogSettings())
    assistant.warm_up()
    return assistant


@pytest.fixture(scope="module")
def wiesental(tmp_path_factory):
    return _assistant(tmp_path_factory, "wiesental")


@pytest.fixture(scope="module")
def moorhusen(tmp_path_factory):
    return _assistant(tmp_path_factory, "moorhusen")


def talk(assistant, *lines):
    engine, state = DialogEngine(assistant), ConversationState()
    return [engine.turn(state, line) for line in lines]


def test_a_clear_leader_is_answered_even_where_the_search_asks_back(wiesental, moorhusen):
    cost, time = talk(wiesental, "ich brauch ein führungszeugnis für den sportverein weil ich da jugendtrainer werde "
                                 "was kostet das", "wie lange dauert das bis ichs hab")
    assert (cost.action, cost.service.id, cost.facet) == ("answer", "W04", "cost") and "13 Euro" in cost.answer
    assert time.action == "answer" and "ein bis zwei Wochen" in time.answer
    trade, = talk(moorhusen, "Ich will nebenbei Torten auf Bestellung verkaufen, also so als Nebengewerbe, wie mach ich das?")
    assert trade.action == "answer" and trade.service.id == "M09"


def test_follow_ups_for_someone_else_and_fee_lines_of_other_items(wiesental):
    _, son = talk(wiesental, "Grüß Gott, was kostet denn bei Ihnen a neuer Personalausweis?", "und für mein Bu, der is 19")
    assert son.action == "answer" and son.facet == "cost" and "22,80 Euro" in son.answer
    _, fee = talk(wiesental, "mein geldbeutel ist weg mit allem drin ausweis führerschein alles was muss ich jetzt machen",
                  "kostet das was")
    assert fee.service.id == "W07" and "gebührenfrei" in fee.answer


def test_corrections_and_common_office_names(wiesental):
    _, office = talk(wiesental, "Wann hat das Standesamt am Freitag offen?", "ah na, ich mein des Bürgerbüro")
    assert office.office["id"] == "bb" and office.facet == "hours"
    _, trade = talk(wiesental, "Was brauch ich für die Anmeldung?", "nein nicht die wohnung ich mein die anmeldung vom gewerbe")
    assert trade.action == "answer" and trade.service.id == "W08"
    building, = talk(wiesental, "Wann hat denn das Bauamt offen?")
    assert building.action == "answer" and building.office["id"] == "bv"


def test_a_general_question_about_an_objection_is_answered_from_the_catalog(moorhusen):
    deadline, = talk(moorhusen, "bis wann kann ich gegen den abgabenbescheid widerspruch einlegen")
    assert deadline.action == "answer" and deadline.service.id == "M24" and "eines Monats" in deadline.answer
    own, = talk(moorhusen, "Mein Widerspruch gegen den Abgabenbescheid wurde abgelehnt, was jetzt?")
    assert own.action == "forward"


def test_a_closed_day_is_said_closed(moorhusen):
    wednesday, = talk(moorhusen, "Hat das Bürgerbüro am Mittwoch auf?")
    assert wednesday.office["id"] == "bb" and "geschlossen" in wednesday.answer


def test_matters_of_other_authorities_and_complaints_go_to_a_person(wiesental):
    for question in ("Mein Onkel ist gestorben und ich brauch einen Erbschein für die Bank. Kann ich den bei Ihnen beantragen?",
                     "Der Sperrmüll hätt gestern bei uns abgeholt werden sollen und jetzt steht das ganze Zeug immer "
                     "noch an der Straße. Was ist denn da los?",
                     "Können Sie mir nicht direkt eine Wohnung besorgen? Ich muss Ende des Monats raus und weiß nicht wohin."):
        reply, = talk(wiesental, question)
        assert reply.action == "forward", question


def test_a_sentence_about_a_new_topic_names_the_service_first(wiesental):
    signs, = talk(wiesental, "Wir ziehen am Fünfzehnten um und der Möbelwagen braucht Platz vorm Haus. "
                             "Kann man da so Halteverbotsschilder kriegen?")
    assert signs.service.id == "W13" and signs.answer.startswith("Halteverbotszone für Umzug einrichten. Die Schilder")
