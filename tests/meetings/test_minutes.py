"""Transition detection and the minutes built from a constructed, speaker-attributed meeting."""

from __future__ import annotations

import pytest

from meetings.members import load_members
from meetings.minutes import MeetingMeta, build_minutes, key_sentences
from meetings.transcript import MeetingTranscript
from meetings.transitions import assign_agenda_items, detect_transitions, find_announcements
from minutes_fixtures import agenda, meeting, members, utterance
from rathaus.errors import RathausError


@pytest.mark.parametrize("text, number", [
    ("Wir kommen zu Tagesordnungspunkt 4.", "4"),
    ("Gut. Dann kommen wir jetzt zu Punkt fünf der Tagesordnung.", "5"),
    ("TOP 6, Sanierung der Grundschule.", "6"),
    ("Ich rufe auf Punkt sieben.", "7"),
    ("Der Vorsitzende ruft Tagesordnungspunkt 12 zur Behandlung auf.", "12"),
    ("Wir kommen zum vierten Tagesordnungspunkt.", "4"),
    ("Wir kommen zu Tagesordnungspunkt zehn Punkt eins.", "10.1"),
    ("Ich rufe den Tagesordnungspunkt dreiundzwanzig auf.", "23"),
    ("Wir kommen zum Tages-Ordnungspunkt 8, Feuerwehrbedarfsplan.", "8"),
    ("Wir kommen zu Punkt 4 der heutigen Tagesordnung.", "4"),
])
def test_announcements(text, number):
    assert [n for _, n, _ in find_announcements(text)] == [number]


@pytest.mark.parametrize("text", [
    "Zum Punkt 10, der hier sehr kritisch angemerkt worden ist, möchte ich etwas sagen.",
    "In Punkt 3 der Vorlage steht das Gegenteil.",
    "Wir haben vier Punkte zu besprechen.",
    "Tagesordnungspunkt 6 haben wir im Ausschuss schon besprochen.",
    "Ich komme zu Punkt 2 meiner Anmerkungen.",
    "Dann komme ich zu Punkt 4 der Vorlage, den Kosten.",
    "Wir kommen später noch zu Punkt 7.",
    "Wir kommen bei Tagesordnungspunkt 9 darauf zurück.",
])
def test_references_are_no_announcements(text):
    assert find_announcements(text) == []


def test_transitions_split_the_chairs_utterance():
    transcript = meeting()
    transitions = detect_transitions(transcript, agenda())
    assert [t.number for t in transitions] == ["1", "2", "3"]
    assigned, _ = assign_agenda_items(transcript, agenda())
    by_item = {}
    for seg in assigned.segments:
        by_item.setdefault(seg.agenda_item, []).append(seg.text)
    # the vote closes item 1, although the same breath opens item 2
    assert any("mehrheitlich zugestimmt" in t for t in by_item["1"])
    assert by_item["2"][0].startswith("Ich rufe auf Punkt zwei")
    assert by_item[None] == ["Guten Abend, ich eröffne die Sitzung und stelle die Beschlussfähigkeit fest."]
    # words follow their text, times stay ordered
    for seg in assigned.segments:
        assert len(seg.words) == len(seg.text.split())
        assert seg.start <= seg.end
    split_head = next(s for s in assigned.segments if s.text.endswith("mehrheitlich zugestimmt."))
    assert split_head.end <= 80 and split_head.words[-1].word == "zugestimmt."


def test_transitions_against_agenda_ignore_unknown_numbers():
    transcript = MeetingTranscript(20, "de", [utterance("A", 0, 10, "Wir kommen zu TOP 9."),
                                              utterance("A", 10, 20, "Wir kommen zu TOP 2.")])
    assert [t.number for t in detect_transitions(transcript, agenda())] == ["2"]


def test_without_agenda_items_come_from_transitions():
    transcript = MeetingTranscript(30, "de", [
        utterance("A", 0, 10, "Wir kommen zu Punkt 1, Sanierung der Turnhalle."),
        utterance("B", 10, 20, "Die Kosten sind zu hoch."),
        utterance("A", 20, 30, "Ich rufe auf Punkt zwei."),
    ])
    minutes = build_minutes(transcript, None, [], MeetingMeta(body="Ortschaftsrat"))
    assert [(i.number, i.title) for i in minutes.items] == [
        ("1", "Sanierung der Turnhalle"), ("2", "Tagesordnungspunkt 2")]


def test_minutes_structure():
    minutes = build_minutes(meeting(), agenda(), members(),
                            MeetingMeta(body="Gemeinderat", date="3. März 2025", place="Rathaus, Saal 1"))
    assert [i.number for i in minutes.items] == [None, "1", "2", "3"]
    opening, budget, plan, personnel = minutes.items
    assert opening.title == "Eröffnung und Formalien"
    assert budget.title == "Haushalt 2025"
    assert budget.motions[0].kind == "Antrag"
    assert "200.000 Euro" in budget.motions[0].text
    assert budget.vote.category == "majority" and (budget.vote.no, budget.vote.abstain) == (3, 2)
    assert budget.result_text() == "mehrheitlich zugestimmt (3 Nein-Stimmen, 2 Enthaltungen)"
    assert budget.speakers == ["Bürgermeisterin Anna Berg (SPD)", "Sprecher 1", "Sprecher 2"]
    assert plan.vote.category == "unanimous"
    # "Der Bericht ... wird zur Kenntnis genommen.": taken note of, no vote on a motion
    assert personnel.public is False and personnel.vote.category == "noted"
    assert personnel.result_text() == "zur Kenntnis genommen"
    assert minutes.meta.chair == "Bürgermeisterin Anna Berg"
    assert [m.name for m in minutes.attendees] == ["Anna Berg", "Karl Ott"]
    assert [m.name for m in minutes.absent] == ["Eva Lind"]
    # extractive: every sentence in the minutes was said
    spoken = " ".join(s.text for s in meeting().segments)
    for item in minutes.items:
        for c in item.contributions:
            for sentence in c.sentences:
                assert sentence in spoken


def test_markdown_matches_niederschrift_layout():
    md = build_minutes(meeting(), agenda(), members(),
                       MeetingMeta(body="Gemeinderat", date="3. März 2025", place="Rathaus")).markdown()
    assert md.startswith("# Niederschrift")
    assert "| Gremium | Gemeinderat |" in md
    assert "| Vorsitzende/r | Bürgermeisterin Anna Berg |" in md
    assert "**Anwesend:** Bürgermeisterin Anna Berg (SPD), Karl Ott (CDU)" in md
    assert "**Entschuldigt:** Eva Lind (GRÜNE)" in md
    assert "## Punkt 1 der Tagesordnung: Haushalt 2025" in md
    assert "**Abstimmungsergebnis:** mehrheitlich zugestimmt (3 Nein-Stimmen, 2 Enthaltungen)" in md
    assert "**Sprecher 1** (0:00:12): " in md
    assert "**Bürgermeisterin Anna Berg (SPD)** (0:00:00): Guten Abend" in md
    section3 = md.split("## Punkt 3 der Tagesordnung")[1]
    assert "nicht öffentlich" in section3
    assert "Personalsituation" not in section3  # non-public debate stays out of the draft
    assert md.index("Punkt 1 der") < md.index("Punkt 2 der") < md.index("Punkt 3 der")


def test_llm_summary_is_optional_and_failure_falls_back():
    def failing(number, title, text):
        raise TimeoutError("model timed out")

    minutes = build_minutes(meeting(), agenda(), members(), summarizer=failing)
    assert all(i.summary is None for i in minutes.items)
    assert minutes.items[1].contributions  # the rules' extract stands

    seen = []

    def fake(number, title, text):
        seen.append((number, title))
        assert "Anna Berg (SPD): " in text
        return "Zusammenfassung."

    minutes = build_minutes(meeting(), agenda(), members(), summarizer=fake)
    assert minutes.items[1].summary == "Zusammenfassung."
    assert ("3", "Personalangelegenheiten") not in seen  # nothing non-public leaves the house


def test_key_sentences_drop_fillers_and_keep_order():
    text = ("Danke. Ja. Wir beantragen, die Gebühren um 5 Prozent zu senken. Das Wetter ist schön. "
            "Die Kosten von 40.000 Euro trägt der Haushalt. Gut.")
    chosen = key_sentences(text, 2)
    assert chosen == ["Wir beantragen, die Gebühren um 5 Prozent zu senken.",
                      "Die Kosten von 40.000 Euro trägt der Haushalt."]


def test_members_files(tmp_path):
    csv = tmp_path / "m.csv"
    csv.write_text("Name;Rolle;Fraktion;anwesend\nAnna Berg;Bürgermeisterin;SPD;ja\nKarl Ott;;CDU;nein\n",
                   encoding="utf-8")
    loaded = load_members(csv)
    assert [(m.name, m.role, m.party, m.present) for m in loaded] == [
        ("Anna Berg", "Bürgermeisterin", "SPD", True), ("Karl Ott", None, "CDU", False)]
    js = tmp_path / "m.json"
    js.write_text('{"members": [{"name": "Eva Lind", "party": "GRÜNE"}, "Max Roth"]}', encoding="utf-8")
    assert [m.name for m in load_members(js)] == ["Eva Lind", "Max Roth"]
    toml = tmp_path / "m.toml"
    toml.write_text('[[members]]\nname = "Ute Kern"\nrole = "Stadträtin"\nparty = "FDP"\n', encoding="utf-8")
    assert load_members(toml)[0].party == "FDP"
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(RathausError, match="name"):
        load_members(bad)
    with pytest.raises(RathausError, match="not found"):
        load_members(tmp_path / "missing.csv")


def test_announcements_in_real_karlsruhe_minutes():
    """Each Karlsruhe minutes file opens its item with "Der Vorsitzende ruft Tagesordnungspunkt
    N zur Behandlung auf"; the header "Punkt N der Tagesordnung" gives the truth."""
    from tests.conftest import shared_path
    from meetings.transitions import evaluate_karlsruhe_announcements

    result = evaluate_karlsruhe_announcements(shared_path("council", "karlsruhe", "niederschriften"))
    total, found = result["items"], result["found"]
    assert total > 150
    assert found / total >= 0.98  # measured 192/192


def test_named_speakers_match_members_despite_titles():
    transcript = MeetingTranscript(20, "de", [
        utterance("SPEAKER_03", 0, 10, "Wir kommen zu Tagesordnungspunkt 1."),
        utterance("SPEAKER_04", 10, 20, "Ich habe eine Frage zur Finanzierung der Maßnahme."),
    ], speakers={"SPEAKER_03": "Frank Mentrup", "SPEAKER_04": "Anna Roth"})
    from meetings.members import Member

    minutes = build_minutes(transcript, agenda(), [Member("Dr. Frank Mentrup", "Oberbürgermeister", None)])
    assert minutes.speakers == {"SPEAKER_03": "Oberbürgermeister Dr. Frank Mentrup",
                                "SPEAKER_04": "Anna Roth"}


def test_several_votes_in_one_item_are_listed_with_their_subject():
    transcript = MeetingTranscript(40, "de", [
        utterance("A", 0, 5, "Wir kommen zu Tagesordnungspunkt 2."),
        utterance("A", 5, 40, "Abstimmung über den Änderungsantrag der Grünen: fünfzehn dafür, zwanzig "
                              "dagegen, damit ist der Änderungsantrag abgelehnt. Jetzt zum Hauptantrag. "
                              "Das ist einstimmig beschlossen."),
    ])
    item = build_minutes(transcript, agenda(), []).items[1]
    assert item.number == "2"
    assert item.result_text() == ("Änderungsantrag der Grünen: mehrheitlich abgelehnt (15 Ja-Stimmen, "
                                  "20 Nein-Stimmen); Hauptantrag: einstimmig zugestimmt")


class _ChatServer:
    """A real OpenAI-compatible endpoint on 127.0.0.1 (http.server), answering or stalling."""

    def __init__(self, answer: str | None, delay: float = 0.0):
        import http.server
        import json
        import threading
        import time

        self.requests: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body})
                time.sleep(delay)
                if answer is None:
                    self.send_response(500)
                    self.end_headers()
                    return
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data.encode("utf-8"))

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _llm_config(config, url: str, timeout: float):
    config.data["llm"]["url"] = url
    config.data["meetings"]["llm_summaries"] = True
    config.data["meetings"]["llm_summary_timeout_s"] = timeout
    return config


def test_llm_summaries_through_a_real_endpoint(config):
    from meetings.minutes import llm_summarizer

    assert llm_summarizer(config) is None  # off by default
    server = _ChatServer("Sprecher 1 beantragt mehr Mittel für Radwege; Sprecher 2 lehnt ab.")
    try:
        summarizer = llm_summarizer(_llm_config(config, server.url, 5.0))
        minutes = build_minutes(meeting(), agenda(), members(), summarizer=summarizer)
    finally:
        server.close()
    assert minutes.items[1].summary.startswith("Sprecher 1 beantragt")
    assert minutes.items[1].contributions  # the extract stays beside the summary
    assert minutes.items[3].summary is None  # non-public: never sent
    sent = [r["body"]["messages"][1]["content"] for r in server.requests]
    assert all(r["path"] == "/v1/chat/completions" for r in server.requests)
    assert any("Tagesordnungspunkt 1: Haushalt 2025" in text for text in sent)
    assert not any("Personalsituation" in text for text in sent)
    assert "Sprecher 1 beantragt mehr Mittel" in minutes.markdown()


def test_llm_timeout_and_errors_fall_back_to_rules(config):
    from meetings.minutes import llm_summarizer

    for server in (_ChatServer("zu spät", delay=2.0), _ChatServer(None)):
        try:
            summarizer = llm_summarizer(_llm_config(config, server.url, 0.5))
            minutes = build_minutes(meeting(), agenda(), members(), summarizer=summarizer)
        finally:
            server.close()
        assert all(item.summary is None for item in minutes.items)
        assert minutes.items[1].vote.category == "majority"


def test_empty_and_unannounced_transcripts():
    empty = build_minutes(MeetingTranscript(0.0, "de", []), agenda(), [])
    assert [i.number for i in empty.items] == ["1", "2", "3"]
    assert all(not i.contributions and i.vote is None for i in empty.items)
    assert all(not i.detected for i in empty.items)
    assert empty.markdown().count("in der Aufzeichnung nicht erkannt") == 3
    quiet = MeetingTranscript(10, "de", [utterance("A", 0, 10, "Wir sprechen heute über den Haushalt.")])
    minutes = build_minutes(quiet, None, [])
    assert [i.title for i in minutes.items] == [
        "Sitzungsverlauf (kein Aufruf eines Tagesordnungspunkts erkannt)"]


def test_dates_printed_like_the_niederschrift():
    from meetings.minutes import format_date

    assert format_date("2025-01-21T15:30:00+01:00") == "21. Januar 2025, 15:30 Uhr"
    assert format_date("2013-07-23") == "23. Juli 2013"
    assert format_date("3. März 2025") == "3. März 2025"
    from tests.conftest import shared_path
    from meetings.agenda import load_agenda

    karlsruhe = load_agenda(shared_path("council", "karlsruhe", "meetings", "10044.json"))
    md = build_minutes(meeting(), karlsruhe, []).markdown()
    assert "| Termin | 21. Januar 2025, 15:30 Uhr |" in md
    assert "| Ort | Bürgersaal, Rathaus am Marktplatz |" in md


def test_items_announced_by_title():
    transcript = MeetingTranscript(40, "de", [
        utterance("A", 0, 10, "Guten Abend. Wir kommen zum Bebauungsplan Nordstadt."),
        utterance("B", 10, 20, "Die Planung ist gut."),
        utterance("A", 20, 30, "Dann kommen wir zum Haushalt 2025, die Kämmerin berichtet."),
        utterance("B", 30, 40, "Wir kommen zum Schluss meiner Rede."),  # no title: no transition
    ])
    assert [t.number for t in detect_transitions(transcript, agenda())] == ["2", "1"]


def test_councillor_mentioning_a_title_is_no_transition():
    transcript = MeetingTranscript(20, "de", [
        utterance("A", 0, 10, "Wir kommen zu Tagesordnungspunkt 1."),
        utterance("B", 10, 20, "Ich komme zum Bebauungsplan Nordstadt, der uns noch beschäftigen wird."),
    ])
    assert [t.number for t in detect_transitions(transcript, agenda())] == ["1"]


def _karlsruhe_as_transcript(name: str) -> MeetingTranscript:
    """A real Karlsruhe debate as if transcribed: one utterance per speaker paragraph
    ("Stadtrat Pfannkuch (CDU): ..."), the chair's text under "Der Vorsitzende", word times
    at 2.5 words per second. Interjections in parentheses are dropped."""
    import re

    from tests.conftest import shared_path
    from meetings.evaluation.karlsruhe import dehyphenate, split_karlsruhe

    _, body = split_karlsruhe(shared_path("council", "karlsruhe", "niederschriften", name)
                              .read_text(encoding="utf-8"))
    body = dehyphenate(body)
    body = re.sub(r"^\s*- \d+ -\s*$", "", body, flags=re.M)
    body = re.sub(r"\n\s*\([^)]*\)", "\n", body)
    start = body.index("Der Vorsitzende ruft")
    text = " ".join(body[start:].split())
    marker = re.compile(r"((?:Stadtrat|Stadträtin|Bürgermeister(?:in)?|Der Vorsitzende)"
                        r"(?: Dr\.)? ?[A-ZÄÖÜ]?[\w-]*(?: \([^)]+\))?):\s")
    pieces = marker.split(text)
    segments, clock = [], 0.0
    chunks = [("Der Vorsitzende", pieces[0])] + list(zip(pieces[1::2], pieces[2::2]))
    for speaker, said in chunks:
        said = said.strip()
        if not said:
            continue
        duration = len(said.split()) / 2.5
        segments.append(utterance(speaker, clock, clock + duration, said))
        clock += duration
    names = {s.speaker: s.speaker for s in segments}
    return MeetingTranscript(clock, "de", segments, speakers=names)


def test_minutes_of_a_real_karlsruhe_debate():
    from meetings.agenda import parse_agenda_text

    transcript = _karlsruhe_as_transcript("146616.txt")
    agenda_ = parse_agenda_text("12. Teil-Flächennutzungsplan „Windenergie“ - Sachstandsbericht\n")
    minutes = build_minutes(transcript, agenda_, [], MeetingMeta(body="Gemeinderat"))
    item = next(i for i in minutes.items if i.number == "12")
    assert item.vote.category == "majority"
    assert (item.vote.no, item.vote.abstain) == (9, 2)
    assert "Stadtrat Pfannkuch (CDU)" in item.speakers
    assert "Stadtrat Geiger (GRÜNE)" in item.speakers
    assert len(item.contributions) >= 5
    assert all(len(c.sentences) <= 3 for c in item.contributions)
    md = minutes.markdown()
    assert "**Stadtrat Pfannkuch (CDU)**" in md
    assert "mehrheitlich zugestimmt (32 Ja-Stimmen, 9 Nein-Stimmen, 2 Enthaltungen)" in md
