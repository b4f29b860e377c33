"""Privacy: redaction where call records are written, in meeting exports and logs; retention;
data-subject export and erasure through the real `rathaus privacy` command."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from rathaus.config import Config
from rathaus.privacy import Policy, install, set_policy
from rathaus.privacy.logfilter import RedactingFilter

IBAN = "DE89 3704 0044 0532 0130 00"
CALLER = "+497111234567"


@pytest.fixture(autouse=True)
def fresh_policy():
    set_policy(None)  # each test reads its own configuration
    yield
    set_policy(None)


def _config_file(rathaus_home, monkeypatch, text: str):
    path = rathaus_home / "rathaus.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("RATHAUS_CONFIG", str(path))  # the CLI subprocesses inherit it
    return Config.load()


def _call(store, caller: str = CALLER, texts=(), audio_dir=None, handoff=None):
    from voice.phone.records import CallRecord, TurnRecord

    rec = CallRecord(store, caller, "partial", worker="w1")
    for i, (role, text) in enumerate(texts):
        rec.add_turn(TurnRecord(role, text, f"2025-01-01T10:00:0{i}", None, "de"))
    if handoff:
        rec.update(handoff=handoff)
    if audio_dir is not None:
        audio_dir.mkdir(parents=True, exist_ok=True)
        path = audio_dir / f"{rec.id}.wav"
        path.write_bytes(b"RIFF" + rec.id.encode())
        rec.update(audio_path=str(path))
    rec.close("answered")
    return rec


def _backdate(store, call_id: str, days: int) -> None:
    at = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="milliseconds")
    with store.conn:
        store.conn.execute("UPDATE calls SET started_at = ? WHERE id = ?", (at, call_id))
        store.conn.execute("UPDATE callbacks SET created_at = ? WHERE call_id = ?", (at, call_id))


# --- where redaction is applied ------------------------------------------------------------------

def test_call_records_are_stored_redacted_with_masked_number_and_hash(store, rathaus_home):
    rec = _call(store, texts=[("caller", f"Meine IBAN ist {IBAN} und Telefon 0711 1234567"),
                              ("bot", "Die Gebühr beträgt 35 Euro, TOP 4 hat 12 Ja-Stimmen.")],
                handoff={"reason": "forward", "transcript": [{"role": "caller", "text": f"IBAN {IBAN}"}]})
    turns = [r["text"] for r in store.db["call_turns"].rows_where("call_id = ?", [rec.id], order_by="idx")]
    assert turns == ["Meine IBAN ist [IBAN] und Telefon [TELEFON]",
                     "Die Gebühr beträgt 35 Euro, TOP 4 hat 12 Ja-Stimmen."]
    row = store.db["calls"].get(rec.id)
    assert json.loads(row["handoff"])["transcript"][0]["text"] == "IBAN [IBAN]"
    assert row["caller"] == "+497111234xxx"
    assert row["caller_hash"] and "1234567" not in row["caller_hash"]
    # full-text search finds no trace of the raw number either
    assert not store.conn.execute("SELECT * FROM call_turns_fts WHERE call_turns_fts MATCH '\"0711\"'").fetchall()
    key = rathaus_home / "privacy.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # the same number in another format gives the same hash; another number does not
    policy = Policy.from_config(Config.load())
    assert policy.caller_hash("0711 123 4567") == row["caller_hash"] != policy.caller_hash("0711 1234568")


def test_office_numbers_the_bot_reads_out_stay(store):
    with store.conn:
        store.conn.execute("INSERT INTO catalog_offices (id, name, phone, updated_at) VALUES ('o1', 'Bürgerbüro',"
                           " '089 233-96000', '2025-01-01')")
    rec = _call(store, texts=[("bot", "Sie erreichen das Bürgerbüro unter 089 233-96000."),
                              ("caller", "Meine Nummer ist 089 1234567")])
    turns = [r["text"] for r in store.db["call_turns"].rows_where("call_id = ?", [rec.id], order_by="idx")]
    assert turns == ["Sie erreichen das Bürgerbüro unter 089 233-96000.", "Meine Nummer ist [TELEFON]"]


def test_caller_name_redacted_when_configured(rathaus_home, monkeypatch):
    from rathaus.store import open_store
    from voice.phone.records import CallRecord, TurnRecord

    _config_file(rathaus_home, monkeypatch, "[privacy]\nredact_names = true\n")
    store = open_store(Config.load())
    rec = CallRecord(store, CALLER, "partial")
    rec.add_turn(TurnRecord("caller", "Erika Musterfrau", "t0"))
    rec.add_callback("Erika Musterfrau", "07111234567", None, "forward")
    rec.add_turn(TurnRecord("bot", "Danke, Frau Musterfrau, wir rufen Sie unter 0 7 1 1 1 2 3 4 5 6 7 zurück.", "t1"))
    turns = [r["text"] for r in store.db["call_turns"].rows_where("call_id = ?", [rec.id], order_by="idx")]
    assert turns == ["[NAME]", "Danke, Frau [NAME], wir rufen Sie unter [TELEFON] zurück."]
    callback = next(store.db["callbacks"].rows)
    assert callback["name"] == "Erika Musterfrau" and callback["number"] == "07111234567"  # needed to call back
    store.close()


def test_names_kept_by_default(store):
    from voice.phone.records import CallRecord, TurnRecord

    rec = CallRecord(store, CALLER, "partial")
    rec.add_turn(TurnRecord("caller", "Erika Musterfrau", "t0"))
    rec.add_callback("Erika Musterfrau", "07111234567", None, "forward")
    assert next(store.db["call_turns"].rows)["text"] == "Erika Musterfrau"


def test_meeting_exports_redacted_unless_switched_off(rathaus_home, monkeypatch):
    from meetings.export import render
    from meetings.minutes import MeetingMeta, build_minutes
    from minutes_fixtures import agenda, meeting, members, utterance

    transcript = meeting()
    transcript.segments.append(utterance("SPEAKER_02", 110, 120,
                                         "Bürger Meier bittet um Rückruf unter 0711 123 4567 zu TOP 3."))
    minutes = build_minutes(transcript, agenda(), members(), MeetingMeta(title="Sitzung", date="2025-03-03"))
    for kind in ("vtt", "srt", "md"):
        text = render(kind, transcript, minutes).decode("utf-8")
        assert "123 4567" not in text, kind
    assert "[TELEFON]" in render("vtt", transcript, minutes).decode("utf-8")
    data = json.loads(render("json", transcript, minutes))
    last = data["segments"][-1]
    assert last["text"].endswith("unter [TELEFON] zu TOP 3.")
    words = [w["word"] for w in last["words"]]
    assert "[TELEFON]" in words and "4567" not in words and "TOP" in words
    assert "4567" not in render("docx", transcript, minutes).decode("latin-1", "replace")
    # the 12 agenda/vote numbers of the fixture are untouched
    assert "200.000 Euro" in render("md", transcript, minutes).decode("utf-8")

    set_policy(None)
    _config_file(rathaus_home, monkeypatch, "[privacy]\nredact_meetings = false\n")
    assert json.loads(render("json", transcript, minutes))["segments"][-1]["text"].endswith("0711 123 4567 zu TOP 3.")


def test_log_filter_installed_by_the_cli_setup(config):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install(config)
        logging.getLogger("voice.phone.session").warning("call x heard: IBAN %s, password=%s", IBAN, "hunter22")
    finally:
        root.removeHandler(handler)
        for other in root.handlers:  # pytest's own handlers: leave them as they were
            other.filters = [f for f in other.filters if not isinstance(f, RedactingFilter)]
    assert stream.getvalue().strip() == "call x heard: IBAN [IBAN], password=***"


def test_cli_main_installs_the_filter(rathaus_home):
    """The real main(): its logging set-up redacts what a command logs (in a fresh process)."""
    import subprocess
    import sys

    code = ("import logging, sys; import apps.cli.privacy as p; from apps.cli import main\n"
            "p.cmd_retention = lambda args, config: logging.getLogger('voice.phone.session')"
            f".info('heard: meine IBAN ist {IBAN}, Tel. 0711 1234567, 12 Ja-Stimmen') or 0\n"
            "sys.exit(main(['privacy', 'retention']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "heard: meine IBAN ist [IBAN], Tel. [TELEFON], 12 Ja-Stimmen" in result.stderr
    assert "0532" not in result.stderr


# --- retention -----------------------------------------------------------------------------------

def test_retention_deletes_expired_data_idempotently(store, rathaus_home, cli):
    from apps.web.audit import audit

    calls_dir = rathaus_home / "calls"
    old = _call(store, texts=[("caller", "Reisepass")], audio_dir=calls_dir, handoff={"reason": "x"})
    mid = _call(store, texts=[("caller", "Personalausweis")], audio_dir=calls_dir, handoff={"reason": "y"})
    new = _call(store, texts=[("caller", "Hundesteuer")], audio_dir=calls_dir)
    old.add_callback("A", "0711 1", None, "x")
    new.add_callback("C", "0711 3", None, "x")
    with store.conn:
        store.conn.execute("UPDATE callbacks SET status = 'done'")
    _backdate(store, old.id, 200)   # past transcript_days (180), handoff_days and audio_days
    _backdate(store, mid.id, 40)    # past audio_days (30) only
    orphan = calls_dir / "orphan.wav"
    orphan.write_bytes(b"RIFF")
    stamp = (datetime.now() - timedelta(days=31)).timestamp()
    os.utime(orphan, (stamp, stamp))
    audit(store, None, "view", "call", old.id)
    with store.conn:
        store.conn.execute("UPDATE audit_log SET at = '2020-01-01T00:00:00.000+00:00'")
        store.conn.execute("INSERT INTO login_attempts (at, ip, username, success) VALUES (1000, '1.2.3.4', 'a', 0)")
    audit(store, None, "view", "call", new.id)

    dry = cli("privacy", "retention", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    counts = json.loads(dry.stdout)["counts"]
    assert counts == {"audit_entries": 1, "call_audio_files": 3, "call_numbers": 1, "call_turns": 1, "callbacks": 1,
                      "handoffs": 1, "login_attempts": 1}
    assert orphan.exists() and store.conn.execute("SELECT count(*) FROM call_turns").fetchone()[0] == 3

    real = cli("privacy", "retention", "--json")
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout)["counts"] == counts
    assert not orphan.exists()
    assert sorted(p.name for p in calls_dir.iterdir()) == [f"{new.id}.wav"]
    rows = {r["id"]: r for r in store.db["calls"].rows}
    assert rows[old.id]["caller"] is None and rows[old.id]["handoff"] is None and rows[old.id]["outcome"] == "answered"
    assert rows[mid.id]["audio_path"] is None and rows[mid.id]["handoff"] and rows[mid.id]["caller"]
    assert rows[new.id]["audio_path"]
    assert [r["call_id"] for r in store.db["call_turns"].rows] == [mid.id, new.id]
    assert [r["name"] for r in store.db["callbacks"].rows] == ["C"]
    assert [r["object_id"] for r in store.db["audit_log"].rows] == [new.id]

    again = cli("privacy", "retention", "--json")
    assert all(v == 0 for v in json.loads(again.stdout)["counts"].values())
    text = cli("privacy", "retention")
    assert text.returncode == 0 and text.stdout.strip()


def test_meeting_retention_only_when_configured(rathaus_home, monkeypatch, cli):
    from rathaus.store import open_store

    config = _config_file(rathaus_home, monkeypatch, "[privacy]\nmeeting_audio_days = 10\n")
    store = open_store(config)
    folder = rathaus_home / "meetings" / "m1"
    (folder / "export").mkdir(parents=True)
    (folder / "upload.mp3").write_bytes(b"x")
    (folder / "audio.wav").write_bytes(b"x")
    (folder / "export" / "protocol.md").write_text("# Niederschrift")
    with store.conn:
        store.conn.execute("INSERT INTO meetings (id, title, created_at, audio_path, status) VALUES"
                           " ('m1', 'Rat', '2020-01-01T00:00:00.000+00:00', ?, 'done')", (str(folder / "audio.wav"),))
        store.conn.execute("INSERT INTO meeting_segments (meeting_id, idx, speaker, start, end, text)"
                           " VALUES ('m1', 0, 'S0', 0, 1, 'Guten Abend')")
    result = cli("privacy", "retention", "--json")
    counts = json.loads(result.stdout)["counts"]
    assert counts["meeting_audio_files"] == 2 and "meeting_segments" not in counts
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == ["protocol.md"]
    assert store.conn.execute("SELECT count(*) FROM meeting_segments").fetchone()[0] == 1
    assert store.db["meetings"].get("m1")["audio_path"] is None
    store.close()


# --- data-subject requests -----------------------------------------------------------------------

def test_export_and_delete_by_number(store, rathaus_home, cli, tmp_path):
    calls_dir = rathaus_home / "calls"
    mine = _call(store, texts=[("caller", "Reisepass bitte")], audio_dir=calls_dir, handoff={"reason": "x"})
    mine.add_callback("Erika", "0711 1234567", None, "x")
    again = _call(store, caller="07111234567", texts=[("caller", "Und Ausweis")])
    other = _call(store, caller="+49891234567", texts=[("caller", "Hundesteuer")], audio_dir=calls_dir)

    out = tmp_path / "auskunft.zip"
    result = cli("privacy", "export", "--number", "0711 / 123 45 67", "-o", str(out))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as zf:
        data = json.loads(zf.read("data.json"))
        assert sorted(zf.namelist()) == ["audio/" + f"{mine.id}.wav", "data.json"]
    assert sorted(c["id"] for c in data["calls"]) == sorted([mine.id, again.id])
    assert all("caller_hash" not in c for c in data["calls"])
    assert [t["text"] for c in data["calls"] if c["id"] == mine.id for t in c["turns"]] == ["Reisepass bitte"]
    assert [cb["name"] for cb in data["callbacks"]] == ["Erika"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    as_json = cli("privacy", "export", "--number", "+49 711 1234567", "--audio", "base64")
    assert as_json.returncode == 0, as_json.stderr
    calls = json.loads(as_json.stdout)["calls"]
    assert any(c["audio"] and c["audio"]["base64"] for c in calls)

    preview = cli("privacy", "delete", "--number", "0711 1234567", "--json")
    assert preview.returncode == 1 and json.loads(preview.stdout) == {
        "deleted": False, "calls": 2, "turns": 2, "callbacks": 1, "audio_files": 1}
    assert store.db["calls"].count == 3

    done = cli("privacy", "delete", "--number", "0711 1234567", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted"] is True
    assert [r["id"] for r in store.db["calls"].rows] == [other.id]
    assert store.db["callbacks"].count == 0
    assert store.conn.execute("SELECT count(*) FROM call_turns WHERE call_id != ?", (other.id,)).fetchone()[0] == 0
    assert sorted(p.name for p in calls_dir.iterdir()) == [f"{other.id}.wav"]
    entry = store.conn.execute("SELECT * FROM audit_log WHERE action = 'delete'").fetchone()
    assert entry is not None and "privacy_request" in entry
    assert "1234567" not in json.dumps(list(entry)) and "Erika" not in json.dumps(list(entry))

    gone = cli("privacy", "export", "--number", "0711 1234567")
    assert gone.returncode == 1


def test_export_and_delete_by_call_id(store, cli):
    keep = _call(store, texts=[("caller", "Hallo")])
    target = _call(store, texts=[("caller", f"IBAN {IBAN}")])
    result = cli("privacy", "export", "--call", target.id)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["calls"]] == [target.id]
    assert data["calls"][0]["turns"][0]["text"] == "IBAN [IBAN]"
    assert cli("privacy", "delete", "--call", target.id, "--yes").returncode == 0
    assert [r["id"] for r in store.db["calls"].rows] == [keep.id]
    assert cli("privacy", "delete", "--call", "no-such-call", "--yes").returncode == 1


def test_unknown_redaction_kind_is_a_clear_error(rathaus_home, monkeypatch, cli):
    _config_file(rathaus_home, monkeypatch, '[privacy]\nredact = ["iban", "shoe_size"]\n')
    result = cli("privacy", "retention")
    assert result.returncode == 2 and "shoe_size" in result.stderr
