"""The OParl export against the official OParl 1.1 JSON schemas (tests/data/oparl-schema/).

The schemas use two keywords of their own: `"schema": "File.json"` for an embedded object and
`"format": "url"`. The validator here follows the first into the named schema file and checks the
second (an absolute http(s) URL), as it does RFC 3339 date-times; without that, jsonschema would
silently pass both. Round trip: the Karlsruhe council's OParl meetings and the specification's
example Meeting go in as agenda and must come out with their ids, consultations and location.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import shared_path
from meetings.agenda import agenda_from_oparl, load_agenda
from meetings.export import render, write_exports
from meetings.minutes import MeetingMeta, build_minutes
from meetings.oparl import base_url
from minutes_fixtures import agenda, meeting, members

jsonschema = pytest.importorskip("jsonschema")

SCHEMA_DIR = Path(__file__).parents[1] / "data" / "oparl-schema"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _schemas() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_DIR.glob("*.json")}


def _format_checker():
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("url")
    def is_url(value) -> bool:
        return not isinstance(value, str) or bool(re.match(r"^https?://[^\s/]+(/\S*)?$", value))

    @checker.checks("date-time")
    def is_date_time(value) -> bool:
        if not isinstance(value, str):
            return True
        if not _DATE_TIME.match(value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("date", raises=ValueError)
    def is_date(value) -> bool:
        return not isinstance(value, str) or bool(date.fromisoformat(value)) and len(value) == 10

    return checker


def oparl_errors(obj: dict, schema_name: str = "Meeting.json") -> list[str]:
    """Every schema violation in `obj`, embedded objects included, as 'path: message'."""
    schemas = _schemas()
    checker = _format_checker()

    def embedded(validator, name, instance, schema):
        if isinstance(instance, dict) and name in schemas:
            yield from validator.descend(instance, schemas[name])

    cls = jsonschema.validators.extend(jsonschema.Draft7Validator, {"schema": embedded})
    validator = cls(schemas[schema_name], format_checker=checker)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


def _minutes(spec, **meta):
    return build_minutes(meeting(), spec, members(), MeetingMeta(**meta))


def test_validator_accepts_the_spec_example_and_rejects_urns_and_dates():
    """The checks bite: the spec's own example passes; the old export's urn: ids and bare date fail."""
    example = json.loads(shared_path("oparl", "Meeting-01.json").read_text(encoding="utf-8"))
    # the spec's example lacks AgendaItem.order, which its own schema requires
    assert oparl_errors(example) == ["agendaItem/0: 'order' is a required property"]
    example["agendaItem"][0]["order"] = 1
    assert oparl_errors(example) == []
    bad = dict(example, id="urn:rathaus:meeting:1", start="2025-03-03")
    bad["agendaItem"] = [dict(example["agendaItem"][0], id="urn:rathaus:meeting:1:agendaitem:1", order=1)]
    errors = " ".join(oparl_errors(bad))
    assert "'urn:rathaus:meeting:1' is not a 'url'" in errors
    assert "'2025-03-03' is not a 'date-time'" in errors
    assert "agendaItem/0/id" in errors


def test_oparl_export_passes_the_official_schemas(tmp_path):
    minutes = _minutes(agenda(), title="12. Sitzung des Gemeinderats", body="Gemeinderat",
                       date="2025-03-03T18:30", place="Rathaus Musterstadt", file_id="gr-2025-03-03")
    paths = write_exports(tmp_path, meeting(), minutes, formats=("pdf", "vtt", "oparl"),
                          oparl_base_url="https://ris.musterstadt.de/oparl/")
    data = json.loads(paths["oparl"].read_text(encoding="utf-8"))
    assert oparl_errors(data) == []
    assert data["id"] == "https://ris.musterstadt.de/oparl/meeting/gr-2025-03-03"
    assert data["start"] == "2025-03-03T18:30:00+01:00"   # local time, with the German offset
    assert all(item["id"].startswith(data["id"] + "/agendaitem/") for item in data["agendaItem"])
    assert data["location"]["id"] == data["id"] + "/location"


def test_oparl_start_is_a_date_time_not_a_date():
    data = json.loads(render("oparl", meeting(), _minutes(agenda(), date="2025-03-03")))
    assert "start" not in data and oparl_errors(data) == []   # no invented hour
    data = json.loads(render("oparl", meeting(), _minutes(agenda(), date="2025-07-01 09:00")))
    assert data["start"] == "2025-07-01T09:00:00+02:00" and oparl_errors(data) == []


def test_oparl_minutes_attached_as_file_objects(tmp_path):
    import hashlib

    minutes = _minutes(agenda(), date="2025-03-03", file_id="42")
    paths = write_exports(tmp_path, meeting(), minutes, formats=("pdf", "vtt", "oparl"))
    data = json.loads(paths["oparl"].read_text(encoding="utf-8"))
    results, verbatim = data["resultsProtocol"], data["verbatimProtocol"]
    assert results["type"] == verbatim["type"] == "https://schema.oparl.org/1.1/File"
    assert results["fileName"] == "protocol.pdf" and results["mimeType"] == "application/pdf"
    assert verbatim["fileName"] == "transcript.vtt" and verbatim["mimeType"] == "text/vtt"
    pdf = paths["pdf"].read_bytes()
    assert results["size"] == len(pdf) and results["sha1Checksum"] == hashlib.sha1(pdf).hexdigest()
    assert results["name"] == "Niederschrift" and results["date"] == "2025-03-03"
    assert results["accessUrl"] == "http://127.0.0.1:8080/oparl/meeting/42/file/protocol.pdf"
    assert oparl_errors(results, "File.json") == [] and oparl_errors(data) == []


def test_oparl_base_url_from_config():
    assert base_url({"meetings": {"oparl_base_url": "https://ris.example.de/oparl/"}}) == \
        "https://ris.example.de/oparl"
    assert base_url({"meetings": {"oparl_base_url": ""}, "web": {"host": "10.0.0.5", "http_port": 8081}}) == \
        "http://10.0.0.5:8081/oparl"


def _round_trip(original: dict) -> None:
    spec = agenda_from_oparl(original)
    data = json.loads(render("oparl", meeting(), _minutes(spec), oparl_base_url="https://rathaus.example/oparl"))
    assert oparl_errors(data) == [], original.get("id")
    assert data["id"] == original["id"]
    exported = {item["id"]: item for item in data["agendaItem"]}
    for item in original["agendaItem"]:
        if not str(item.get("name") or "").strip():
            continue   # an item without a name is not an agenda item the minutes can hold
        assert item["id"] in exported, item["id"]
        out = exported[item["id"]]
        assert out["number"] == str(item.get("number") or "").strip()
        assert out["meeting"] == original["id"]
        assert out.get("consultation") == item.get("consultation")
    if isinstance(original.get("location"), dict):
        assert data["location"] == original["location"]
    if original.get("organization"):
        assert data["organization"] == original["organization"]
    if original.get("start"):
        assert datetime.fromisoformat(data["start"]) == datetime.fromisoformat(original["start"])


def test_oparl_round_trip_keeps_the_spec_examples_ids():
    _round_trip(json.loads(shared_path("oparl", "Meeting-01.json").read_text(encoding="utf-8")))


def test_oparl_round_trip_keeps_karlsruhe_ids_consultations_and_location():
    folder = shared_path("council", "karlsruhe", "meetings")
    checked = 0
    for path in sorted(folder.glob("*.json")):
        original = json.loads(path.read_text(encoding="utf-8"))
        if not any(str(i.get("name") or "").strip() for i in original.get("agendaItem") or []):
            continue
        _round_trip(original)
        checked += 1
    assert checked >= 50   # 72 meetings in the data set; most carry their agenda


def test_agenda_keeps_oparl_references_through_the_store():
    from meetings.agenda import Agenda

    spec = load_agenda(shared_path("oparl", "Meeting-01.json"))
    again = Agenda.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.items[0].consultation == "https://oparl.example.org/consultation/1034"
    assert again.oparl_location["id"] == "https://oparl.example.org/location/0"
