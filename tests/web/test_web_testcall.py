"""The test call page's API with the real parts: catalog Assistant, whisper ASR, TTS."""

from __future__ import annotations

import base64
import io
import json
import wave

from aiohttp import FormData

from tests.conftest import shared_path


def test_typed_and_spoken_questions_get_an_answer(admin, tmp_path):
    token = admin.csrf
    assert admin.get("/testcall").status == 200
    response = admin.post("/api/testcall", json={"question": "Was kostet ein neuer Personalausweis?", "speak": True},
                          headers={"X-CSRF-Token": token})
    assert response.status == 200, response.text_
    result = json.loads(response.text_)
    assert result["action"] in ("answer", "confirm", "forward") and result["answer"]
    assert result["question"] == "Was kostet ein neuer Personalausweis?"
    # the spoken answer: a playable WAV in the German voice, understood when heard back
    data = base64.b64decode(result["audio"].split(",", 1)[1])
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnframes() / w.getframerate() > 0.5
    from rathaus.speech.asr import RECORDING_TEXT, AsrSettings, shared_recognizer
    from tests.conftest import _models_cache

    recognizer = shared_recognizer(AsrSettings(device="cpu", beam_size=1), _models_cache())
    answer_wav = tmp_path / "answer.wav"
    answer_wav.write_bytes(data)
    heard_back = recognizer.transcribe(answer_wav, language="de", options=RECORDING_TEXT).text.lower()
    assert "ausweis" in heard_back.replace(" ", ""), heard_back
    # without the CSRF header nothing is answered
    assert admin.post("/api/testcall", json={"question": "Hallo"}).status == 403
    # empty question: a clear error
    empty = admin.post("/api/testcall", json={"question": "  "}, headers={"X-CSRF-Token": token})
    assert empty.status == 422 and json.loads(empty.text_)["error"]

    # a recorded question (real German speech) goes through ASR first
    clip = shared_path("audio", "de", "thorsten", "1386ecbb98a8f46dd0b0eb75d68ee0d0.wav")
    form = FormData()
    form.add_field("speak", "0")
    form.add_field("audio", clip.read_bytes(), filename="frage.wav", content_type="audio/wav")
    spoken = admin.post("/api/testcall", data=form, headers={"X-CSRF-Token": token})
    assert spoken.status == 200, spoken.text_
    heard = json.loads(spoken.text_)
    assert "vorsitzenden" in heard["heard"].lower() and heard["audio"] is None
