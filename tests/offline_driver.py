"""Runs inside a network namespace that has only loopback (see tests/core/test_offline.py).

Why a separate script: everything the assistant does at run time (transcribe, catalog decision,
a SIP call, a meeting) must happen in one namespace without any network, so that a library that
quietly reaches for a model hub or a DNS server fails here. The script does the work with the
real `rathaus` command and the real pjsua2 peers, and writes one JSON result (what each step
returned and printed) that the test checks outside.

    unshare -n python tests/offline_driver.py --work DIR --clip WAV --out RESULT.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _run(*args: str, timeout: float = 300) -> dict:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "apps.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    return {"args": list(args), "rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
            "seconds": round(time.monotonic() - started, 1)}


def interfaces() -> list[str]:
    """Names of the network interfaces this process can see."""
    return sorted(name for _, name in socket.if_nameindex())


def sip_call(work: Path) -> dict:
    """`rathaus serve` and a pjsua2 caller, both in this namespace: greeting heard, hang up."""
    from sip_peers import free_port, run_caller, start_bot, stop

    sip_port, http_port = free_port(), free_port()
    env = {"RATHAUS_HOME": os.environ["RATHAUS_HOME"], "RATHAUS_DB": os.environ["RATHAUS_DB"]}
    started = time.monotonic()
    bot = start_bot(env, sip_port, http_port, work / "bot.log", timeout=240)
    try:
        result = run_caller(f"sip:hotline@127.0.0.1:{sip_port}",
                            [{"wait": 0.5}, {"wait_loud": 60}, {"wait_quiet": 1.5, "timeout": 60}, {"hangup": True}],
                            work / "call.json", work / "call.wav", timeout=150)
        closed = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and closed is None:
            with sqlite3.connect(os.environ["RATHAUS_DB"], timeout=30) as conn:
                row = conn.execute("SELECT id, outcome, ended_at FROM calls ORDER BY started_at DESC LIMIT 1").fetchone()
            if row and row[2]:
                closed = {"id": row[0], "outcome": row[1], "ended_at": row[2]}
            else:
                time.sleep(0.3)
    finally:
        log = stop(bot)
    return {"media": result.get("media"), "confirmed": result.get("confirmed"), "heard": result.get("heard_t0") is not None,
            "events": result.get("events"), "caller_output": result.get("output", "")[-4000:], "record": closed,
            "bot_rc": bot.returncode, "bot_log": log[-20000:], "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", required=True)
    ap.add_argument("--clip", required=True, help="a German speech clip for transcribe")
    ap.add_argument("--meeting", required=True, help="a short meeting recording")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    work = Path(args.work)
    result: dict = {}
    # loopback only: SIP and the web page listen on 127.0.0.1
    result["lo_up"] = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True).returncode
    result["interfaces"] = interfaces()
    result["ip_link"] = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    steps = [
        ("transcribe", lambda: _run("transcribe", args.clip, "--language", "de", "--json")),
        ("ask", lambda: _run("ask", "Wo kann ich meinen Personalausweis beantragen?")),
        ("call", lambda: sip_call(work)),
        ("meeting", lambda: _run("meeting", args.meeting, "-o", str(work / "meeting"), "--speakers", "2",
                                 "--title", "Offline-Sitzung", "--json", "--no-progress", timeout=600)),
    ]
    for name, step in steps:
        try:
            result[name] = step()
        except Exception as exc:  # record and go on: the test reports every failing step at once
            result[name] = {"error": f"{type(exc).__name__}: {exc}"}
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
