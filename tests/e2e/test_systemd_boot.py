"""The units under a real systemd (PID 1 of its own namespaces, tests/systemd_boot.py).

Installed with `scripts/install-service.sh --root` into the booted root, started with systemctl,
with their whole sandbox (seccomp filter, ProtectSystem=strict, no capabilities, private /dev and
/tmp): a real SIP call and a real meeting job go through them, a SIGKILLed phone process is
restarted by systemd, and a hung (SIGSTOPped) one is caught by the watchdog. The CLI commands the
admin would run (`rathaus meeting --queue`, `rathaus jobs show`) run through `systemd-run` with
the sandbox properties of the unit. Skipped where the machine cannot boot systemd (no root, no
cgroup2, or systemd is PID 1 already), with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from sip_peers import free_port, run_caller  # noqa: E402
import systemd_boot  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WHY_NOT = systemd_boot.why_not()
if not (ROOT / ".venv" / "bin" / "rathaus").exists():
    WHY_NOT = WHY_NOT or f"{ROOT}/.venv/bin/rathaus is missing (make venv)"
if not (ROOT.parent / "shared" / "data" / "audio" / "de" / "speakers").is_dir():
    WHY_NOT = WHY_NOT or "../shared/data (speaker clips for the meeting job) is missing"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(WHY_NOT is not None, reason=f"cannot boot systemd: {WHY_NOT}")]

WATCHDOG_S = 20  # the units say 60 s; a drop-in shortens it so the hung-process test is quick

# Unit directives that `systemd-run -p` takes over for the CLI: the sandbox and the identity.
SANDBOX_PREFIXES = ("User", "Group", "Environment", "UMask", "NoNewPrivileges", "Capability", "Ambient",
                    "Protect", "Private", "Restrict", "LockPersonality", "MemoryDenyWriteExecute",
                    "SystemCall", "BindReadOnlyPaths", "ReadWritePaths", "StateDirectory")


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    base = tmp_path_factory.mktemp("systemd") / "boot"
    booted = systemd_boot.boot(base)
    sip_port, http_port = free_port(), free_port()
    booted.sip_port, booted.http_port = sip_port, http_port
    booted.chat_port = chat_port = free_port()
    try:
        r = booted.root
        out = booted.sh(f"grep -q '^rathaus:' {r}/etc/passwd || useradd --root {r} --system --user-group --home-dir /var/lib/rathaus --no-create-home "
                        f"--shell /usr/sbin/nologin rathaus && {ROOT}/scripts/install-service.sh --root {r}", chroot=False)
        booted.install_output = out.stdout
        config = f"""[general]
municipality = "Teststadt"
[phone]
sip_port = {sip_port}
[web]
http_port = {http_port}
[webchat]
port = {chat_port}
"""
        booted.sh(f"cat > /etc/rathaus/rathaus.toml <<'EOF'\n{config}EOF\n"
                  "chown -R rathaus:rathaus /var/lib/rathaus && chgrp -R rathaus /etc/rathaus")
        # the shared venv of a git worktree imports the main checkout: let the units run this one
        where = subprocess.run([str(ROOT / ".venv/bin/python"), "-c", "import voice; print(voice.__file__)"],
                               capture_output=True, text=True, cwd="/").stdout
        if not where.startswith(str(ROOT) + "/"):
            for unit in sorted(p.name for p in (ROOT / "systemd").glob("rathaus*.service")):
                booted.sh(f"mkdir -p /etc/systemd/system/{unit}.d && printf '[Service]\\nEnvironment=PYTHONPATH={ROOT}\\n'"
                          f" > /etc/systemd/system/{unit}.d/test-checkout.conf")
        for unit in ("rathaus", "rathaus-phone"):
            booted.sh(f"mkdir -p /etc/systemd/system/{unit}.service.d && printf '[Service]\\nWatchdogSec={WATCHDOG_S}\\n'"
                      f" > /etc/systemd/system/{unit}.service.d/test-watchdog.conf")
        booted.sh("systemctl daemon-reload")
        yield booted
    finally:
        booted.shutdown()


def unit_properties(system, unit: str) -> list[str]:
    """The sandbox of `unit` (with its drop-ins) as systemd-run -p arguments."""
    text = system.sh(f"systemctl cat {unit}").stdout
    props = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#") and key.startswith(SANDBOX_PREFIXES):
            props += ["-p", f"{key}={value}"]
    return props


def cli(system, *args: str, unit: str = "rathaus.service", timeout: float = 300) -> str:
    """`rathaus ARGS` as the admin runs it, under the sandbox of `unit`, as user rathaus."""
    argv = ["systemd-run", "--wait", "--pipe", "--quiet", *unit_properties(system, unit),
            f"{ROOT}/.venv/bin/rathaus", *args]
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in argv)
    return system.sh(quoted, timeout=timeout).stdout


def sip_call(system, tmp: Path, port: int = 0) -> dict:
    """A real call: the caller hears the greeting and hangs up."""
    result = run_caller(f"sip:rathaus@127.0.0.1:{port or system.sip_port}",
                        [{"wait_loud": 60}, {"wait_quiet": 1.0, "timeout": 60}, {"hangup": True}],
                        tmp / "call.json", tmp / "heard.wav", timeout=150)
    assert result["confirmed"] and result["media"], result["output"][-2000:]
    assert any(e["event"] == "loud" for e in result["events"]), result["events"]
    return result


def meeting_job(system, tmp: Path, unit: str) -> dict:
    """Queues a two-speaker meeting with the CLI; the worker under systemd finishes it."""
    from meeting_builder import build_meeting

    built = build_meeting(tmp / "meeting", 2, seed=1)
    system.sh(f"install -m 0644 {built.wav} {system.root}/srv/meeting.wav", chroot=False)
    job_id = cli(system, "meeting", "--queue", "/srv/meeting.wav", "--speakers", "2", unit=unit).split()[-1]

    def done():
        job = json.loads(cli(system, "jobs", "show", job_id, unit=unit))
        assert job["status"] != "failed", job
        return job if job["status"] == "done" else None

    return system.wait(done, 600, f"meeting job {job_id} done", step=5)


def main_pid(system, unit: str) -> int:
    return int(system.show(unit, "MainPID")["MainPID"])


def restarted(system, unit: str, before: int, old_pid: int):
    def check():
        state = system.show(unit, "NRestarts", "ActiveState", "MainPID")
        return state if (int(state["NRestarts"]) > before and state["ActiveState"] == "active"
                         and int(state["MainPID"]) not in (0, old_pid)) else None
    return system.wait(check, 300, f"{unit} restarted", step=2)


def test_all_in_one_service(system, tmp_path):
    assert "home directory" in system.install_output or not str(os.path.realpath(sys.executable)).startswith(
        ("/root/", "/home/")), system.install_output
    # Type=notify: `systemctl start` returns once `rathaus serve` sent READY=1
    system.sh("systemctl start rathaus.service", timeout=700)
    state = system.show("rathaus.service", "ActiveState", "StatusText", "NRestarts")
    assert state["ActiveState"] == "active" and state["StatusText"].startswith("serving"), state
    assert state["NRestarts"] == "0", system.journal()[-3000:]

    sip_call(system, tmp_path)
    assert meeting_job(system, tmp_path, "rathaus.service")["status"] == "done"

    # a crash: SIGKILL -> Restart=on-failure brings it back (and READY again)
    pid = main_pid(system, "rathaus.service")
    system.sh(f"kill -KILL {pid}")
    state = restarted(system, "rathaus.service", 0, pid)
    assert state["NRestarts"] == "1"

    # a hang: SIGSTOP -> no WATCHDOG=1 pings -> systemd kills (SIGABRT) and restarts it
    pid = main_pid(system, "rathaus.service")
    system.sh(f"kill -STOP {pid}")
    restarted(system, "rathaus.service", 1, pid)
    manager_log = system.sh("journalctl -u rathaus.service --no-pager -o cat").stdout
    assert "Watchdog timeout" in manager_log, manager_log[-3000:]
    assert "mode is different" not in manager_log  # ConfigurationDirectoryMode matches the script's 0750
    sip_call(system, tmp_path)  # and it answers calls again
    system.sh("systemctl stop rathaus.service", timeout=120)


def enable_as_printed(system, mode: str) -> list[str]:
    """install-service --root prints the `systemctl enable` line for later; run it as the admin would."""
    out = system.sh(f"{ROOT}/scripts/install-service.sh --root {system.root} --mode {mode}", chroot=False).stdout
    line = next(l for l in out.splitlines() if "systemctl enable --now" in l)
    units = line.split("enable --now", 1)[1].split()
    system.sh("systemctl daemon-reload && systemctl enable " + " ".join(units))
    return units


def test_split_target(system, tmp_path):
    units = enable_as_printed(system, "split")
    assert units[0] == "rathaus.target" and "rathaus-phone.service" in units and "rathaus.service" not in units
    system.sh("systemctl start rathaus.target", timeout=900)
    for unit in ("rathaus-phone.service", "rathaus-web.service", "rathaus-worker.service"):
        state = system.show(unit, "ActiveState", "StatusText")
        assert state["ActiveState"] == "active", (unit, state, system.journal(unit)[-3000:])
    assert system.show("rathaus.service", "ActiveState")["ActiveState"] == "inactive"  # Conflicts=

    with urllib.request.urlopen(f"http://127.0.0.1:{system.http_port}/healthz", timeout=30) as response:
        assert response.status == 200
    sip_call(system, tmp_path)
    assert meeting_job(system, tmp_path, "rathaus-worker.service")["status"] == "done"

    pid = main_pid(system, "rathaus-phone.service")
    system.sh(f"kill -KILL {pid}")
    restarted(system, "rathaus-phone.service", 0, pid)
    for unit in ("rathaus-web.service", "rathaus-worker.service"):  # the others are left alone
        assert system.show(unit, "NRestarts")["NRestarts"] == "0", unit
    sip_call(system, tmp_path)

    pid = main_pid(system, "rathaus-phone.service")
    system.sh(f"kill -STOP {pid}")
    restarted(system, "rathaus-phone.service", 1, pid)
    assert "Watchdog timeout" in system.sh("journalctl -u rathaus-phone.service --no-pager -o cat").stdout
    system.sh("systemctl stop rathaus.target", timeout=180)


def free_ports(count: int) -> int:
    """A first port with the next count-1 also free for UDP (kamailio + one port per SIP worker)."""
    for _ in range(50):
        first = free_port()
        try:
            for port in range(first + 1, first + count):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError("no free port range")


@pytest.mark.skipif(shutil.which("kamailio") is None, reason="kamailio (Debian package) is not installed")
def test_kamailio_and_sip_workers(system, tmp_path):
    """--sip-workers 2: kamailio (MemoryDenyWriteExecute=yes) dispatches a call to rathaus-sip@N."""
    units = enable_as_printed(system, "split --sip-workers 2")
    assert {"rathaus-kamailio.service", "rathaus-sip@1.service", "rathaus-sip@2.service"} <= set(units), units
    port, rtp = free_ports(3), 30000 + free_port() % 20 * 1000  # RTP: 1000 ports per worker
    system.sh(f"printf 'RATHAUS_SIP_WORKERS=2\\nRATHAUS_SIP_PORT={port}\\nRATHAUS_RTP_PORT={rtp}\\n' "
              "> /etc/rathaus/rathaus.env && systemctl daemon-reload")
    workers = ("rathaus-sip@1.service", "rathaus-sip@2.service")
    start = system.sh("systemctl start rathaus-kamailio.service " + " ".join(workers), timeout=900, check=False)
    assert start.returncode == 0, (start.stderr, system.journal()[-4000:],
                                   system.sh("journalctl --no-pager -o cat -n 40", check=False).stdout)
    for unit in ("rathaus-kamailio.service", *workers):
        state = system.show(unit, "ActiveState", "NRestarts")
        assert state == {"ActiveState": "active", "NRestarts": "0"}, (unit, state, system.journal(unit)[-3000:])
    assert system.show("rathaus-phone.service", "ActiveState")["ActiveState"] == "inactive"  # Conflicts=
    sip_call(system, tmp_path, port)
    answered = [u for u in workers if "call " in system.journal(u)]
    assert answered, system.journal()[-3000:]

    pid = main_pid(system, "rathaus-kamailio.service")
    system.sh(f"kill -KILL {pid}")
    restarted(system, "rathaus-kamailio.service", 0, pid)
    system.wait(lambda: sip_call(system, tmp_path, port), 120, "a call through the restarted kamailio")
    system.sh("systemctl stop rathaus-kamailio.service " + " ".join(workers), timeout=180)


def test_public_chat_and_retention_job(system):
    """rathaus-chat.service (the catalog's embedding models) serves /chat; the retention job succeeds."""
    system.sh("systemctl start rathaus-chat.service rathaus-retention.service", timeout=600)

    def chat_page():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{system.chat_port}/chat", timeout=10) as response:
                return response.status
        except OSError:
            state = system.show("rathaus-chat.service", "ActiveState", "NRestarts")
            assert state == {"ActiveState": "active", "NRestarts": "0"}, system.journal("rathaus-chat.service")[-3000:]
            return None

    assert system.wait(chat_page, 300, "the chat page", step=3) == 200
    retention = system.show("rathaus-retention.service", "Result", "ExecMainStatus")
    assert retention == {"Result": "success", "ExecMainStatus": "0"}, system.journal("rathaus-retention.service")
    system.sh("systemctl stop rathaus-chat.service", timeout=120)
