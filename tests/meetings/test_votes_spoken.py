"""Votes as a chair says them and whisper writes them down: spoken numbers, call sequences with
and without punctuation, recounts, ties, adjournments, items taken note of; and the evaluation
sets and split the figures in the README come from."""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_path
from meetings.evaluation.asr_style import asr_style
from meetings.evaluation.karlsruhe import DEV, HELDOUT, evaluate_karlsruhe, partition, split_karlsruhe
from meetings.evaluation.spoken import RESULTS, SETS, evaluate_spoken, load
from meetings.vote_model import DEFERRED, NOTED, Vote
from meetings.vote_stream import stream_counts
from meetings.votes import final_vote, find_votes, parse_counts

MINUTES = ("council", "karlsruhe", "niederschriften")


@pytest.mark.parametrize("text, counts", [
    # numbers as words, the count after its question, no punctuation
    ("wer ist dafür vierunddreißig dagegen acht enthaltungen null", (34, 8, 0)),
    ("wer ist dafür zwanzig wer ist dagegen zwanzig enthaltungen zwei", (20, 20, 2)),
    # count before its noun and after it in one breath
    ("gegenprobe eine gegenstimme enthaltungen keine", (None, 1, 0)),
    # the answer a few words after the question
    ("Wer ist dagegen? Die Fraktion der Linken, also drei Stimmen. Enthaltungen? Die FDP mit zwei "
     "Stimmen.", (None, 3, 2)),
    # faction by faction, then the chair's total
    ("die cdu mit elf stimmen dafür die spd mit acht stimmen dafür die grünen mit sieben stimmen "
     "dagegen", (19, 7, None)),
    ("Ja-Stimmen: einundzwanzig. Nein-Stimmen: zwanzig. Enthaltungen: keine.", (21, 20, 0)),
])
def test_stream_counts(text, counts):
    assert stream_counts(text).counts == counts


def test_stream_counts_reads_no_count_into_phrases():
    said = stream_counts("Wer ist dafür? Das ist eine breite Mehrheit. Wer ist dagegen? Keine Mehrheit "
                         "für eine Frage von Punkt 4.")
    assert said.counts == (None, None, None)
    assert said.majority_yes


@pytest.mark.parametrize("text, counts", [
    ("mit zwanzig zu achtzehn Stimmen angenommen", (20, 18, None)),
    ("Für den Antrag haben neunzehn Mitglieder gestimmt, dagegen haben dreiundzwanzig gestimmt, "
     "enthalten hat sich niemand.", (19, 23, 0)),
    ("bei einer Gegenstimme und ohne Enthaltungen", (None, 1, 0)),
])
def test_parse_counts_spoken_forms(text, counts):
    assert parse_counts(text) == counts


@pytest.mark.parametrize("text, category, counts", [
    # recount: only the repeated vote counts
    ("Wer ist dafür? Achtzehn. Wer ist dagegen? Siebzehn. Da gab es Unruhe, ich wiederhole die "
     "Abstimmung. Wer ist dafür? Sechzehn. Wer ist dagegen? Neunzehn. Enthaltungen? Keine. Damit ist "
     "der Antrag abgelehnt.", "rejected", (16, 19, 0)),
    ("wer ist dafür zwanzig wer ist dagegen einundzwanzig das ergebnis wird angezweifelt wir zählen "
     "noch einmal wer ist dafür einundzwanzig wer ist dagegen einundzwanzig enthaltungen keine "
     "stimmengleichheit damit abgelehnt", "rejected", (21, 21, 0)),
    # a tie fails even without the word "abgelehnt"
    ("Wer ist dafür? Vierzehn. Wer ist dagegen? Vierzehn. Enthaltungen? Eine.", "rejected", (14, 14, 1)),
    # adjournment by consent and by a vote to adjourn
    ("ich sehe keinen widerspruch dann ist der tagesordnungspunkt vertagt", "deferred", (None, None, None)),
    ("Wer ist für die Vertagung? Das ist die Mehrheit. Gegenstimmen? Drei. Enthaltungen? Keine. "
     "Damit ist der Punkt vertagt.", "deferred", (None, 3, 0)),
    ("Der Bericht wird zur Kenntnis genommen.", "noted", (None, None, None)),
    # the Karlsruhe convention: abstentions make a vote "mehrheitlich"
    ("bei drei enthaltungen einstimmig beschlossen", "majority", (None, None, 3)),
    ("Ich rufe zur Abstimmung auf. Die CDU-Fraktion mit elf Stimmen dafür, die SPD mit acht Stimmen "
     "dafür, die Grünen mit sieben Stimmen dagegen, die FDP mit zwei Enthaltungen. Damit ist der "
     "Antrag mit neunzehn Ja-Stimmen angenommen.", "majority", (19, 7, 2)),
    # the answer after an aside
    ("Wer ist dafür? Gegenstimmen? Drei. Enthaltungen? – Moment, ich zähle noch – vier Enthaltungen. "
     "Damit mehrheitlich so beschlossen.", "majority", (None, 3, 4)),
    ("ich sehe keine gegenstimmen und keine enthaltungen damit einstimmig angenommen", "unanimous", (None, 0, 0)),
])
def test_spoken_final_vote(text, category, counts):
    vote = final_vote(text)
    assert vote.category == category, vote
    assert (vote.yes, vote.no, vote.abstain) == counts


def test_rejected_adjournment_then_the_vote_on_the_matter():
    text = ("ich lasse über die vertagung abstimmen wer ist für die vertagung zwölf wer ist dagegen das ist "
            "die mehrheit damit ist die vertagung abgelehnt wir stimmen in der sache ab wer ist dafür "
            "gegenstimmen sechs enthaltungen keine mehrheitlich beschlossen")
    votes = find_votes(text)
    assert [(v.category, v.yes, v.no, v.abstain) for v in votes] == [
        ("rejected", 12, None, None), ("majority", None, 6, 0)]


def test_intentions_and_reports_are_no_vote():
    text = ("der ortschaftsrat hat dem einstimmig zugestimmt und auch im ausschuss gab es nur zwei "
            "gegenstimmen wir werden zustimmen")
    assert find_votes(text) == []


def test_labels_of_new_outcomes_come_from_prompts():
    assert Vote(DEFERRED).label() == "vertagt"
    assert Vote(NOTED).label() == "zur Kenntnis genommen"


def test_asr_style():
    assert asr_style("Bei 3 Gegenstimmen (CDU) und 21 Ja-Stimmen am 12.03.2015.") == \
        "bei drei gegenstimmen cdu und einundzwanzig ja stimmen am 12 03 2015"


def test_spoken_sets_are_well_formed():
    ids = set()
    for paths in SETS.values():
        for path in paths:
            for item in load(path):
                assert item.id not in ids
                ids.add(item.id)
                assert item.result in RESULTS
    assert len([i for i in ids if not i.startswith("k")]) >= 80   # dev
    assert len([i for i in ids if i.startswith("k")]) >= 40       # held-out


def test_spoken_set_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = {"id": "x1", "text": "Einstimmig.", "result": "einstimmig angenommen", "yes": None, "no": None,
            "abstain": None}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "result": "vielleicht"}) + "\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        load(path)


def test_spoken_dev_set():
    # the set the rules were written on: a regression guard, not a claim (bench/votes.py has the
    # held-out figures); measured 1.0 / 1.0 on 133 passages, 80 with counts
    result = evaluate_spoken(SETS["dev"])
    assert result["scored"] >= 130
    assert result["accuracy"] >= 0.95, result["errors"]
    assert result["counts_accuracy"] >= 0.9, result["errors"]


def test_karlsruhe_split_is_fixed():
    folder = shared_path(*MINUTES)
    names = sorted(p.name for p in folder.glob("*.txt"))
    parts = [partition(n) for n in names]
    assert (parts.count(DEV), parts.count(HELDOUT)) == (143, 92)
    assert partition("146186.txt") == DEV and partition("146616.txt") == HELDOUT


def test_real_dev_minutes_spoken_form():
    # 146186 (dev): "Dem stimmen Sie auch zu." in the whisper form, without punctuation
    text = shared_path(*MINUTES, "146186.txt").read_text(encoding="utf-8")
    _, body = split_karlsruhe(text)
    assert final_vote(asr_style(body)).category == "unanimous"


def test_karlsruhe_dev_figures():
    result = evaluate_karlsruhe(shared_path(*MINUTES), DEV)
    assert result["scored"] == 108
    # measured 0.981 (106/108); all 3 dev items whose counts are said are read right
    assert result["accuracy"] >= 0.95, result["errors"]
    assert result["with_counts_said"] == 3 and result["counts_said_correct"] == 3
