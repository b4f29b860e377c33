"""Catalog import (DLDB, CSV, our JSON), re-import keeping local work, bad input, catalog CLI."""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_path
from rathaus.catalog import repository as R
from rathaus.catalog.html import html_to_text
from rathaus.catalog.importers import read_catalog
from rathaus.errors import RathausError


def test_html_is_cleaned_to_plain_text():
    text = html_to_text('<p>\u200bSie haben&nbsp;eine <strong>Niederlassung</strong>.</p>\n<ol><li>Start</li><li>Zahlen</li></ol>')
    assert text == "Sie haben eine Niederlassung.\n- Start\n- Zahlen"


def test_dldb_munich_import_with_offices(store):
    report = R.import_file(store, shared_path("catalog", "muenchen", "services_de.json"))
    assert report.format == "dldb"
    assert report.added == 287 and report.offices > 100
    s = R.get_service(store, "1063441")
    assert s.name == "Personalausweis"
    assert "<" not in s.description and "Scheckkartenformat" in s.description
    assert "46 Euro" in s.fees and "<p>" not in s.fees
    assert "Perso" in s.keywords
    assert s.leika
    office_ids = {o.id for o in R.get_service(store, "1063423").offices}
    assert "dldb-10546" in office_ids
    gewerbeamt = next(o for o in R.get_service(store, "1063423").offices if o.id == "dldb-10546")
    assert gewerbeamt.address == "Implerstraße 11, 81371 München" and gewerbeamt.phone
    # the same file again: nothing changes
    again = R.import_file(store, shared_path("catalog", "muenchen", "services_de.json"))
    assert again.added == 0 and again.updated == 0 and again.unchanged == 287


def test_sample_catalog_loads_into_empty_store(config, store):
    report = R.ensure_initial(config, store)
    assert report is not None and report.added >= 40
    assert R.ensure_initial(config, store) is None  # only once
    passport = R.get_service(store, "102")
    assert passport.fees.startswith("70 Euro") and passport.documents and passport.offices
    assert passport.forward_to.startswith("sip:")


CSV = """id,name,description,keywords,fees,documents,forms,links,leika,forward_to,office_name,office_address,office_phone,office_email,office_opening_hours
A1,Hund anmelden,Wer einen Hund hält meldet ihn an.,Hundesteuer|Hundemarke,90 Euro im Jahr,Personalausweis|Chipnummer,Formular=https://x.example/f.pdf,,99137001001000,sip:steuer@127.0.0.1,Steueramt,Markt 1,0123 4,steuer@x.example,Mo-Fr 8-12
A2,Sperrmüll,Abholung von Möbeln.,Sperrmüll|Sofa,,,,,,,,,,,
"""


def test_csv_import_and_reimport_keeps_local_work(store, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(CSV, encoding="utf-8")
    report = R.import_file(store, path)
    assert (report.format, report.added) == ("csv", 2)
    dog = R.get_service(store, "A1")
    assert dog.keywords == ["Hundesteuer", "Hundemarke"] and dog.documents == ["Personalausweis", "Chipnummer"]
    assert dog.forms[0].url == "https://x.example/f.pdf" and dog.offices[0].opening_hours == "Mo-Fr 8-12"

    generation = R.generation(store)
    assert R.add_synonym(store, "A1", "WauWau anmelden")
    assert not R.add_synonym(store, "A1", "WauWau  anmelden")  # same phrase
    R.update_service(store, "A1", forward_to="sip:hund@127.0.0.1", fees="95 Euro im Jahr")
    assert R.generation(store) > generation

    path.write_text(CSV.replace("Abholung von Möbeln.", "Abholung von Möbeln und Matratzen."), encoding="utf-8")
    again = R.import_file(store, path)
    assert again.updated == 1 and again.unchanged == 1 and again.kept_local_edits == 1
    dog = R.get_service(store, "A1")
    assert "WauWau anmelden" in dog.synonyms
    assert dog.forward_to == "sip:hund@127.0.0.1" and dog.fees == "95 Euro im Jahr"
    assert set(dog.edited_fields) == {"forward_to", "fees"}
    assert "Matratzen" in R.get_service(store, "A2").description
    reverted = R.revert_service(store, "A1", ["fees"])
    assert reverted.fees == "90 Euro im Jahr" and reverted.edited_fields == ["forward_to"]
    assert R.remove_synonym(store, "A1", "WauWau anmelden")
    assert [s.id for s in R.list_services(store, "Hundemarke")] == ["A1"]


def test_own_json_roundtrip(store, tmp_path):
    path = tmp_path / "own.json"
    path.write_text(json.dumps({
        "offices": [{"id": "o1", "name": "Bürgerbüro", "address": "Platz 1"}],
        "services": [{"id": "x", "name": "Meldebescheinigung", "fees": "5 Euro", "documents": ["Ausweis"],
                      "office_ids": ["o1"], "synonyms": ["Wohnbestätigung"]}]}), encoding="utf-8")
    fmt, services = read_catalog(path)
    assert fmt == "json" and services[0].offices[0].name == "Bürgerbüro"
    R.import_file(store, path)
    assert R.get_service(store, "x").synonyms == ["Wohnbestätigung"]


@pytest.mark.parametrize("name,content,message", [
    ("bad.json", "{not json", "not valid JSON"),
    ("noservices.json", '{"foo": 1}', "services"),
    ("dup.json", '{"services": [{"id": "1", "name": "a"}, {"id": "1", "name": "b"}]}', "appears twice"),
    ("bad.csv", "name,price\nx,1\n", "missing column"),
    ("office.json", '{"services": [{"id": "1", "name": "a", "office_ids": ["zz"]}]}', "unknown office"),
])
def test_bad_files_give_clear_errors_and_write_nothing(store, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RathausError, match=message):
        R.import_file(store, path)
    assert R.count_services(store) == 0
    with pytest.raises(RathausError, match="not found"):
        R.import_file(store, tmp_path / "missing.json")


def test_synonym_for_unknown_service_is_refused(store):
    with pytest.raises(RathausError, match="no service"):
        R.add_synonym(store, "nope", "Perso")


def test_catalog_cli(cli, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text(CSV, encoding="utf-8")
    out = cli("catalog", "import", str(path), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 2
    listing = cli("catalog", "list")
    assert listing.returncode == 0 and "A1\tHund anmelden" in listing.stdout
    assert cli("catalog", "synonyms", "add", "A1", "Wau", "Wau").returncode == 0
    shown = cli("catalog", "show", "A1")
    assert "90 Euro im Jahr" in shown.stdout and "Wau Wau" in shown.stdout and "Steueramt" in shown.stdout
    assert json.loads(cli("catalog", "show", "A1", "--json").stdout)["synonyms"] == ["Wau Wau"]
    assert cli("catalog", "edit", "A1", "forward_to", "sip:x@127.0.0.1").returncode == 0
    assert "Lokal geändert: forward_to" in cli("catalog", "show", "A1").stdout
    missing = cli("catalog", "show", "ZZZ")
    assert missing.returncode == 2 and missing.stderr.strip() == "rathaus: no service with id ZZZ"
    bad = cli("catalog", "import", str(tmp_path / "nope.csv"))
    assert bad.returncode == 2 and "catalog file not found" in bad.stderr
    assert cli("catalog", "--help").returncode == 0


def test_real_catalog_retires_the_sample_and_prune_retires_dropped(config, store, tmp_path):
    R.ensure_initial(config, store)
    assert R.get_service(store, "112").source == "sample"
    path = tmp_path / "catalog.csv"
    path.write_text(CSV, encoding="utf-8")
    report = R.import_file(store, path)
    assert report.retired >= 40
    assert {s.id for s in R.all_services(store)} == {"A1", "A2"}
    assert R.get_service(store, "112") is not None  # kept, inactive
    assert R.ensure_initial(config, store) is None
    path.write_text("\n".join(CSV.splitlines()[:2]) + "\n", encoding="utf-8")  # A2 dropped upstream
    assert R.import_file(store, path).retired == 0
    assert R.import_file(store, path, prune=True).retired == 1
    assert [s.id for s in R.all_services(store)] == ["A1"]
    hits = store.conn.execute("SELECT count(*) FROM catalog_fts WHERE catalog_fts MATCH 'sperrmull'").fetchone()[0]
    assert hits == 0


def test_dldb_requirements_become_documents(store, tmp_path):
    """Berlin's DLDB names documents in "requirements"; offices come from locations_*.json."""
    (tmp_path / "services_de.json").write_text(json.dumps({"data": [{
        "id": "120703", "name": "Personalausweis beantragen", "description": "<p>Der Ausweis.</p>", "leika": "99099",
        "meta": {"keywords": "Perso, Ausweis"}, "fees": "<p>37,00 Euro</p>",
        "requirements": [{"name": "<b>Ein aktuelles Lichtbild</b>", "description": "biometrisch"}, {"name": "Alter Ausweis"}],
        "locations": [{"location": "122210"}], "forms": [], "links": []}]}), encoding="utf-8")
    (tmp_path / "locations_de.json").write_text(json.dumps({"data": [{
        "id": "122210", "name": "Bürgeramt Mitte", "address": {"street": "Karl-Marx-Allee", "house_number": "31",
                                                             "postal_code": "10178", "city": "Berlin"},
        "contact": {"phone": "030 115", "email": "a@b.example"}}]}), encoding="utf-8")
    R.import_file(store, tmp_path / "services_de.json")
    s = R.get_service(store, "120703")
    assert s.documents == ["Ein aktuelles Lichtbild", "Alter Ausweis"]
    assert s.fees == "37,00 Euro" and s.keywords == ["Perso", "Ausweis"]
    assert s.offices[0].address == "Karl-Marx-Allee 31, 10178 Berlin"


def test_documented_example_csv_imports(store):
    from importlib import resources

    with resources.as_file(resources.files("rathaus.catalog.data").joinpath("example_catalog.csv")) as path:
        report = R.import_file(store, path)
    assert report.added == 2
    dog = R.get_service(store, "ex-1")
    assert dog.documents == ["Ihren Personalausweis", "die Chipnummer des Hundes"]
    assert dog.offices[0].address == "Rathausplatz 1, 12345 Beispielstadt"
    assert R.get_service(store, "ex-2").links[0].url == "https://www.example.org/sperrmuell"


def test_the_first_sentence_of_an_answer_is_never_cut_inside_a_word():
    from rathaus.catalog.html import first_sentences

    long = ("Wer öffentliche Straßen, Gehwege oder Plätze über den Gemeingebrauch hinaus nutzen will, etwa für ein "
            "Baugerüst, einen Container, einen Kran oder eine Straßensperrung bei einem Straßenfest, braucht eine "
            "Sondernutzungserlaubnis. Den Antrag stellen Sie bei der Bauverwaltung.")
    assert first_sentences(long, limit=1, max_chars=220).endswith("braucht eine Sondernutzungserlaubnis.")
    endless = "Vorweg, " + ", ".join(["ein Satz ohne Ende"] * 40) + "."
    cut = first_sentences(endless, limit=1, max_chars=100)
    assert len(cut) <= 101 and cut.endswith("ein Satz ohne Ende.")
