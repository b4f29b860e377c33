"""Agenda parsing: real OParl meetings of Karlsruhe, the OParl specification example, typed lists."""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_path
from meetings.agenda import load_agenda, normalize_number, parse_agenda_text
from rathaus.errors import RathausError


def test_karlsruhe_oparl_meeting_items_in_order():
    path = shared_path("council", "karlsruhe", "meetings", "10044.json")
    agenda = load_agenda(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    named = [a for a in raw["agendaItem"] if a.get("name")]
    assert len(agenda) == len(named)
    first = agenda.items[0]
    assert first.number == "1"
    assert first.title.startswith("Berufung sachkundiger Einwohnerinnen")
    assert first.public is True
    assert first.result == "einstimmig beschlossen"
    assert agenda.find("4").title.startswith("Fortführung der ergänzenden Vereinbarung")
    assert agenda.name == "Gemeinderat (öffentlich/nicht öffentlich)"
    assert agenda.location == "Bürgersaal, Rathaus am Marktplatz"
    assert agenda.start.startswith("2025-01-21")


def test_all_karlsruhe_meetings_load():
    folder = shared_path("council", "karlsruhe", "meetings")
    total = 0
    empty = []
    for path in sorted(folder.glob("*.json")):
        if "agendaItem" not in json.loads(path.read_text(encoding="utf-8")):
            empty.append(path.name)  # meetings published without agenda: a clear error
            with pytest.raises(RathausError, match="no agenda items"):
                load_agenda(path)
            continue
        agenda = load_agenda(path)
        assert len(agenda) > 0, path.name
        assert all(item.title for item in agenda)
        total += len(agenda)
    assert total > 2000
    assert len(empty) < 10


def test_oparl_specification_example():
    agenda = load_agenda(shared_path("oparl", "Meeting-01.json"))
    assert [i.number for i in agenda] == ["10.1"]
    item = agenda.items[0]
    assert item.title == "Satzungsänderung für Ausschreibungen"
    assert item.result == "Geändert beschlossen"
    assert item.resolution_text.startswith("Der Beschluss weicht")
    assert agenda.name == "4. Sitzung des Finanzausschusses"
    assert agenda.location.startswith("Rathaus der Beispielstadt")
    assert agenda.find("TOP 10.1") is item


def test_plain_text_agenda_forms(tmp_path):
    text = (
        "Tagesordnung\n"
        "1. Eröffnung und Feststellung der Beschlussfähigkeit\n"
        "TOP 2 Haushaltssatzung 2025\n"
        "   mit Wirtschaftsplan der Stadtwerke\n"
        "Ö 3: Bebauungsplan „Am Mühlbach“\n"
        "N 4 Grundstücksangelegenheiten\n"
        "5) Anfragen (nicht öffentlich)\n"
        "10.1 Bericht des Bürgermeisters\n"
    )
    path = tmp_path / "agenda.txt"
    path.write_text(text, encoding="utf-8")
    agenda = load_agenda(path)
    assert [i.number for i in agenda] == ["1", "2", "3", "4", "5", "10.1"]
    assert agenda.find("2").title == "Haushaltssatzung 2025 mit Wirtschaftsplan der Stadtwerke"
    assert agenda.find("3").title == "Bebauungsplan „Am Mühlbach“"
    assert [i.public for i in agenda] == [True, True, True, False, False, True]
    assert agenda.find("5").title == "Anfragen"


def test_non_public_section_header():
    agenda = parse_agenda_text("Öffentlicher Teil\n1. Haushalt\n2. Schulen\n"
                               "Nichtöffentlicher Teil\n3. Personal\n4. Grundstück\n")
    assert [i.public for i in agenda] == [True, True, False, False]


def test_windows_1252_file(tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_bytes("1. Straßenbeleuchtung Süd\n2. Grünflächen\n".encode("cp1252"))
    assert load_agenda(path).items[0].title == "Straßenbeleuchtung Süd"


@pytest.mark.parametrize("number, expected", [("TOP 04.", "4"), ("10.01", "10.1"), ("3a", "3a"),
                                              ("Ö 7", "7"), ("Punkt 12:", "12")])
def test_normalize_number(number, expected):
    assert normalize_number(number) == expected


@pytest.mark.parametrize("content, message", [
    ('{"agendaItem": [', "not valid JSON"),
    ('{"name": "Sitzung"}', "neither an OParl Meeting"),
    ('{"agendaItem": ["https://example.org/agendaitem/1"]}', "only URLs"),
    ("Sehr geehrte Damen und Herren,\nbis bald.\n", "no agenda items"),
])
def test_bad_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / ("agenda.json" if content.startswith("{") else "agenda.txt")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RathausError, match=message):
        load_agenda(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(RathausError, match="not found"):
        load_agenda(tmp_path / "nope.json")
    path = tmp_path / "agenda.bin"
    path.write_bytes(b"\x81\x8d\x8f\x90\x9d" * 10)
    with pytest.raises(RathausError):
        load_agenda(path)
