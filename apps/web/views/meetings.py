"""Meetings: upload with progress, processing status, transcript with synced audio, speaker
names, text corrections, the minutes editor and the exports."""

from __future__ import annotations

import logging
import mimetypes
import uuid
from pathlib import Path

from aiohttp import web

from meetings import jobs, records
from meetings.export import EXPORTS
from meetings.pipeline import STAGES, meetings_dir
from apps.web import meetings_data as data
from apps.web.security import csrf_in_stream
from apps.web.settings import upload_dir
from apps.web.uploads import SavedFile, UploadError, read_form
from apps.web.views.common import in_thread, log_action, not_found, page, redirect
from apps.web.keys import CONFIG, SESSION, SETTINGS, STORE, USER

log = logging.getLogger(__name__)

def setup(app: web.Application) -> None:
    app.router.add_get("/meetings", meeting_list)
    app.router.add_post("/meetings", upload)
    app.router.add_get("/meetings/{id}", meeting_view)
    app.router.add_get("/meetings/{id}/audio", meeting_audio)
    app.router.add_get("/api/meetings/{id}/status", status_api)
    app.router.add_post("/meetings/{id}/speakers", rename_speaker)
    app.router.add_post("/meetings/{id}/segments/{sid:\\d+}", correct_segment)
    app.router.add_get("/meetings/{id}/minutes", minutes_page)
    app.router.add_post("/meetings/{id}/minutes", save_minutes)
    app.router.add_post("/meetings/{id}/meta", save_meta)
    app.router.add_post("/meetings/{id}/retry", retry)
    app.router.add_get("/meetings/{id}/export/{kind}", export)
    app.router.add_post("/admin/meetings/{id}/delete", delete_meeting)


def _meeting_or_404(request: web.Request) -> dict:
    meeting = records.get_meeting(request.app[STORE], request.match_info["id"])
    if meeting is None:
        raise not_found(request)
    return meeting


async def meeting_list(request: web.Request) -> web.Response:
    log_action(request, "view", "meetings")
    return page(request, "meetings.html", {
        "meetings": records.list_meetings(request.app[STORE]),
        "max_upload_mb": request.app[SETTINGS].max_upload_mb,
    })


@csrf_in_stream
async def upload(request: web.Request) -> web.StreamResponse:
    """Stream the recording to <upload_dir>/<meeting id>/, create the meeting, queue the job."""
    from apps.web.render import t

    store = request.app[STORE]
    settings = request.app[SETTINGS]
    meeting_id = str(uuid.uuid4())
    folder = upload_dir(request.app[CONFIG]) / meeting_id
    is_fetch = request.headers.get("X-Requested-With") == "fetch"
    try:
        form = await read_form(request, folder, settings.max_upload_bytes, request[SESSION].csrf_token,
                               file_fields=("file", "agenda"))
    except UploadError as exc:
        _remove_empty(folder)
        log_action(request, "upload", "meeting", None, {"rejected": exc.status_code})
        if is_fetch:
            return web.json_response({"error": exc.message}, status=exc.status_code)
        raise
    recording = form.files.get("file")
    if recording is None:
        for saved in form.files.values():
            saved.path.unlink(missing_ok=True)
        _remove_empty(folder)
        message = t("upload.no_file")
        return web.json_response({"error": message}, status=400) if is_fetch else web.Response(status=400, text=message)
    agenda_items = None
    agenda_file = form.files.get("agenda")
    try:
        await in_thread(_probe_recording, recording)
        if agenda_file is not None:
            agenda_items = await in_thread(_agenda_items, agenda_file)
    except BaseException as exc:  # judged by content: nothing stored, nothing queued
        for saved in form.files.values():
            saved.path.unlink(missing_ok=True)
        _remove_empty(folder)
        if not isinstance(exc, UploadError):
            raise
        log_action(request, "upload", "meeting", None, {"rejected": exc.status_code, "file": recording.filename})
        if is_fetch:
            return web.json_response({"error": exc.message}, status=exc.status_code)
        raise
    fields = form.fields
    title = " ".join(fields.get("title", "").split())[:200] or Path(recording.filename).stem[:200] or t("meetings.untitled")
    records.create_meeting(
        store, meeting_id=meeting_id, title=title, created_by=request[USER].username,
        source_name=recording.filename, audio_path=recording.path, body=fields.get("body", "")[:200],
        date=fields.get("date", "")[:10], place=fields.get("place", "")[:200], agenda=agenda_items,
    )
    # meetings.pipeline.MeetingParams
    params: dict = {"source": str(recording.path), "title": title, "body": fields.get("body", "")[:200],
                    "date": fields.get("date", "")[:10], "place": fields.get("place", "")[:200]}
    if fields.get("language", "").strip():
        params["language"] = fields["language"].strip()[:5]
    if fields.get("speakers", "").strip().isdigit() and int(fields["speakers"]) > 0:
        params["num_speakers"] = int(fields["speakers"])
    if agenda_file is not None:
        params["agenda"] = str(agenda_file.path)
    job_id = jobs.enqueue_meeting(store, meeting_id, params)
    log_action(request, "upload", "meeting", meeting_id,
               {"file": recording.filename, "bytes": recording.size, "job": job_id})
    if is_fetch:
        return web.json_response({"id": meeting_id, "job": job_id, "url": f"/meetings/{meeting_id}"}, status=201)
    raise redirect(f"/meetings/{meeting_id}", ok="uploaded")


def _probe_recording(saved: SavedFile) -> None:
    """The recording's content must be audio, whatever its name says (rathaus.speech.audio.probe)."""
    from rathaus.speech.audio import NotAudio, probe

    try:
        probe(saved.path)
    except NotAudio as exc:
        log.info("upload %s refused: %s", saved.filename, exc)
        raise UploadError(415, f"web.upload.audio_{exc.reason}", name=_shown(saved.filename)) from None


def _agenda_items(saved: SavedFile) -> list[dict]:
    """The agenda's items; a file that is not a text or OParl agenda refuses the upload, because
    minutes drafted without the agenda the clerk meant to give would be wrong without warning."""
    from meetings.agenda import load_agenda
    from rathaus.errors import RathausError

    try:
        return load_agenda(saved.path).to_dict()["items"]
    except RathausError as exc:
        log.info("agenda %s refused: %s", saved.filename, exc)
        raise UploadError(415, "web.upload.agenda_invalid", name=_shown(saved.filename)) from None


def _shown(filename: str) -> str:
    """The client's file name as shown in a message: base name, no control characters."""
    return "".join(c for c in Path(filename).name if c.isprintable())[:120]


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _status(store, meeting: dict) -> dict:
    found = jobs.latest_meeting_job(store, meeting["id"])
    info = found.to_dict() if found is not None else None
    if info is not None:
        info.pop("params", None)
        info.pop("worker", None)
    return {"id": meeting["id"], "status": meeting["status"], "job": info}


async def status_api(request: web.Request) -> web.Response:
    meeting = _meeting_or_404(request)
    return web.json_response(_status(request.app[STORE], meeting))


async def meeting_view(request: web.Request) -> web.Response:
    store = request.app[STORE]
    meeting = _meeting_or_404(request)
    rows = records.segments(store, meeting["id"])
    speakers = data.speakers(store, meeting["id"], rows)
    log_action(request, "view", "meeting", meeting["id"])
    return page(request, "meeting.html", {
        "meeting": meeting, "segments": rows, "speakers": speakers,
        "colours": {s["label"]: s["colour"] for s in speakers}, "names": {s["label"]: s["name"] for s in speakers},
        "state": _status(store, meeting), "exports": list(EXPORTS),
        "has_audio": bool(meeting["audio_path"] and Path(meeting["audio_path"]).is_file()),
        "highlight": request.query.get("seg", ""),
        "stage_names": _stage_names(),
    })


def _stage_names() -> dict[str, str]:
    from apps.web.render import t_opt

    return {stage: t_opt(f"stages.{stage}", stage) for stage in STAGES}


async def meeting_audio(request: web.Request) -> web.StreamResponse:
    meeting = _meeting_or_404(request)
    path = Path(meeting["audio_path"] or "")
    if not meeting["audio_path"] or not path.is_file():
        raise not_found(request)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return web.FileResponse(path, headers={"Content-Type": content_type})  # supports Range


async def rename_speaker(request: web.Request) -> web.StreamResponse:
    meeting = _meeting_or_404(request)
    form = await request.post()
    label = str(form.get("label", "")).strip()
    name = " ".join(str(form.get("name", "")).split())[:120]
    if not label or not name:
        raise redirect(f"/meetings/{meeting['id']}", err="name_missing")
    known = {s["label"] for s in data.speakers(request.app[STORE], meeting["id"])}
    if label not in known:
        raise not_found(request)
    records.rename_speaker(request.app[STORE], meeting["id"], label, name)
    log_action(request, "change", "meeting_speaker", meeting["id"], {"label": label, "name": name})
    raise redirect(f"/meetings/{meeting['id']}", ok="speaker_renamed")


async def correct_segment(request: web.Request) -> web.StreamResponse:
    meeting = _meeting_or_404(request)
    form = await request.post()
    text = " ".join(str(form.get("text", "")).split())
    if not text:
        raise redirect(f"/meetings/{meeting['id']}", err="text_missing")
    segment_id = int(request.match_info["sid"])
    change = records.correct_segment(request.app[STORE], meeting["id"], segment_id, text)
    if change is None:
        raise not_found(request)
    log_action(request, "change", "meeting_segment", meeting["id"], {"segment": segment_id, **change})
    raise redirect(f"/meetings/{meeting['id']}?seg={segment_id}#seg-{segment_id}", ok="text_saved")


async def minutes_page(request: web.Request) -> web.Response:
    meeting = _meeting_or_404(request)
    log_action(request, "view", "meeting_minutes", meeting["id"])
    return page(request, "minutes.html", {"meeting": meeting, "exports": list(EXPORTS)})


async def save_minutes(request: web.Request) -> web.StreamResponse:
    meeting = _meeting_or_404(request)
    form = await request.post()
    markdown = str(form.get("protocol_md", "")).replace("\r\n", "\n")
    records.save_protocol(request.app[STORE], meeting["id"], markdown)
    log_action(request, "change", "meeting_minutes", meeting["id"], {"chars": len(markdown)})
    raise redirect(f"/meetings/{meeting['id']}/minutes", ok="minutes_saved")


async def save_meta(request: web.Request) -> web.StreamResponse:
    meeting = _meeting_or_404(request)
    form = await request.post()
    values = {k: " ".join(str(form.get(k, "")).split())[:200] for k in ("title", "body", "date", "place")}
    if not values["title"]:
        values.pop("title")
    records.update_header(request.app[STORE], meeting["id"], **values)
    log_action(request, "change", "meeting", meeting["id"], values)
    raise redirect(f"/meetings/{meeting['id']}/minutes", ok="meta_saved")


async def retry(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    meeting = _meeting_or_404(request)
    job = jobs.latest_meeting_job(store, meeting["id"])
    if job is None or job.status != "failed":
        raise redirect(f"/meetings/{meeting['id']}", err="retry_impossible")
    jobs.retry(store, job.id)
    log_action(request, "change", "meeting", meeting["id"], {"retry_job": job.id})
    raise redirect(f"/meetings/{meeting['id']}", ok="retry_queued")


def _render_export(store, meeting: dict, kind: str, oparl_base_url: str | None = None) -> bytes:
    """One download, drafted from the stored (corrected) transcript: German minutes, the
    defaults, no language model (meetings/assemble.py), the clerk's edit where there is one."""
    if kind == "md" and meeting["protocol_md"]:
        return meeting["protocol_md"].encode("utf-8")  # the clerk's edited minutes win
    from meetings.assemble import assemble_minutes, meeting_meta, stored_agenda, stored_members
    from meetings.export import render

    transcript = records.stored_transcript(store, meeting["id"])
    minutes = assemble_minutes(transcript, meeting_meta(meeting, blank=""), stored_agenda(meeting),
                               stored_members(meeting), lang="de")
    minutes.edited_markdown = meeting["protocol_md"] or None
    return render(kind, transcript, minutes, oparl_base_url=oparl_base_url)


async def export(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    meeting = _meeting_or_404(request)
    kind = request.match_info["kind"]
    if kind not in EXPORTS:
        raise not_found(request)
    from meetings.oparl import base_url

    body = await in_thread(_render_export, store, meeting, kind, base_url(request.app[CONFIG]))
    entry = EXPORTS[kind]
    log_action(request, "export", "meeting", meeting["id"], {"format": kind})
    from urllib.parse import quote

    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in meeting["title"])[:60] or "sitzung"
    ascii_stem = "".join(c if c.isascii() else "_" for c in stem)
    return web.Response(body=body, headers={
        "Content-Type": entry.mime,
        "Content-Disposition": f"attachment; filename=\"{ascii_stem}-{entry.filename}\"; "
                               f"filename*=UTF-8''{quote(stem + '-' + entry.filename)}",
    })


async def delete_meeting(request: web.Request) -> web.StreamResponse:
    meeting_id = request.match_info["id"]
    config = request.app[CONFIG]
    if not records.delete_meeting(request.app[STORE], meeting_id):
        raise not_found(request)
    data.remove_folder(upload_dir(config), meeting_id)
    data.remove_folder(meetings_dir(config), meeting_id)  # the meeting module's work files
    log_action(request, "delete", "meeting", meeting_id)
    raise redirect("/meetings", ok="meeting_deleted")
