"""Vote, motion and decision extraction on real Karlsruhe minutes and on transcript-style text."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from meetings.evaluation.karlsruhe import evaluate_karlsruhe, parse_truth, split_karlsruhe
from meetings.votes import (ACCEPTED, NO_VOTE, REJECTED, analyze, final_vote, find_motions, find_votes,
                            parse_counts)

MINUTES = ("council", "karlsruhe", "niederschriften")


def _body(name: str) -> str:
    """The minutes text without its Abstimmungsergebnis block (what the extractor may read)."""
    text = shared_path(*MINUTES, name).read_text(encoding="utf-8")
    block, body = split_karlsruhe(text)
    assert "Abstimmungsergebnis" not in body
    return body


def test_real_count_statement_windenergie():
    # 146616: "9 Nein-Stimmen, 2 Enthaltungen, der Rest Ja-Stimmen. ... 32 Zustimmungen"
    vote = final_vote(_body("146616.txt"))
    assert vote.category == "majority"
    assert (vote.no, vote.abstain) == (9, 2)
    assert vote.yes == 32


def test_real_all_agree_without_vote_call():
    # 149122: "Da geht es um einen Satzungsbeschluss. - Dem stimmen Sie auch alle zu."
    vote = final_vote(_body("149122.txt"))
    assert vote.outcome == ACCEPTED and vote.unanimous


def test_real_yellow_cards_unanimity():
    # 587757: "Ich bitte um das Kartenzeichen. - Ich sehe nur gelbe Karten. Das ist Einstimmigkeit."
    vote = final_vote(_body("587757.txt"))
    assert vote.category == "unanimous"


def test_real_rejections_rest_approval():
    # 592008 (hyphenated across a line in the PDF text): "3 Ablehnungen ansonsten Zustim-\nmung."
    vote = final_vote(_body("592008.txt"))
    assert vote.category == "majority"
    assert vote.no == 3


def test_real_report_without_vote():
    text = _body("148112.txt")  # debate about a motion, truth: "Keine Abstimmung"
    assert final_vote(text).category == "none"


def test_real_truth_lines_parse():
    assert parse_truth("Bei 41 Ja-Stimmen und 3 Nein-Stimmen mehrheitlich zugestimmt").yes == 41
    assert parse_truth("Mehrheitliche Zustimmung bei 9 Nein-Stimmen und 2 Enthaltungen.").abstain == 2
    assert parse_truth("mehrheitlich abgelehnt (bei 5 Ja-Stimmen und 1 Enthaltung)").outcome == REJECTED
    assert parse_truth("Keine Abstimmung").outcome == NO_VOTE
    assert parse_truth("einstimmig zugestimmt").category == "unanimous"
    assert parse_truth("1 Enthaltung, Rest Zustimmung").category == "majority"
    assert parse_truth("Vorlage: 2014/0494:    Mehrheitliche Zustimmung (9 Nein-Stimmen)") is None


@pytest.mark.parametrize("text, category, counts", [
    ("Wer ist dafür? Gegenstimmen? Keine. Enthaltungen? Zwei.", "majority", (None, 0, 2)),
    ("Wer ist dafür? - Danke. Wer ist dagegen? - Niemand. Enthaltungen? - Keine. "
     "Damit einstimmig beschlossen.", "unanimous", (None, 0, 0)),
    ("Dann stimmen wir ab. Das Ergebnis: dreiundzwanzig Ja-Stimmen, fünf Nein-Stimmen und "
     "zwei Enthaltungen. Damit ist der Antrag angenommen.", "majority", (23, 5, 2)),
    ("Der Antrag wird bei 3 Gegenstimmen und 2 Enthaltungen mehrheitlich angenommen.",
     "majority", (None, 3, 2)),
    ("Ich lasse abstimmen. Das ist einstimmig so beschlossen.", "unanimous", (None, None, None)),
    ("Wir stimmen ab. Zwölf Ja-Stimmen, einundzwanzig Nein-Stimmen. Der Antrag ist damit abgelehnt.",
     "rejected", (12, 21, None)),
    ("Bei einer Gegenstimme mehrheitlich zugestimmt.", "majority", (None, 1, None)),
])
def test_transcript_style_votes(text, category, counts):
    vote = final_vote(text)
    assert vote.category == category, vote
    assert (vote.yes, vote.no, vote.abstain) == counts


def test_debate_talk_is_no_vote():
    text = ("Wenn grüne Anträge nicht die Mehrheit im Gemeinderat finden, wiederholt man es. "
            "Der Ortschaftsrat hat das einstimmig gefordert. Alle Fraktionen sollten zustimmen.")
    assert find_votes(text) == []


def test_motions_and_decision():
    text = ("Die CDU-Fraktion stellt den Antrag, die Mittel für Radwege um 200.000 Euro zu erhöhen. "
            "Wir lehnen den Antrag ab. Der Gemeinderat beschließt die Erhöhung der Mittel. "
            "Das ist einstimmig so beschlossen.")
    outcome = analyze(text)
    assert [m.kind for m in outcome.motions] == ["Antrag"]
    assert outcome.motions[0].text.startswith("Die CDU-Fraktion stellt den Antrag")
    assert outcome.decision == "Der Gemeinderat beschließt die Erhöhung der Mittel."
    assert outcome.final_vote.category == "unanimous"
    assert find_motions("Es liegt ein Änderungsantrag der SPD vor, die Frist zu verlängern.")[0].kind \
        == "Änderungsantrag"


def test_parse_counts_spoken_numbers():
    assert parse_counts("siebenundzwanzig Ja-Stimmen, keine Gegenstimmen, eine Enthaltung") == (27, 0, 1)


def test_label_uses_prompts():
    vote = final_vote("Bei 41 Ja-Stimmen und 3 Nein-Stimmen mehrheitlich zugestimmt.")
    assert vote.label() == "mehrheitlich zugestimmt (41 Ja-Stimmen, 3 Nein-Stimmen)"


def test_evaluate_karlsruhe_accuracy():
    result = evaluate_karlsruhe(shared_path(*MINUTES))
    assert result["files"] == 235
    assert result["scored"] >= 170
    # measured 0.978 on 183 scored items (dev 0.981, held-out 0.973; see bench/votes.py); the
    # floor leaves room for rule changes that trade a few cases
    assert result["accuracy"] >= 0.93, result["confusion"]


@pytest.mark.parametrize("text, expected", [
    ("Wer dem Antrag zustimmen möchte, den bitte ich um das Handzeichen. Danke. Gegenprobe. "
     "Enthaltungen. Damit einstimmig so beschlossen.", [("unanimous", None, None, None)]),
    ("Abstimmung über den Änderungsantrag der Grünen: fünfzehn dafür, zwanzig dagegen, damit ist der "
     "Änderungsantrag abgelehnt. Jetzt zum Hauptantrag. Das ist einstimmig beschlossen.",
     [("rejected", 15, 20, None), ("unanimous", None, None, None)]),
    ("Ich stelle fest, dass der Antrag mit großer Mehrheit angenommen wurde.",
     [("majority", None, None, None)]),
    ("Ich bitte um Ihr Handzeichen. Wer stimmt zu? Das ist die Mehrheit. Wer ist dagegen? Vier. "
     "Wer enthält sich? Eine Enthaltung.", [("majority", None, 4, 1)]),
])
def test_several_votes_and_call_sequences(text, expected):
    assert [(v.category, v.yes, v.no, v.abstain) for v in find_votes(text)] == expected


@pytest.mark.parametrize("text, counts", [
    # whisper-base on a synthesized "Wer ist dafür? Gegenstimmen? Drei. Enthaltungen? Keine.
    # Damit mehrheitlich beschlossen." (espeak-ng, de): punctuation and compound words lost
    ("Wir ist dafür, gegen Stimmen, drei Enthaltungen, keine damit mehrheitlich beschlossen.", (None, 3, 0)),
    ("Wer ist dafür 23 wer ist dagegen 4 Enthaltungen keine das ist mehrheitlich angenommen", (23, 4, 0)),
])
def test_asr_style_call_sequences(text, counts):
    vote = final_vote(text)
    assert vote.category == "majority"
    assert (vote.yes, vote.no, vote.abstain) == counts


def test_two_call_sequences_stay_two_votes():
    text = ("Wer ist für den Änderungsantrag? Wer ist dagegen? Zwanzig. Enthaltungen? Keine. "
            "Damit abgelehnt. Wir kommen zum Hauptantrag. Der ist unstrittig. Wer ist dafür? "
            "Gegenstimmen? Keine. Enthaltungen? Keine. Einstimmig beschlossen.")
    votes = find_votes(text)
    assert [(v.category, v.no, v.abstain) for v in votes] == [("rejected", 20, 0), ("unanimous", 0, 0)]


def test_recorded_result_of_written_minutes_beats_the_debate_after_it():
    # Karlsruhe's published layout: the result block stands before the debate, whose chair said
    # only "Das ist eine große Mehrheit."; the clerk's record carries the display's counts
    text = ("Der Gemeinderat beschließt die Vorlage.\n\nAbstimmungsergebnis: \n"
            "Bei 30 Ja-Stimmen und 11 Nein-Stimmen mehrheitlich zugestimmt \n\n"
            "Der Vorsitzende ruft den Punkt auf. Stadtrat Meier: Wir lehnen das ab. Stadträtin Kurz: "
            "Wir stimmen zu. Der Vorsitzende: Wer ist dafür? Das ist einstimmig.\n")
    vote = final_vote(text)
    assert (vote.category, vote.yes, vote.no) == ("majority", 30, 11)
    outcome = analyze(text)
    assert outcome.final_vote == vote
    assert outcome.to_dict()["recorded"]["yes"] == 30
    assert analyze("Damit einstimmig beschlossen.").to_dict()["recorded"] is None


def test_published_karlsruhe_minutes_give_the_recorded_counts():
    dev = evaluate_karlsruhe(shared_path(*MINUTES), "dev", published=True)
    # measured 1.0 and 11/11 (held-out 1.0 and 7/7); without the block 3/11, see bench/votes.py
    assert dev["accuracy"] >= 0.98 and dev["counts_accuracy"] >= 0.9, dev["errors"]
