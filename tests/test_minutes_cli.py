"""`rathaus minutes`, `rathaus agenda`, `rathaus votes` run as real processes through apps.cli.main.

Until "minutes" is listed in apps.cli.COMMANDS, the helper adds it for the subprocess only.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, shared_path
from minutes_fixtures import AGENDA_TEXT, meeting

RUN = ("import sys, apps.cli as c\n"
       "c.COMMANDS = c.COMMANDS if 'minutes' in c.COMMANDS else c.COMMANDS + ('minutes',)\n"
       "sys.exit(c.main(sys.argv[1:]))\n")


def rathaus(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                          input=input, cwd=ROOT, timeout=120)


@pytest.fixture
def transcript_file(tmp_path, rathaus_home):
    folder = tmp_path / "sitzung-2025-03-03"
    folder.mkdir()
    path = folder / "transcript.json"
    path.write_text(json.dumps(meeting().to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


def test_minutes_redraft_from_corrected_transcript(tmp_path, transcript_file):
    data = json.loads(transcript_file.read_text(encoding="utf-8"))
    data["speakers"]["SPEAKER_01"] = "Karl Ott"  # the clerk names a speaker
    transcript_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    agenda = tmp_path / "agenda.txt"
    agenda.write_text(AGENDA_TEXT, encoding="utf-8")
    members = tmp_path / "members.csv"
    members.write_text("name,role,party\nKarl Ott,Stadtrat,CDU\n", encoding="utf-8")
    out = tmp_path / "out"
    result = rathaus("minutes", str(transcript_file), "-o", str(out), "--agenda", str(agenda),
                     "--members", str(members), "--body", "Gemeinderat", "--date", "2025-03-03")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {
        "protocol.md", "transcript.json", "diarization.rttm", "transcript.vtt", "transcript.srt",
        "protocol.docx", "protocol.pdf", "protocol.html", "protocol.oparl.json"}
    md = (out / "protocol.md").read_text(encoding="utf-8")
    assert "**Stadtrat Karl Ott (CDU)** (0:00:12):" in md
    assert "| Termin | 3. März 2025 |" in md
    assert (out / "diarization.rttm").read_text().split()[1] == "sitzung-2025-03-03"


def test_minutes_selected_formats_and_bad_input(tmp_path, transcript_file):
    out = tmp_path / "some"
    result = rathaus("minutes", str(transcript_file), "-o", str(out), "--formats", "md,vtt")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["protocol.md", "transcript.vtt"]
    bad = rathaus("minutes", str(transcript_file), "-o", str(out), "--formats", "md,odt")
    assert bad.returncode == 2 and bad.stderr.startswith("rathaus: unknown export format")
    broken = tmp_path / "broken.json"
    broken.write_text('{"segments": [', encoding="utf-8")
    result = rathaus("minutes", str(broken), "-o", str(out))
    assert result.returncode == 2 and "not a transcript.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_minutes_oparl_ids_under_the_configured_base_url(tmp_path, transcript_file):
    config = tmp_path / "rathaus.toml"
    config.write_text('[meetings]\noparl_base_url = "https://ris.musterstadt.de/oparl/"\n', encoding="utf-8")
    out = tmp_path / "oparl"
    result = rathaus("--config", str(config), "minutes", str(transcript_file), "-o", str(out),
                     "--formats", "oparl", "--date", "2025-03-03T18:00")
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "protocol.oparl.json").read_text(encoding="utf-8"))
    assert data["id"] == "https://ris.musterstadt.de/oparl/meeting/sitzung-2025-03-03"
    assert data["start"] == "2025-03-03T18:00:00+01:00"
    assert data["resultsProtocol"]["accessUrl"] == data["id"] + "/file/protocol.pdf"


def test_agenda_command(tmp_path):
    result = rathaus("agenda", str(shared_path("oparl", "Meeting-01.json")))
    assert result.returncode == 0, result.stderr
    assert "10.1  Satzungsänderung für Ausschreibungen  -> Geändert beschlossen" in result.stdout
    path = tmp_path / "a.txt"
    path.write_text(AGENDA_TEXT, encoding="utf-8")
    parsed = json.loads(rathaus("agenda", str(path), "--json").stdout)
    assert [i["public"] for i in parsed["items"]] == [True, True, False]
    missing = rathaus("agenda", str(tmp_path / "none.txt"))
    assert missing.returncode == 2 and "agenda file not found" in missing.stderr


def test_votes_find_from_stdin():
    result = rathaus("votes", "find", "-", input="Wer ist dafür? Gegenstimmen? Drei. Enthaltungen? "
                                                  "Keine. Damit mehrheitlich beschlossen.")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["result"] == "mehrheitlich zugestimmt (3 Nein-Stimmen, keine Enthaltungen)"


def test_votes_eval_on_karlsruhe():
    result = rathaus("votes", "eval", str(shared_path("council", "karlsruhe", "niederschriften")))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scored"] >= 170 and data["accuracy"] >= 0.93
    assert isinstance(data["errors"], int)
