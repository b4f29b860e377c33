"""A constructed council meeting transcript (known speakers, items, votes) for minutes tests."""

from __future__ import annotations

from meetings.agenda import parse_agenda_text
from meetings.members import Member
from meetings.transcript import MeetingTranscript, TimedWord, Turn, Utterance


def utterance(speaker: str, start: float, end: float, text: str) -> Utterance:
    words = text.split()
    step = (end - start) / len(words)
    return Utterance(speaker, start, end, text,
                     [TimedWord(w, round(start + i * step, 3), round(start + (i + 1) * step, 3), 0.9, speaker)
                      for i, w in enumerate(words)])


SCRIPT = [
    ("SPEAKER_00", 0, 12, "Guten Abend, ich eröffne die Sitzung und stelle die Beschlussfähigkeit fest. "
                          "Wir kommen zu Tagesordnungspunkt eins, Haushalt 2025."),
    ("SPEAKER_01", 12, 40, "Herzlichen Dank. Die CDU-Fraktion stellt den Antrag, die Mittel für Radwege "
                           "um 200.000 Euro zu erhöhen. Das ist dringend nötig, weil die Unfallzahlen steigen. "
                           "Wir haben das schon im Ausschuss gefordert. Danke."),
    ("SPEAKER_02", 40, 55, "Wir lehnen das ab, weil der Haushalt das nicht hergibt und die Kreditaufnahme steigen würde."),
    ("SPEAKER_00", 55, 80, "Dann stimmen wir über den Antrag ab. Wer ist dafür? Gegenstimmen? Drei. "
                           "Enthaltungen? Zwei. Damit mehrheitlich zugestimmt. "
                           "Ich rufe auf Punkt zwei der Tagesordnung."),
    ("SPEAKER_01", 80, 90, "Zum Bebauungsplan habe ich keine Fragen mehr."),
    ("SPEAKER_00", 90, 100, "Dann bitte ich um das Handzeichen. Dem stimmen Sie alle zu. TOP 3."),
    ("SPEAKER_00", 100, 110, "Der Bericht zur Personalsituation liegt Ihnen vor und wird zur Kenntnis genommen."),
]

AGENDA_TEXT = "1. Haushalt 2025\nTOP 2 Bebauungsplan Nordstadt\nN 3 Personalangelegenheiten\n"


def meeting() -> MeetingTranscript:
    segments = [utterance(*row) for row in SCRIPT]
    return MeetingTranscript(
        duration=110.0, language="de", segments=segments, speakers={"SPEAKER_00": "Anna Berg"},
        turns=[Turn(s.speaker, s.start, s.end) for s in segments])


def agenda():
    return parse_agenda_text(AGENDA_TEXT)


def members() -> list[Member]:
    return [Member("Anna Berg", "Bürgermeisterin", "SPD"), Member("Karl Ott", None, "CDU"),
            Member("Eva Lind", None, "GRÜNE", present=False)]
