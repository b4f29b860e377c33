"""The dialog engine over the real sample catalog (real embeddings, FTS5, SQLite): facets answered
first, office questions, follow-ups, corrections; the same through the phone dialog, and
`rathaus chat` / `rathaus ask` as real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources

import pytest

from tests.conftest import ROOT, run_cli
from rathaus.catalog import repository as R
from rathaus.catalog.assistant import Assistant, CatalogSettings
from rathaus.dialog import ConversationState, DialogEngine
from rathaus.store import Store
from voice.phone.dialog import Dialog, DialogSettings, Say, State, Transfer


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    path = tmp_path_factory.mktemp("dialog") / "rathaus.db"
    store = Store(path)
    with resources.as_file(resources.files("rathaus.catalog.data").joinpath("sample_musterstadt.json")) as sample:
        R.import_file(store, sample, "json", source="sample")
    assistant = Assistant(store, CatalogSettings())
    assistant.warm_up()
    yield assistant, path
    store.close()


def talk(assistant, *lines):
    engine, state = DialogEngine(assistant), ConversationState()
    return [engine.turn(state, line) for line in lines]


def test_the_asked_facet_is_answered_not_the_blurb(prepared):
    assistant, _ = prepared
    cost, docs, time, online = talk(assistant, "Was kostet ein Reisepass?",
                                    "Welche Unterlagen brauche ich für den Personalausweis?",
                                    "Wie lange dauert es, bis mein Personalausweis fertig ist?",
                                    "Kann ich das Führungszeugnis online beantragen?")
    assert (cost.action, cost.service.id, cost.facet) == ("answer", "102", "cost")
    assert "70 Euro" in cost.answer and "Passfoto" not in cost.answer
    assert docs.facet == "documents" and "Passfoto" in docs.answer and "Euro" not in docs.answer
    assert time.service.id == "101" and "drei bis vier Wochen" in time.answer
    assert online.service.id == "109" and "online" in online.answer


def test_office_questions_are_answered_without_a_service(prepared):
    assistant, _ = prepared
    hours, phone, where, day = talk(assistant, "Wann hat das Bürgerbüro geöffnet?",
                                    "Wie ist die Telefonnummer vom Standesamt?", "Wo ist das Bauamt?",
                                    "Hat die Zulassungsstelle am Mittwoch nachmittag auf?")
    assert hours.service is None and hours.office["id"] == "bb" and "14 bis 18 Uhr" in hours.answer
    assert phone.office["id"] == "sta" and "01234 567-200" in phone.answer
    assert where.office["id"] == "bau" and "Bahnhofstraße 20" in where.answer
    assert day.office["id"] == "kfz" and "Mittwoch" in day.answer and "7 Uhr 30 bis 12 Uhr" in day.answer


def test_follow_ups_refer_back_and_a_new_topic_replaces_it(prepared):
    assistant, _ = prepared
    turns = talk(assistant, "Was kostet ein Personalausweis?", "Und wo ist das?", "Brauche ich dafür einen Termin?",
                 "Und was kostet das für meine Tochter, sie ist 12?", "Was kostet die Hundesteuer?", "Wo mache ich das?")
    assert [t.service.id for t in turns] == ["101", "101", "101", "101", "112", "112"]
    assert "Rathausplatz 1" in turns[1].answer and turns[1].office["id"] == "bb"
    assert turns[2].facet == "appointment" and "leider nichts" in turns[2].answer  # the catalog does not say
    assert "22,80 Euro" in turns[3].answer
    assert "96 Euro" in turns[4].answer and "Steueramt" in turns[5].answer


def test_correction_and_confirmation_and_person(prepared):
    assistant, _ = prepared
    first, corrected = talk(assistant, "Wie lange dauert es, bis mein Personalausweis fertig ist?",
                            "Nein, ich meinte den Reisepass")
    assert corrected.service.id == "102" and "vier bis sechs Wochen" in corrected.answer
    person, case = talk(assistant, "Ich will mit Frau Meier sprechen", "Ist mein Reisepass schon fertig?")
    assert person.action == "forward" and case.action == "forward" and case.service is None


def test_phone_call_keeps_the_topic_across_turns(prepared):
    assistant, _ = prepared
    call = Dialog(assistant, DialogSettings(municipality="Musterstadt"))
    call.start()
    first = call.on_utterance("Was kostet ein Reisepass?")
    assert "70 Euro" in first[0].text and call.state == State.ANYTHING_ELSE
    second = call.on_utterance("Und wo ist das?")
    assert isinstance(second[0], Say) and "Rathausplatz 1" in second[0].text
    third = call.on_utterance("Wann hat das Standesamt geöffnet?")
    assert "Montag" in third[0].text and call.state == State.ANYTHING_ELSE and call.service_id == "102"
    case = call.on_utterance("Ist mein Reisepass schon fertig?")
    assert call.state == State.TRANSFERRING and isinstance(case[-1], Transfer)


def test_chat_command_holds_a_conversation(prepared, tmp_path):
    _, path = prepared
    db = tmp_path / "copy.db"
    shutil.copy(path, db)
    env = {"RATHAUS_DB": str(db), "RATHAUS_HOME": str(tmp_path)}
    lines = ("Was kostet ein Reisepass?\n\nUnd wo ist das?\nWann hat das offen?\nWie ist die Telefonnummer vom Standesamt?\n"
             "Danke, das war's\n")
    out = run_cli("chat", "--json", input=lines, env=env)
    assert out.returncode == 0, out.stderr
    turns = [json.loads(line) for line in out.stdout.splitlines()]
    assert [t["caller"] for t in turns] == ["Was kostet ein Reisepass?", "Und wo ist das?", "Wann hat das offen?",
                                            "Wie ist die Telefonnummer vom Standesamt?", "Danke, das war's"]
    assert turns.pop()["action"] == "goodbye"
    assert set(turns[0]) == {"caller", "action", "service", "office", "facet", "answer"}
    assert [t["service"]["id"] if t["service"] else None for t in turns] == ["102", "102", "102", None]
    assert turns[2]["facet"] == "hours" and "14 bis 18 Uhr" in turns[2]["answer"]
    assert turns[3]["office"] == {"id": "sta", "name": "Standesamt"}
    plain = run_cli("chat", input="Wo ist das Bauamt?\n", env=env)
    assert plain.stdout.strip() == "Bauamt. Adresse: Bahnhofstraße 20, 12345 Musterstadt."
    broken = subprocess.run([sys.executable, "-m", "apps.cli", "chat", "--json"], cwd=ROOT, capture_output=True,
                            input=b"\xff\xfe kaputt\nWo ist das Bauamt?\n", env={**os.environ, **env})
    assert broken.returncode == 0, broken.stderr
    replies = [json.loads(line) for line in broken.stdout.decode().splitlines()]
    assert len(replies) == 2 and replies[1]["office"]["id"] == "bau"


def test_ask_command_answers_office_questions(prepared, tmp_path):
    _, path = prepared
    db = tmp_path / "copy.db"
    shutil.copy(path, db)
    out = run_cli("ask", "--json", "Wie", "ist", "die", "Telefonnummer", "vom", "Standesamt?",
                  env={"RATHAUS_DB": str(db), "RATHAUS_HOME": str(tmp_path)})
    line = json.loads(out.stdout)
    assert (line["action"], line["service"], line["office"]["id"], line["facet"]) == ("answer", None, "sta", "contact")


def test_a_detail_of_the_description_answers_before_the_general_fields(prepared):
    assistant, _ = prepared
    shed, = talk(assistant, "Brauche ich für ein kleines Gartenhaus eine Genehmigung?")
    assert shed.service.id == "133" and "Gartenhäuser" in shed.answer and "Bauvorlagen" not in shed.answer
    fee, variant = talk(assistant, "Was kostet ein Führerschein?", "Und der Umtausch von einem alten?")
    assert "43,40 Euro" in fee.answer and "25,30 Euro" in variant.answer


def test_a_condition_keeps_the_question_and_a_surcharge_is_named(prepared):
    assistant, _ = prepared
    plain, extended = talk(assistant, "Was kostet eine Meldebescheinigung?", "Und wenn ich die erweiterte brauche?")
    assert plain.facet == extended.facet == "cost" and "10 Euro" in extended.answer
    _, express = talk(assistant, "Was kostet ein Reisepass?", "Was kostet das extra, wenn es schnell gehen muss?")
    assert "32 Euro" in express.answer


def test_another_thing_of_the_same_kind_goes_to_a_person(prepared):
    assistant, _ = prepared
    other, = talk(assistant, "Wie beantrage ich Bürgergeld?")  # not the sample's "Wohngeld beantragen"
    assert other.action == "forward"
    own, = talk(assistant, "Wie beantrage ich Wohngeld?")
    assert own.action == "answer" and own.service.id == "128"


def test_another_authority_goes_to_a_person_unless_it_asks_for_a_named_document(prepared):
    """The Jobcenter or Finanzamt named: a case there (forwarded), unless the caller names the
    town's own document that authority wants, and the catalog answers it clearly."""
    assistant, _ = prepared
    document, tax, benefit = talk(assistant, "Das Jobcenter will eine Meldebescheinigung von mir, was kostet die?",
                                  "Ich habe eine Frage zu meinem Steuerbescheid vom Finanzamt",
                                  "Wann überweist mir das Jobcenter endlich das Geld?")
    assert (document.action, document.service.id) == ("answer", "108") and "Euro" in document.answer
    assert tax.action == "forward" and tax.service is None
    assert benefit.action == "forward" and benefit.service is None


def test_wegen_is_a_preposition_not_a_lost_document(prepared):
    """"weg" means lost ("mein Ausweis ist weg"); "wegen" only says what the call is about and
    used to turn a passport question into a loss report."""
    assistant, _ = prepared
    (turn,) = talk(assistant, "Hallo, ich melde mich wegen dem Reisepass von meinem Sohn")
    assert turn.candidates[0].name == "Kinderreisepass"
    assert not (turn.action == "answer" and "Verlust" in turn.service.name)


def test_a_case_cue_counts_only_within_its_sentence(prepared):
    """"seit ... beantragt" is waiting for one's own application, but not across a full stop:
    "Seit mein Mann ausgezogen ist, ist das Geld knapp. Wo wird Wohngeld beantragt?" is a
    question about the service."""
    assistant, _ = prepared
    service, waiting = talk(assistant, "Seit mein Mann ausgezogen ist, ist das Geld knapp. Wo wird Wohngeld beantragt?",
                            "Ich habe seit drei Wochen den Reisepass beantragt und nichts gehört")
    assert service.action != "forward" and service.candidates[0].name == "Wohngeld beantragen"
    assert waiting.action == "forward" and waiting.service is None


def test_waiting_failed_service_and_disputes_go_to_a_person(prepared):
    assistant, _ = prepared
    waiting, failed, dispute, received = talk(assistant, "ich hab letzte woche den reisepass beantragt wann kommt der",
                                              "Der Sperrmüll sollte heute früh abgeholt werden und steht immer noch da",
                                              "Mein Grundsteuerbescheid, das kann doch nicht stimmen, wer prüft das?",
                                              "Haben Sie meine Unterlagen schon bekommen?")
    assert [t.action for t in (waiting, failed, dispute, received)] == ["forward"] * 4
    assert all(t.service is None for t in (waiting, failed, dispute, received))
    _, time = talk(assistant, "Ich will einen Reisepass beantragen", "und wann bekomm ich den")
    _, documents = talk(assistant, "Ich will meinen Hund anmelden", "und was muss man da alles einreichen")
    assert time.facet == "processing_time" and documents.facet == "documents"


@pytest.mark.parametrize("question", [
    # entitled with one's own income, on a register, what is due for one's own house
    "Können Sie mir sagen ob ich mit 1400 Euro netto und zwei Kindern Wohngeld bekomme?",
    "Ich hab gar keine Wahlbenachrichtigung bekommen, steh ich überhaupt im Wählerverzeichnis?",
    "Wie viel Grundsteuer zahl ich für mein Haus in der Mühlstraße 4?",
    # a collection nobody came for, the state of one's application, a lost thing handed in
    "Heute war meine Sperrmüllabholung und es ist niemand gekommen",
    "Ich hab vor zwei Monaten Wohngeld beantragt und noch gar nix gehört",
    "Wie ist da der Stand beim Reisepass?",
    "Mein Handy ist weg, ein schwarzes Samsung, ist das bei Ihnen abgegeben worden?",
    # advice on one's own situation, a legal dispute, another authority's matter
    "Lohnt es sich für mich eigentlich, aus der Kirche auszutreten?",
    "Mein Vermieter gibt mir die Wohnungsgeberbestätigung nicht, was kann ich rechtlich machen?",
    "Wo beantrage ich Kindergeld?",
])
def test_what_only_a_person_with_the_file_can_say_goes_to_a_person(prepared, question):
    assistant, _ = prepared
    turn, = talk(assistant, question)
    assert turn.action == "forward" and turn.service is None


def test_general_rules_and_found_money_stay_catalog_questions(prepared):
    assistant, _ = prepared
    general, found = talk(assistant, "Wer hat Anspruch auf Wohngeld?",
                          "ich hab nen geldbeutel mit 300 euro gefunden, wo geb ich den ab")
    assert general.action != "forward" and found.action != "forward"


def test_office_follow_ups_and_corrections_with_fillers(prepared):
    assistant, _ = prepared
    _, afternoon = talk(assistant, "Wann hat das Bürgerbüro am Montag auf?", "und nachmittags")
    assert afternoon.office["id"] == "bb" and afternoon.facet == "hours" and "14 bis 18 Uhr" in afternoon.answer
    _, friday = talk(assistant, "Wann hat die Zulassungsstelle auf?", "und freitags bis wann")  # hours, not a deadline
    assert friday.office["id"] == "kfz" and friday.facet == "hours" and "Freitag" in friday.answer
    _, corrected = talk(assistant, "Was kostet ein Reisepass?", "ach nee quatsch ich mein den personalausweis")
    assert (corrected.action, corrected.service.id, corrected.facet) == ("answer", "101", "cost")
    assert "37 Euro" in corrected.answer
    _, tax_office = talk(assistant, "Ich möchte ein Gewerbe anmelden", "muss ich das dem Finanzamt noch extra melden")
    assert tax_office.action == "forward"  # this catalog's trade registration says nothing about the Finanzamt


def test_another_authority_the_topic_speaks_of_is_answered_from_it(tmp_path):
    """Falkenried's trade registration says the Ordnungsamt informs the Finanzamt: asking about
    the Finanzamt within that topic is a question about the service, not a case there."""
    store = Store(tmp_path / "rathaus.db")
    R.import_file(store, ROOT / "bench" / "data" / "catalog_falkenried.json", "json")
    assistant = Assistant(store, CatalogSettings())
    _, tax_office = talk(assistant, "Ich möchte einen kleinen Imbiss eröffnen, wie melde ich das Gewerbe an?",
                         "muss ich das dem finanzamt noch extra melden")
    assert tax_office.action == "answer" and tax_office.service.id == "F08" and "Finanzamt" in tax_office.answer
    _, why = talk(assistant, "Was kostet die Gewerbeanmeldung?",
                  "Und warum hat mir das Finanzamt bis heute keine Steuernummer geschickt?")
    assert why.action == "forward" and why.service is None
    store.close()


def test_an_emergency_hears_112_and_goes_to_a_person(prepared):
    """Fire, gas, someone hurt: never a catalog answer; 112/110 first, then a person."""
    assistant, _ = prepared
    passport, gas = talk(assistant, "Was kostet ein Reisepass?", "Hilfe, bei uns im Treppenhaus riecht es total nach Gas!")
    assert gas.action == "forward" and gas.service is None and "112" in gas.answer
    (fire,) = talk(assistant, "There is a fire in the school gym, smoke everywhere!")
    assert fire.action == "forward" and fire.language == "en" and "112" in fire.answer
    (fireworks,) = talk(assistant, "Darf ich an Silvester im Garten ein Feuerwerk machen?")
    assert "112" not in fireworks.answer
    (urgent_pass,) = talk(assistant, "My flight is on Friday. Is there some kind of emergency passport I can get?")
    assert "112" not in urgent_pass.answer
    call = Dialog(assistant, DialogSettings(municipality="Musterstadt"))
    call.start()
    said = call.on_utterance("Mein Nachbar liegt bewusstlos im Hof")
    assert "112" in said[0].text and isinstance(said[-1], Transfer) and call.state == State.TRANSFERRING
