"""Test call: type or record a question in the browser, read and hear the bot's answer.

The same parts as on the phone: rathaus.speech.audio decodes the recording (any format the browser's
MediaRecorder makes), rathaus.speech.asr transcribes it, the catalog Assistant decides, voice.tts speaks.
"""

from __future__ import annotations

import base64
import logging
import tempfile
import threading
from pathlib import Path

from aiohttp import web

from rathaus.errors import RathausError
from apps.web import catalog_bridge
from apps.web.security import csrf_in_stream
from apps.web.uploads import UploadError, read_form
from apps.web.views.common import in_thread, log_action, page
from apps.web.keys import CACHE, CONFIG, SESSION

log = logging.getLogger(__name__)

MAX_RECORDING = 20 * 1024 * 1024
_lock = threading.Lock()


def setup(app: web.Application) -> None:
    app.router.add_get("/testcall", testcall_page)
    app.router.add_post("/api/testcall", testcall_api)


async def testcall_page(request: web.Request) -> web.Response:
    return page(request, "testcall.html", {})


def _recognizer(app):
    from rathaus.speech.asr import AsrSettings, shared_recognizer

    config = app[CONFIG]
    return shared_recognizer(config.settings("asr", AsrSettings), config.data_dir / "models")


def _synthesizer(app):
    with _lock:
        cache = app[CACHE]
        if "synthesizer" not in cache:
            from voice.tts import Synthesizer, TtsSettings

            config = app[CONFIG]
            cache["synthesizer"] = Synthesizer(config.settings("tts", TtsSettings), config.path("tts.voice_dir", "voices"))
        return cache["synthesizer"]


def _transcribe(app, path: Path) -> tuple[str, str | None]:
    from rathaus.speech.asr import RECORDING_TEXT
    from rathaus.speech.audio import decode

    samples = decode(path, 16000)
    transcript = _recognizer(app).transcribe(samples, language=None, options=RECORDING_TEXT)
    text = " ".join(seg.text.strip() for seg in transcript.segments).strip()
    return text, transcript.language


def _speak(app, text: str, language: str) -> str | None:
    """The answer as a WAV data URI, or None when speech synthesis is not available."""
    try:
        samples, rate = _synthesizer(app).synthesize(text, language=language)
    except Exception as exc:  # the written answer is still useful
        log.warning("test call: speech synthesis failed: %s", exc)
        return None
    from rathaus.speech.audio import wav_bytes

    return "data:audio/wav;base64," + base64.b64encode(wav_bytes(samples, rate)).decode()


def _answer(app, question: str, language: str | None, speak: bool) -> dict:
    assistant = catalog_bridge.assistant(app)
    decision = assistant.ask(question, language=language)
    result = decision.to_dict() if hasattr(decision, "to_dict") else dict(vars(decision))
    lang = result.get("language") or language or "de"
    result["audio"] = _speak(app, result.get("answer") or "", lang) if speak and result.get("answer") else None
    return result


@csrf_in_stream
async def testcall_api(request: web.Request) -> web.Response:
    from apps.web.render import t

    app = request.app
    heard = None
    language = None
    speak = True
    if request.content_type.startswith("multipart/"):
        folder = Path(tempfile.mkdtemp(prefix="rathaus-testcall-"))
        try:
            form = await read_form(request, folder, MAX_RECORDING, request[SESSION].csrf_token, file_fields=("audio",))
            speak = form.fields.get("speak", "1") != "0"
            recording = form.files.get("audio")
            if recording is not None:
                heard, language = await in_thread(_transcribe, app, recording.path)
                question = heard
            else:
                question = form.fields.get("question", "")
        except UploadError as exc:
            return web.json_response({"error": exc.message}, status=exc.status_code)
        finally:
            for f in folder.iterdir():
                f.unlink(missing_ok=True)
            folder.rmdir()
    else:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": t("testcall.bad_request")}, status=400)
        question = str(body.get("question", ""))
        speak = bool(body.get("speak", True))
    question = " ".join(question.split())[:500]
    if not question:
        return web.json_response({"error": t("testcall.nothing_heard" if heard is not None else "testcall.empty"),
                                  "heard": heard}, status=422)
    try:
        result = await in_thread(_answer, app, question, language, speak)
    except RathausError as exc:
        return web.json_response({"error": str(exc), "heard": heard}, status=503)
    result["heard"] = heard
    log_action(request, "create", "testcall", None, {"question": question, "action": result.get("action")})
    return web.json_response(result)
