"""Phone bot latency: end of the caller's speech to the first audio of the answer.

Starts the real `rathaus serve` (with --sip-workers for more than 4 calls), dials it from pjsua2
caller processes (tests/sip_peers.py) that speak a synthesized German question over the greeting,
and measures, for 1 and for N simultaneous calls:
  - caller_ms: on the caller's side, from the last audible sample of its question to the first
    audible frame of the answer (what a citizen experiences; includes the pause that ends a turn,
    [phone] end_of_turn_s or end_of_turn_complete_s);
  - bot_ms: the bot's own figure (call_turns.latency_ms): last voiced VAD frame to the first
    answer frame handed to RTP;
  - CPU seconds per call of the bot (its whole process tree: SIP workers, kamailio) and of the
    caller processes, to tell whether a latency figure is the bot's or the test rig's.
Calls that end without an answer heard are counted as `unmeasured`, with why (a 503, a timeout).
The per-source INVITE limit is lifted for the run: all test callers dial from 127.0.0.1, like
calls relayed by one PBX. Prints one JSON object: p50/p95 per concurrency, device, model, machine.

  .venv/bin/python bench/phone.py --calls 1 4 --rounds 3
  .venv/bin/python bench/phone.py --calls 1 20 --sip-workers 5 --split-cpus   # on a GPU server
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from rathaus.evaluation.stats import percentile  # noqa: E402

QUESTIONS = [
    "Ich bin umgezogen und möchte mich ummelden.",
    "Ich möchte meinen Hund anmelden.",
    "Ich brauche einen neuen Reisepass.",
    "Wann wird der Sperrmüll abgeholt?",
]


def cpu_halves() -> tuple[set[int], set[int]]:
    """The CPUs this process may use, split in two halves (bot, callers)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--split-cpus needs at least 2 CPUs")
    half = len(cpus) // 2
    return set(cpus[:half]), set(cpus[half:])


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its living descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, parent in parents.items() if parent == p and c not in tree]
    return sum(cpu.get(p, 0.0) for p in tree)


def children_cpu_s() -> float:
    """CPU seconds of this process's reaped children (the finished caller processes)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LOUD = 0.02  # the level that counts as audible, for the question's end and the answer's start


def trailing_quiet_s(samples, rate: int) -> float:
    """Seconds after the last audible sample: the synthesized questions end in about 0.4 s of quiet,
    which belongs to the pause the bot waits for, not before the end of the caller's speech."""
    import numpy as np

    loud = np.nonzero(np.abs(samples) > LOUD)[0]
    return (len(samples) - (loud[-1] + 1 if len(loud) else 0)) / rate


def caller_latency_ms(result: dict, quiet_s: float) -> float | None:
    """From the end of the caller's speech (its question's last audible sample, `quiet_s` before
    the question finished playing) to the first loud frame it heard afterwards."""
    import numpy as np

    from rathaus.speech import audio

    played = [e["t"] for e in result["events"] if e["event"] == "played"]
    if not played or result.get("heard_t0") is None:
        return None
    samples = audio.decode(result["record"], 8000)
    start = int((played[0] - quiet_s - result["heard_t0"]) * 8000)
    frames = samples[max(0, start):]
    n = 160
    frames = frames[: len(frames) // n * n].reshape(-1, n)
    loud = np.nonzero(np.abs(frames).max(axis=1) > LOUD)[0]
    return round(float(loud[0]) * 20.0, 1) if len(loud) else None


def bench_config(user: Path | None, out: Path) -> Path:
    """The operator's configuration with the per-source INVITE limit lifted: every test caller dials
    from 127.0.0.1, as calls relayed by a PBX do, and the limit (meant for callers that reach the bot
    directly) would otherwise refuse part of a 20-call benchmark with 503."""
    import tomllib

    from rathaus.config import dump_toml

    sections = tomllib.loads(user.read_text(encoding="utf-8")) if user else {}
    sections.setdefault("phone", {})["max_invites_per_minute"] = 0
    out.write_text(dump_toml(sections), encoding="utf-8")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, nargs="+", default=[1, 4], help="simultaneous calls per round")
    p.add_argument("--rounds", type=int, default=3, help="rounds per concurrency")
    p.add_argument("--sip-workers", type=int, default=0, help="SIP worker processes (default: ceil(max calls / 4))")
    p.add_argument("--config", help="configuration file for the bot (device, model ...)")
    p.add_argument("--split-cpus", action="store_true",
                   help="pin the bot to the first half of the CPUs and the callers to the second, so "
                        "that the test callers do not compete with the bot (as callers on another host)")
    args = p.parse_args()

    from rathaus.config import Config
    from sip_peers import finish_caller, free_port, run_caller, start_bot, stop
    from rathaus.speech import audio
    from rathaus.speech.asr import pick_device
    from voice.phone.settings import PhoneSettings
    from voice.tts import Synthesizer, TtsSettings

    work = Path(tempfile.mkdtemp(prefix="rathaus-bench-phone-"))
    config_file = bench_config(Path(args.config) if args.config else None, work / "bench.toml")
    config = Config.load(config_file)
    phone = config.settings("phone", PhoneSettings)
    home = work / "home"
    home.mkdir()
    models = config.data_dir / "models"  # the operator's joined/installed whisper models
    models.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(models.resolve(), target_is_directory=True)
    tts = Synthesizer(config.settings("tts", TtsSettings), config.path("tts.voice_dir", "voices"))
    wavs, quiet = [], []
    for i, q in enumerate(QUESTIONS):
        samples, rate = tts.synthesize(q, "de", 8000)
        wavs.append(str(audio.write_wav(work / f"q{i}.wav", samples, rate)))
        quiet.append(trailing_quiet_s(samples, rate))
    workers = args.sip_workers or max(1, -(-max(args.calls) // 4))
    sip_port, http_port = free_port(), free_port()
    env = {"RATHAUS_HOME": str(home), "RATHAUS_DB": str(home / "rathaus.db"), "RATHAUS_CONFIG": str(config_file)}
    extra = ["--no-web", "--no-worker", "--sip-workers", str(workers)]
    bot_cpus, caller_cpus = cpu_halves() if args.split_cpus else (None, None)
    if bot_cpus:
        os.sched_setaffinity(0, bot_cpus)  # inherited by the bot and its workers, then undone
    bot = start_bot(env, sip_port, http_port, work / "bot.log", extra=extra, timeout=900)
    if bot_cpus:
        os.sched_setaffinity(0, bot_cpus | caller_cpus)
    results = []
    try:
        n_call = 0
        for calls in args.calls:
            caller_ms, bot_ms, unmeasured = [], [], []
            bot_cpu = caller_cpu = 0.0
            for _ in range(args.rounds):
                started = time.time()
                bot_cpu0, caller_cpu0 = tree_cpu_s(bot.pid), children_cpu_s()
                procs = []
                for c in range(calls):
                    n_call += 1
                    question = n_call % len(wavs)
                    script = [{"wait": 1.5}, {"play": wavs[question]}, {"wait_loud": 60},
                              {"wait": 0.5}, {"hangup": True}]
                    out, rec = work / f"c{n_call}.json", work / f"c{n_call}.wav"
                    proc = run_caller(f"sip:hotline@127.0.0.1:{sip_port}", script, out, rec, wait=False)
                    if caller_cpus:
                        os.sched_setaffinity(proc.pid, caller_cpus)
                    procs.append((proc, out, quiet[question]))
                for proc, out, quiet_s in procs:
                    try:
                        r = finish_caller(proc, out, 180)
                    except AssertionError as exc:
                        unmeasured.append(str(exc).splitlines()[0])
                        continue
                    ms = caller_latency_ms(r, quiet_s)
                    if ms is None:
                        unmeasured.append(f"no answer heard (call ended: {r.get('reason')})")
                    else:
                        caller_ms.append(ms)
                time.sleep(1.0)
                bot_cpu += tree_cpu_s(bot.pid) - bot_cpu0
                caller_cpu += children_cpu_s() - caller_cpu0
                conn = sqlite3.connect(home / "rathaus.db")
                since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started))
                bot_ms += [row[0] for row in conn.execute(
                    "SELECT t.latency_ms FROM call_turns t JOIN calls c ON c.id = t.call_id "
                    "WHERE t.role = 'caller' AND t.latency_ms IS NOT NULL AND c.started_at >= ?", [since])]
                conn.close()
            results.append({"calls": calls, "rounds": args.rounds, "n": len(caller_ms),
                            "unmeasured": len(unmeasured), "unmeasured_why": sorted(set(unmeasured))[:3],
                            "caller_p50_ms": percentile(caller_ms, 0.5), "caller_p95_ms": percentile(caller_ms, 0.95),
                            "bot_p50_ms": percentile(bot_ms, 0.5), "bot_p95_ms": percentile(bot_ms, 0.95),
                            "bot_cpu_s_per_call": round(bot_cpu / (calls * args.rounds), 2),
                            "caller_cpu_s_per_call": round(caller_cpu / (calls * args.rounds), 2)})
    finally:
        stop(bot, 60)
    device, compute = pick_device(config.get("asr.device"), config.get("asr.compute_type"))
    print(json.dumps({
        "benchmark": "phone end-of-speech to first answer audio",
        "results": results,
        "asr_model": config.get("asr.model"), "device": f"{device}/{compute}",
        "end_of_turn_s": phone.end_of_turn_s, "end_of_turn_complete_s": phone.end_of_turn_complete_s,
        "speculate_s": phone.speculate_s, "asr_beam_size": phone.asr_beam_size,
        "sip_workers": workers,
        "cpus": {"bot": sorted(bot_cpus), "callers": sorted(caller_cpus)} if bot_cpus else "shared",
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "load_avg": os.getloadavg(), "python": platform.python_version()},
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
