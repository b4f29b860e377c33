"""The dialog engine where the search is unsure, over the Auental catalog (bench/data, real
embeddings): a clear leader below the bar, a detail of the topic, corrections within a topic."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from rathaus.catalog import repository as R
from rathaus.catalog.assistant import Assistant, CatalogSettings
from rathaus.dialog import ConversationState, DialogEngine
from rathaus.store import Store


@pytest.fixture(scope="module")
def auental(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("unsure") / "rathaus.db")
    R.import_file(store, ROOT / "bench" / "data" / "catalog_auental.json")
    assistant = Assistant(store, CatalogSettings())
    assistant.warm_up()
    yield assistant
    store.close()


def talk(assistant, *lines):
    engine, state = DialogEngine(assistant), ConversationState()
    return [engine.turn(state, line) for line in lines]


def test_a_facet_question_with_one_service_far_ahead_is_answered(auental):
    docs, = talk(auental, "Wir kommen aus der Ukraine, was müssen wir zur Anmeldung mitbringen?")
    assert (docs.action, docs.service.id, docs.facet) == ("answer", "A03", "documents")
    valid, = talk(auental, "Wie lange ist der Personalausweis für meine 20-jährige Tochter gültig?")
    assert valid.action == "answer" and valid.service.id == "A01" and "sechs Jahre" in valid.answer


def test_a_leader_found_by_a_word_of_its_body_alone_or_by_its_verb_is_not_answered(tmp_path):
    """Falkenried: "Rente" stands in the housing permit's income rule and "beantragen" in most
    names; the pension question is not about the permit, and no other service answers it."""
    store = Store(tmp_path / "rathaus.db")
    R.import_file(store, ROOT / "bench" / "data" / "catalog_falkenried.json")
    assistant = Assistant(store, CatalogSettings())
    pension, housing = talk(assistant, "Ich muss meine Rente beantragen, wo mach ich das?",
                            "Wo beantrage ich einen Wohnberechtigungsschein?")
    car, residence = talk(assistant, "ich will mein auto auf die neue adresse ummelden",
                          "Ich bin umgezogen, wo melde ich mich um?")
    store.close()
    assert pension.action != "answer"
    assert housing.action == "answer" and housing.service.name == "Wohnberechtigungsschein beantragen"
    # the residence's own verb, done to a car: Falkenried registers no cars
    assert car.action == "forward" and car.service is None
    assert residence.action == "answer" and residence.service.name.startswith("Wohnsitz")


def test_a_detail_of_the_topic_or_of_a_far_leader_is_said(auental):
    _, insurance = talk(auental, "Was kostet es, mein Auto abzumelden?", "Muss ich die Versicherung dann selbst kündigen?")
    assert insurance.action == "answer" and insurance.service.id == "A12" and "automatisch" in insurance.answer
    undertaker, = talk(auental, "Wer meldet denn den Todesfall, macht das der Bestatter?")
    assert undertaker.action == "answer" and "Bestattungsunternehmen" in undertaker.answer


def test_corrections_stay_in_the_topic_or_follow_it(auental):
    _, variant = talk(auental, "Was kostet die Abmeldung vom Gewerbe?", "ne, ich mein die Ummeldung")
    assert variant.service.id == "A14" and "25 Euro" in variant.answer
    _, car = talk(auental, "Was kostet bei Ihnen die Anmeldung vom Auto?", "ne ich mein abmelden")
    assert car.action == "answer" and car.service.id == "A12" and "12,60 Euro" in car.answer


def test_asking_for_the_head_goes_to_a_person(auental):
    head, = talk(auental, "Mein Sohn wurde in der Kita gebissen, ich will sofort mit der Leitung sprechen")
    assert head.action == "forward"


def test_a_procedure_named_beside_the_service_is_no_other_thing(auental):
    """"nach der Abmeldung" is a procedure, not a thing the plate reservation does not handle
    (that rule forwards "mein Auto ummelden" where a town registers no cars)."""
    valid, = talk(auental, "wie lang kann ich mein kennzeichen nach der abmeldung reservieren")
    assert valid.action == "answer" and valid.facet == "validity" and "90 Tage" in valid.answer


def test_the_plain_name_wins_over_one_with_words_the_caller_never_said():
    from rathaus.catalog.decision import Candidate, Decision
    from rathaus.dialog.candidates import unqualified

    lost = Decision(question="", action="answer", candidates=[
        Candidate(id="lost", name="Verlust oder Diebstahl Personalausweis", score=0.62),
        Candidate(id="id", name="Personalausweis", score=0.58),
        Candidate(id="pickup", name="Abholung Personalausweis, Reisepass oder eID-Karte", score=0.50)])
    assert unqualified(lost, "mei Perso is abglaufn, was kost a neuer Personalausweis?", 0.10) == "id"
    # the added words said, also as a verb of them or a separable verb: the leader stays
    assert unqualified(lost, "Mir wurde der Personalausweis gestohlen, Diebstahl melden", 0.10) is None
    assert unqualified(lost, "Ich hab meinen Personalausweis verloren", 0.10) is None
    pickup = Decision(question="", action="answer", candidates=[lost.candidates[2], lost.candidates[1]])
    assert unqualified(pickup, "Wo hol ich meinen fertigen Personalausweis ab?", 0.10) is None
    # not close, or no name inside the other: nothing to prefer
    far = Decision(question="", action="answer", candidates=[lost.candidates[0],
                                                             Candidate(id="id", name="Personalausweis", score=0.40)])
    assert unqualified(far, "Personalausweis abgelaufen", 0.10) is None
    other = Decision(question="", action="answer", candidates=[lost.candidates[0], lost.candidates[2]])
    assert unqualified(other, "Personalausweis abgelaufen", 0.10) is None


def test_the_service_for_the_young_when_the_caller_speaks_of_a_child():
    from rathaus.catalog.decision import Candidate, Decision
    from rathaus.dialog.candidates import for_child

    fishing = Decision(question="", action="confirm", candidates=[
        Candidate(id="adult", name="Fischereischein beantragen", score=0.61),
        Candidate(id="young", name="Jugendfischereischein beantragen", score=0.60)])
    assert for_child(fishing, "Mein Sohn ist zehn und will mit mir angeln gehen, braucht der so einen Schein?",
                     0.10) == "young"
    assert for_child(fishing, "my daughter is 12 and wants to go fishing", 0.10) == "young"
    assert for_child(fishing, "Ich will angeln gehen, brauche ich einen Schein?", 0.10) is None
    far = Decision(question="", action="answer", candidates=[fishing.candidates[0],
                                                             Candidate(id="young", name="Jugendfischereischein", score=0.3)])
    assert for_child(far, "Mein Sohn ist zehn und will angeln", 0.10) is None
