"""The meeting pipeline: recording -> 16 kHz copy -> diarization -> ASR -> words to speakers ->
named speakers -> minutes and exports. Resumable stage by stage.

This module is the entry point (`create_meeting`, `process_meeting`) and holds the [meetings]
settings and a run's parameters. The stages are meetings/stages/ (one module each, in STAGES
order), run, kept and resumed by meetings/stages/runner.py under
<meetings_dir>/<meeting id>/stages/; the meeting's rows are written through meetings/records.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from meetings import records
from meetings.assemble import meeting_meta
from meetings.diarization import DiarizeSettings, check_counts
from meetings.stages import align, decode, diarize, minutes, transcribe
from meetings.stages.runner import Progress, StageRunner, finished, read_runs
from meetings.stop import Interrupted
from meetings.transcript import MeetingTranscript
from rathaus.errors import RathausError
from rathaus.store import Store

_PLAN = (decode, diarize, transcribe, align, minutes)
STAGES = tuple(stage.NAME for stage in _PLAN)                  # decode, diarize, asr, align, minutes
# share of the whole run each stage takes on CPU, for one overall percentage
WEIGHTS = {stage.NAME: stage.WEIGHT for stage in _PLAN}


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
    return records.create_meeting(store, title=params.title or source.stem, created_by=created_by,
                                  source_name=source.name, body=params.body, date=params.date, place=params.place)


def stages_done(config, meeting_id: str) -> list[str]:
    """Stages whose results are stored for this meeting."""
    return finished(work_dir(config, meeting_id) / "stages", STAGES)


def stage_runs(config, meeting_id: str) -> list[dict]:
    """Every stage start of this meeting (stages/runs.jsonl)."""
    return read_runs(work_dir(config, meeting_id) / "stages")


def process_meeting(config, store: Store, meeting_id: str, progress: Progress | None = None,
                    params: MeetingParams | dict | None = None,
                    on_stage_done: Callable[[list[str]], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> PipelineResult:
    """Run (or resume) every stage for one meeting and write the exports."""
    if isinstance(params, dict) or params is None:
        params = MeetingParams.from_dict(params or {})
    check_counts(params.num_speakers, params.min_speakers, params.max_speakers)
    meeting = records.get_meeting(store, meeting_id)
    if meeting is None:
        raise RathausError(f"no meeting with id {meeting_id}")
    settings = meeting_settings(config)
    engine = (params.engine or settings.engine).lower()
    runner = StageRunner(work_dir(config, meeting_id) / "stages", WEIGHTS, progress, on_stage_done, should_stop)
    records.mark_processing(store, meeting_id, engine)
    try:
        return _process(config, store, runner, meeting, params, settings, engine)
    except Interrupted:
        raise
    except Exception:
        records.mark_failed(store, meeting_id)
        raise


def _process(config, store: Store, runner: StageRunner, meeting: dict, params: MeetingParams,
             settings: MeetingSettings, engine: str) -> PipelineResult:
    meeting_id = meeting["id"]
    if not (params.source or meeting.get("audio_path")):
        raise RathausError(f"meeting {meeting_id} has no recording (no source file given)")
    source = Path(params.source or meeting.get("audio_path"))
    folder = work_dir(config, meeting_id)
    wav_path = folder / "audio16k.wav"

    decoded = runner.run(decode.NAME, decode.Decoded, lambda step: decode.decode(source, wav_path, step.report))
    duration = decoded.duration
    records.set_audio(store, meeting_id, str(wav_path), duration)

    diarized = runner.run(diarize.NAME, diarize.Diarized, lambda step: diarize.diarize(
        step, config.settings("meetings", DiarizeSettings), engine, wav_path, decoded,
        params.num_speakers, params.min_speakers, params.max_speakers))

    language = params.language or config.get("asr.language") or ""
    heard = runner.run(transcribe.NAME, transcribe.Transcribed, lambda step: transcribe.transcribe(
        step, config, wav_path, duration, diarized.turns, settings.asr_window_s, language))

    aligned = runner.run(align.NAME, align.Aligned, lambda step: align.align(
        store, diarized, heard, duration, settings.match_threshold))

    out_dir = Path(params.out_dir) if params.out_dir else folder / "export"
    drafted = runner.run(minutes.NAME, minutes.Drafted, lambda step: minutes.draft(
        config, aligned.transcript,
        meeting_meta(meeting, title=params.title, body=params.body, date=params.date, place=params.place,
                     chair=params.chair),
        out_dir, agenda_path=params.agenda, members_path=params.members, formats=params.formats))

    transcript = drafted.transcript  # with agenda items per segment
    # a resumed, already finished meeting keeps the corrections staff made on the review page
    fresh = bool(runner.ran & {align.NAME, minutes.NAME})
    if fresh or not records.has_segments(store, meeting_id):
        records.replace_transcript(store, meeting_id, transcript, aligned.names)
    if fresh or not meeting.get("protocol_md"):
        records.save_protocol(store, meeting_id, drafted.protocol_md)
    records.mark_done(store, meeting_id, language=transcript.language, out_dir=str(out_dir),
                      agenda=drafted.agenda, members=drafted.members)
    return PipelineResult(meeting_id, out_dir, drafted.files, transcript, dict(runner.timings), duration,
                          diarized.engine, dict(transcript.speakers))
