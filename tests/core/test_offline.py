"""Offline by design: the assistant's everyday work in a network namespace with only loopback.

A town hall server may have no route to the internet. These checks run the real commands of the
real virtual environment inside `unshare -n` (a new, empty network namespace; only `lo` is
brought up because SIP and the web page listen on 127.0.0.1): transcribe a German clip, a
catalog question, a SIP call between the bot and a pjsua2 caller, and a short meeting. No
offline switches (HF_HUB_OFFLINE and friends) are set: the code itself must never reach for the
network, and when a library tries anyway its failure shows up in the captured output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, make_home, shared_path

pytestmark = [pytest.mark.sip]

OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
# what a library prints when it tried the network and failed; plain "connection" is too broad
# (SIP logs talk about connections to 127.0.0.1), so these are the failure phrasings
NETWORK_FAILURE = re.compile(
    r"connectionerror|connection (refused|error|aborted|reset)|newconnectionerror|max retries exceeded|"
    r"failed to resolve|could not resolve|name resolution|name or service not known|nodename nor servname|"
    r"network is unreachable|getaddrinfo failed|resolve host|offline mode|cannot reach|"
    r"we couldn't connect|connect timeout|urlopen error",
    re.IGNORECASE,
)


def _unshare() -> list[str]:
    """The unshare command that works here (root: -n; else a user namespace: -rn), or skip."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("unshare or ip (util-linux, iproute2) not installed")
    for cmd in (["unshare", "-n"], ["unshare", "-rn"]):
        probe = subprocess.run([*cmd, "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
        if probe.returncode == 0:
            return cmd
    pytest.skip(f"network namespaces are not permitted here: {probe.stderr.strip()}")


def _failures(text: str) -> list[str]:
    return [line for line in text.splitlines() if NETWORK_FAILURE.search(line)]


def test_everything_works_without_any_network(tmp_path):
    from tests.meeting_builder import build_meeting

    clip = shared_path("audio", "de", "thorsten", "1386ecbb98a8f46dd0b0eb75d68ee0d0.wav")
    shared_path("audio", "de", "speakers")
    meeting = build_meeting(tmp_path / "sitzung", 2, seed=3, parts_per_speaker=2)
    unshare = _unshare()
    home = make_home(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARS}
    env.update(RATHAUS_HOME=str(home), RATHAUS_DB=str(home / "rathaus.db"), PYTHONUNBUFFERED="1")
    env.pop("RATHAUS_CONFIG", None)
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [*unshare, sys.executable, str(ROOT / "tests" / "offline_driver.py"), "--work", str(tmp_path),
         "--clip", str(clip), "--meeting", str(meeting.wav), "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=1500,
    )
    assert out.exists(), f"driver wrote nothing (rc {proc.returncode}):\n{proc.stderr[-4000:]}"
    result = json.loads(out.read_text())
    # the namespace really has no network: loopback and nothing else
    assert result["lo_up"] == 0 and result["interfaces"] == ["lo"], result["ip_link"]
    assert proc.returncode == 0, proc.stderr[-4000:]

    transcribe = result["transcribe"]
    assert transcribe.get("rc") == 0, transcribe
    text = " ".join(s["text"] for s in json.loads(transcribe["stdout"])["segments"]).lower()
    assert "sitzungen" in text and "vorsitzenden" in text, text

    ask = result["ask"]
    assert ask.get("rc") == 0, ask
    decision = json.loads(ask["stdout"].splitlines()[0])
    assert decision["action"] in ("answer", "confirm"), decision

    call = result["call"]
    assert "error" not in call, call
    assert call["media"] and call["confirmed"] and call["heard"], call["caller_output"]
    assert call["record"] is not None and call["bot_rc"] == 0, call["bot_log"][-3000:]

    meeting_run = result["meeting"]
    assert meeting_run.get("rc") == 0, meeting_run
    summary = json.loads(meeting_run["stdout"])
    assert (tmp_path / "meeting" / "protocol.md").is_file() and summary, summary

    # nothing tried the network and failed quietly
    logs = {"driver": proc.stdout + proc.stderr, "bot": call["bot_log"], "caller": call["caller_output"]}
    logs.update({name: result[name]["stdout"] + result[name]["stderr"] for name in ("transcribe", "ask", "meeting")})
    tried = {name: _failures(text) for name, text in logs.items() if _failures(text)}
    assert not tried, tried


def test_the_check_would_see_a_network_attempt():
    """The phrases libraries print when they reach for the network and fail are recognised; the
    bot's own lines about SIP and RTP on 127.0.0.1 are not."""
    tried = [
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): "
        "Max retries exceeded with url: /api/models",
        "urllib3.exceptions.NameResolutionError: Failed to resolve 'huggingface.co'",
        "OSError: [Errno 101] Network is unreachable",
        "socket.gaierror: [Errno -3] Temporary failure in name resolution",
        "<urlopen error [Errno -2] Name or service not known>",
    ]
    assert all(_failures(line) for line in tried), [line for line in tried if not _failures(line)]
    quiet = [
        "01:29:58.556 pjsua_media.c ...RTP socket bind() at 127.0.0.1:4000 error: Address already in use",
        "INFO voice.phone.server: call 14f0 from +4971112xxx",
        "INFO voice.phone.session: call 14f0 ended: abandoned",
    ]
    assert not any(_failures(line) for line in quiet)
