"""Uploads are judged by their content, not by their name.

A meeting recording must be audio that ffprobe/ffmpeg can read (rathaus.speech.audio.probe) before a
meeting or job exists: an empty file, random bytes named .wav, a PDF or a text named .mp3 and a
video without sound are refused with the German message from prompts/de/web.toml, the saved
file is removed and nothing is queued; a real WAV named .mp3 or without extension is accepted.
The same holds for the `rathaus meeting` command (which never deletes the user's own file) and
for the agenda file. Too-large uploads stop at [web] max_upload_mb, also when the client sends
no Content-Length, and leave no partial file.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest
from aiohttp import FormData

import prompts
from tests.web.client import ADMIN_PW, Web, write_tone

PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, expected prompt key)"""
    noise = random.Random(0)  # fixed bytes: a rare random draw looks like a container without audio
    rand = tmp / "zufall.wav"
    rand.write_bytes(noise.randbytes(64 * 1024))
    text = tmp / "notiz.mp3"
    text.write_text("Das ist keine Aufnahme, sondern eine Notiz.\n" * 200, encoding="utf-8")
    pdf = tmp / "einladung.mp3"
    pdf.write_bytes(PDF + noise.randbytes(4096))
    video = tmp / "stumm.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=d=1:s=64x48", str(video)], check=True)
    return {"random": (rand, "web.upload.audio_undecodable"), "text": (text, "web.upload.audio_undecodable"),
            "pdf": (pdf, "web.upload.audio_undecodable"), "video": (video, "web.upload.audio_no_audio")}


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _upload(web: Web, path: Path, filename: str | None = None, agenda: Path | None = None,
            agenda_name: str | None = None):
    form = FormData()
    form.add_field("csrf_token", web.csrf)
    form.add_field("title", "Gemeinderat")
    form.add_field("file", path.read_bytes(), filename=filename or path.name, content_type="audio/mpeg")
    if agenda is not None:
        form.add_field("agenda", agenda.read_bytes(), filename=agenda_name or agenda.name, content_type="text/plain")
    return web.post("/meetings", data=form, headers={"X-Requested-With": "fetch", "Accept": "application/json"})


def _counts(store) -> tuple[int, int]:
    return (store.conn.execute("SELECT count(*) FROM meetings").fetchone()[0],
            store.conn.execute("SELECT count(*) FROM jobs").fetchone()[0])


# --- the probe itself --------------------------------------------------------------------------

def test_probe_judges_content_not_name(tmp_path):
    from rathaus.speech.audio import NotAudio, probe

    for name, (path, key) in _bad_files(tmp_path).items():
        with pytest.raises(NotAudio) as err:
            probe(path)
        assert f"web.upload.audio_{err.value.reason}" == key, name
    empty = tmp_path / "leer.wav"
    empty.write_bytes(b"")
    with pytest.raises(NotAudio) as err:
        probe(empty)
    assert err.value.reason == "empty"
    wav = write_tone(tmp_path / "ton.wav", 1.5)
    for name in ("aufnahme.mp3", "aufnahme"):
        renamed = tmp_path / name
        renamed.write_bytes(wav.read_bytes())
        assert probe(renamed) == pytest.approx(1.5, abs=0.05)
    for reason in NotAudio.REASONS:  # every reason has its German message
        assert prompts.text(f"web.upload.audio_{reason}", name="x.wav")


# --- the web upload ----------------------------------------------------------------------------

def test_web_refuses_non_audio_and_keeps_nothing(admin, store, config, tmp_path):
    from apps.web.settings import upload_dir

    folder = upload_dir(config)
    for name, (path, key) in _bad_files(tmp_path).items():
        response = _upload(admin, path)
        assert response.status == 415, (name, response.status, response.text_)
        assert json.loads(response.text_)["error"] == prompts.text(key, name=path.name), name
        assert _files_under(folder) == [] and _counts(store) == (0, 0), name
    empty = tmp_path / "leer.wav"
    empty.write_bytes(b"")
    response = _upload(admin, empty)
    assert response.status == 400 and json.loads(response.text_)["error"] == prompts.text("web.upload.empty")
    assert _files_under(folder) == [] and _counts(store) == (0, 0)


def test_web_html_form_gets_the_message_too(admin, store, tmp_path):
    """Without fetch (a browser without JavaScript) the refusal is a plain-text page."""
    bad = _bad_files(tmp_path)["pdf"][0]
    form = FormData()
    form.add_field("csrf_token", admin.csrf)
    form.add_field("file", bad.read_bytes(), filename=bad.name, content_type="audio/mpeg")
    response = admin.post("/meetings", data=form)
    assert response.status == 415 and "keine lesbare Audio" in response.text_
    assert _counts(store) == (0, 0)


@pytest.mark.parametrize("filename", ["sitzung.mp3", "sitzung", "sitzung.txt"])
def test_web_accepts_real_audio_whatever_its_name(admin, store, tmp_path, filename):
    wav = write_tone(tmp_path / "ton.wav", 2.0)
    response = _upload(admin, wav, filename=filename)
    assert response.status == 201, response.text_
    created = json.loads(response.text_)
    meeting = store.db["meetings"].get(created["id"])
    assert meeting["source_name"] == filename and Path(meeting["audio_path"]).read_bytes() == wav.read_bytes()
    assert store.db["jobs"].get(created["job"])["status"] == "queued"


def test_agenda_judged_by_content(admin, store, config, tmp_path):
    from apps.web.settings import upload_dir

    wav = write_tone(tmp_path / "ton.wav", 2.0)
    pdf = tmp_path / "tagesordnung.txt"
    pdf.write_bytes(PDF + os.urandom(2048))
    response = _upload(admin, wav, agenda=pdf)
    assert response.status == 415, response.text_
    assert json.loads(response.text_)["error"] == prompts.text("web.upload.agenda_invalid", name="tagesordnung.txt")
    assert _files_under(upload_dir(config)) == [] and _counts(store) == (0, 0)
    # a mislabelled audio file as agenda is refused as well
    response = _upload(admin, wav, agenda=wav, agenda_name="tagesordnung.txt")
    assert response.status == 415 and _counts(store) == (0, 0)
    # a real agenda, whatever its name
    good = tmp_path / "to.pdf"
    good.write_text("1. Eröffnung\n2. Haushalt 2027\n3. Verschiedenes\n", encoding="utf-8")
    response = _upload(admin, wav, agenda=good)
    assert response.status == 201, response.text_
    meeting = store.db["meetings"].get(json.loads(response.text_)["id"])
    assert [i["title"] for i in json.loads(meeting["agenda"])] == ["Eröffnung", "Haushalt 2027", "Verschiedenes"]


def test_agenda_loader_names_what_the_file_is(tmp_path):
    from meetings.agenda import load_agenda
    from rathaus.errors import RathausError

    pdf = tmp_path / "to.txt"
    pdf.write_bytes(PDF)
    with pytest.raises(RathausError, match="PDF"):
        load_agenda(pdf)
    docx = tmp_path / "to.json"
    docx.write_bytes(b"PK\x03\x04" + os.urandom(512))
    with pytest.raises(RathausError, match="Word"):
        load_agenda(docx)
    binary = tmp_path / "to2.txt"
    binary.write_bytes(os.urandom(2048))
    with pytest.raises(RathausError, match="not a text file"):
        load_agenda(binary)
    latin = tmp_path / "to3.txt"
    latin.write_bytes("1. Eröffnung\n2. Straßenbau\n".encode("cp1252"))
    assert [i.title for i in load_agenda(latin)] == ["Eröffnung", "Straßenbau"]


def test_too_large_without_content_length_leaves_no_partial_file(rathaus_home, store, tmp_path, monkeypatch):
    """A client that sends no Content-Length (chunked) is stopped while streaming, at the limit."""
    from rathaus.config import Config
    from apps.web.settings import upload_dir

    cfg_file = tmp_path / "small.toml"
    cfg_file.write_text("[web]\nmax_upload_mb = 1\n")
    config = Config.load(cfg_file)
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    web = Web(config, store)
    try:
        assert web.login("admin", ADMIN_PW).status == 302
        token = web.csrf
        boundary = "grenze0815"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gross.wav\"\r\n"
                f"Content-Type: audio/wav\r\n\r\n").encode()
        wav = write_tone(tmp_path / "gross.wav", 60.0).read_bytes()  # 1.9 MB

        async def body():
            yield head
            for i in range(0, len(wav), 64 * 1024):
                yield wav[i:i + 64 * 1024]
            yield f"\r\n--{boundary}--\r\n".encode()

        async def send():
            resp = await web.client.post("/meetings", data=body(), headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Requested-With": "fetch"})
            return resp.status, await resp.text()

        status, text = web.loop.run_until_complete(send())
        assert status == 413 and "1 MB" in json.loads(text)["error"], text
        assert _files_under(upload_dir(config)) == [] and _counts(store) == (0, 0)
    finally:
        web.close()


# --- the command line --------------------------------------------------------------------------

def test_meeting_command_refuses_non_audio_and_queues_nothing(cli, store, tmp_path):
    for name, (path, _key) in _bad_files(tmp_path).items():
        before = path.read_bytes()
        proc = cli("meeting", str(path), "--queue")
        assert proc.returncode != 0, name
        assert proc.stderr.strip().count("\n") == 0 and ("decode" in proc.stderr or "no audio" in proc.stderr), proc.stderr
        assert path.read_bytes() == before  # the user's own file is never touched
    assert _counts(store) == (0, 0)
    wav = write_tone(tmp_path / "ton.wav", 1.0)
    plain = tmp_path / "aufnahme"
    plain.write_bytes(wav.read_bytes())
    proc = cli("meeting", str(plain), "--queue", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["job_id"] and _counts(store) == (1, 1)
