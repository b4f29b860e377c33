"""Every export of the minutes parsed back: Markdown, JSON, RTTM, WebVTT, SRT, DOCX, PDF, OParl."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from meetings.export import EXPORTS, render, write_exports
from meetings.minutes import MeetingMeta, build_minutes
from meetings.diarization.rttm import read_rttm
from meetings.transcript import MeetingTranscript
from minutes_fixtures import agenda, meeting, members
from rathaus.errors import RathausError

VTT_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$")
SRT_TIME = re.compile(r"^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    transcript = meeting()
    minutes = build_minutes(transcript, agenda(), members(),
                            MeetingMeta(title="12. Sitzung des Gemeinderats", body="Gemeinderat",
                                        date="2025-03-03", place="Rathaus Musterstadt",
                                        file_id="gr-2025-03-03"))
    return write_exports(out, transcript, minutes), transcript, minutes


def _seconds(h, m, s, ms):
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def test_all_files_written(exported):
    paths, _, _ = exported
    assert {p.name for p in paths.values()} == {e.filename for e in EXPORTS.values()}
    assert not list(paths["md"].parent.glob("*.part"))


def test_markdown(exported):
    paths, _, _ = exported
    md = paths["md"].read_text(encoding="utf-8")
    assert md.startswith("# Niederschrift: 12. Sitzung des Gemeinderats")
    assert "## Punkt 2 der Tagesordnung: Bebauungsplan Nordstadt" in md


def _vtt_cues(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(index of the timing line, payload lines up to the blank line) per cue."""
    out = []
    for index, line in enumerate(lines):
        if "-->" in line:
            end = lines.index("", index)
            out.append((index, lines[index + 1:end]))
    return out


def test_vtt_timing_and_voices(exported):
    paths, transcript, _ = exported
    lines = paths["vtt"].read_text(encoding="utf-8").split("\n")
    assert lines[0] == "WEBVTT" and lines[1] == ""
    cues = _vtt_cues(lines)
    assert cues
    previous_start = 0.0
    for index, payload in cues:
        match = VTT_TIME.match(lines[index])
        assert match
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        assert end > start >= previous_start
        assert end - start <= 7.01
        previous_start = start
        assert payload[0].startswith("<v ") and payload[-1].endswith("</v>")
    text = "\n".join(lines)
    assert "<v Anna Berg>Guten Abend," in text
    assert "<v Sprecher 1>" in text
    # every spoken word is in the subtitles, in order
    spoken = " ".join(s.text for s in transcript.segments).split()
    subtitle_words = " ".join(re.sub(r"<v [^>]+>|</v>", "", " ".join(p)) for _, p in cues).split()
    assert subtitle_words == spoken


def test_srt(exported):
    paths, _, _ = exported
    blocks = paths["srt"].read_text(encoding="utf-8").strip().split("\n\n")
    named = 0
    for number, block in enumerate(blocks, start=1):
        index, timing, text = block.split("\n", 2)
        assert index == str(number) and len(text.split("\n")) <= 2
        assert SRT_TIME.match(timing)
        named += bool(re.match(r"^(Anna Berg|Sprecher \d+): \S", text))
    assert named == len(meeting().segments)   # the name where each utterance starts


def test_rttm_round_trip(exported):
    paths, transcript, _ = exported
    turns = read_rttm(paths["rttm"])
    assert len(turns) == len(transcript.turns)
    assert [(t.speaker, round(t.start, 2), round(t.end, 2)) for t in turns] == \
        [(t.speaker, round(t.start, 2), round(t.end, 2)) for t in transcript.turns]
    assert paths["rttm"].read_text().split()[1] == "gr-2025-03-03"


def test_transcript_json_round_trip(exported):
    paths, transcript, _ = exported
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    again = MeetingTranscript.from_dict(data)
    assert [s.text for s in again.segments] == [s.text for s in transcript.segments]
    assert data["segments"][1]["speaker_name"] == "Sprecher 1"
    assert data["segments"][1]["words"][0]["start"] == 12.0
    assert data["minutes"]["items"][1]["votes"][-1]["category"] == "majority"
    assert [s["agenda_item"] for s in data["segments"]] == [None, "1", "1", "1", "2", "2", "3"]
    assert data["segments"][0]["speaker_name"] == "Bürgermeisterin Anna Berg (SPD)"
    assert again.speakers == {"SPEAKER_00": "Anna Berg"}  # enrolled names, not the printed ones
    assert data["speaker_names"]["SPEAKER_02"] == "Sprecher 2"


def test_docx_opens_with_python_docx(exported):
    from docx import Document

    paths, _, _ = exported
    doc = Document(str(paths["docx"]))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Punkt 1 der Tagesordnung: Haushalt 2025" in headings
    assert "Beratung" in headings
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "Gremium" in cells and "Gemeinderat" in cells
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Abstimmungsergebnis: mehrheitlich zugestimmt (3 Nein-Stimmen, 2 Enthaltungen)" in body


def test_pdf_has_pages_and_text(exported):
    paths, _, _ = exported
    data = paths["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page\b", data)
    assert len(pages) >= 1


def test_oparl_json(exported):
    paths, _, _ = exported
    meeting_obj = json.loads(paths["oparl"].read_text(encoding="utf-8"))
    assert meeting_obj["type"] == "https://schema.oparl.org/1.1/Meeting"
    assert meeting_obj["name"] == "12. Sitzung des Gemeinderats"
    assert "start" not in meeting_obj   # a date without a time is no OParl date-time
    assert meeting_obj["resultsProtocol"]["date"] == "2025-03-03"
    assert meeting_obj["location"]["description"] == "Rathaus Musterstadt"
    items = {i["number"]: i for i in meeting_obj["agendaItem"]}
    assert set(items) == {"", "1", "2", "3"}
    for item in meeting_obj["agendaItem"]:
        assert item["type"] == "https://schema.oparl.org/1.1/AgendaItem"
        assert {"id", "number", "name", "public"} <= set(item)
        assert ("result" in item) == item["public"]  # non-public results are not published
    assert items["1"]["result"].startswith("mehrheitlich zugestimmt")
    assert items["2"]["result"] == "einstimmig zugestimmt"
    assert items["3"]["public"] is False


def test_oparl_keeps_agenda_resolution_text(tmp_path):
    from meetings.agenda import load_agenda
    from conftest import shared_path

    spec = load_agenda(shared_path("oparl", "Meeting-01.json"))
    minutes = build_minutes(meeting(), spec, [], MeetingMeta())
    data = json.loads(render("oparl", meeting(), minutes))
    item = next(i for i in data["agendaItem"] if i["number"] == "10.1")
    assert item["resolutionText"].startswith("Der Beschluss weicht")
    assert item["result"] == "Geändert beschlossen"
    assert data["id"] == "https://oparl.example.org/meeting/281"


def test_pdf_without_libreoffice_or_dejavu_falls_back(monkeypatch):
    import meetings.render_pdf as render_pdf

    monkeypatch.setattr(render_pdf, "soffice", lambda: None)
    data = render("pdf", meeting(), build_minutes(meeting(), agenda(), members()))
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
        assert "Punkt 1 der Tagesordnung: Haushalt 2025" in text.decode("utf-8")
    monkeypatch.setattr(render_pdf, "_FONT_DIRS", ())
    data = render("pdf", meeting(), build_minutes(meeting(), agenda(), members()))
    assert data.startswith(b"%PDF-")


def test_unknown_format(tmp_path):
    minutes = build_minutes(meeting(), agenda(), members())
    with pytest.raises(RathausError, match="unknown export format"):
        write_exports(tmp_path, meeting(), minutes, formats=("md", "odt"))
    assert not (tmp_path / "protocol.md").exists()  # nothing half-written


def test_clerks_edited_markdown_drives_docx_and_pdf():
    from docx import Document
    import io

    minutes = build_minutes(meeting(), agenda(), members(), MeetingMeta(body="Gemeinderat"))
    edited = minutes.markdown().replace("Haushalt 2025", "Haushaltssatzung 2025 (korrigiert)")
    minutes.edited_markdown = edited
    assert render("md", meeting(), minutes).decode("utf-8") == edited
    doc = Document(io.BytesIO(render("docx", meeting(), minutes)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Punkt 1 der Tagesordnung: Haushaltssatzung 2025 (korrigiert)" in headings
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "Gremium" in cells and "Gemeinderat" in cells
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Abstimmungsergebnis: mehrheitlich zugestimmt (3 Nein-Stimmen, 2 Enthaltungen)" in body
    assert "Sprecher 1 (0:00:12): " in body
    assert render("pdf", meeting(), minutes).startswith(b"%PDF-")


def test_agenda_round_trip_through_store_json():
    from meetings.agenda import Agenda

    original = agenda()
    again = Agenda.from_dict(json.loads(json.dumps(original.to_dict())))
    assert again == original
    assert Agenda.from_dict(original.to_dict()["items"]).items == original.items


def test_numeric_meeting_id_as_file_id(tmp_path):
    minutes = build_minutes(meeting(), agenda(), members(), MeetingMeta(file_id=42))
    paths = write_exports(tmp_path, meeting(), minutes, formats=("rttm", "oparl"))
    assert paths["rttm"].read_text().split()[1] == "42"
    assert json.loads(paths["oparl"].read_text())["id"] == "http://127.0.0.1:8080/oparl/meeting/42"
