"""The systemd units and scripts/install-service.sh.

These checks need no running systemd (tests/test_systemd_boot.py boots one where the machine
allows it and runs the units for real). The units are checked offline: rendered with
this checkout's path (so every ExecStart exists), then `systemd-analyze verify` and
`systemd-analyze security --offline=yes`. The install script runs into a temporary root.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT_DIR = ROOT / "systemd"
SERVICES = sorted(p.name for p in UNIT_DIR.glob("*.service"))
ALL_UNITS = sorted(p.name for p in UNIT_DIR.iterdir() if p.suffix in (".service", ".target", ".timer"))
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")

# Measured with systemd 252: 1.4 for the long-running services (MemoryDenyWriteExecute must stay
# off for the model units, and they need the network), 0.5 for the retention job; the old
# single unit scored 8.5. The bounds leave room for a directive that a future systemd rates
# differently, not for dropping one.
MAX_EXPOSURE = 2.0
MAX_EXPOSURE_OFFLINE_JOB = 1.0

REQUIRED = {
    "User": "rathaus", "StateDirectory": "rathaus", "UMask": "0077",
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
    "PrivateDevices": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "",
    "RestrictNamespaces": "yes", "LockPersonality": "yes", "SystemCallArchitectures": "native",
    "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes", "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes",
    "Restart": "on-failure", "LogNamespace": "rathaus",
}


def parse(path: Path) -> dict[str, list[str]]:
    """Directive -> values (a key may repeat, as SystemCallFilter does)."""
    values: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        values.setdefault(key.strip(), []).append(value.strip())
    return values


def render(dest: Path) -> Path:
    """The units with /opt/rathaus replaced by this checkout, as the install script does."""
    dest.mkdir(parents=True, exist_ok=True)
    kamailio = shutil.which("kamailio") or "/bin/true"
    for name in ALL_UNITS:
        text = (UNIT_DIR / name).read_text().replace("/opt/rathaus", str(ROOT))
        (dest / name).write_text(text.replace("/usr/sbin/kamailio", kamailio))
    return dest


def analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, timeout=120)


def test_every_service_has_the_hardening():
    assert {"rathaus.service", "rathaus-phone.service", "rathaus-web.service", "rathaus-worker.service",
            "rathaus-kamailio.service", "rathaus-sip@.service", "rathaus-retention.service"} <= set(SERVICES)
    assert {"rathaus.target", "rathaus-retention.timer"} <= set(ALL_UNITS)
    for name in SERVICES:
        values = parse(UNIT_DIR / name)
        for key, want in REQUIRED.items():
            assert values.get(key) == [want], f"{name}: {key}={values.get(key)}, want {want!r}"
        assert values["RestrictAddressFamilies"][0].startswith("AF_UNIX"), name
        assert "@system-service" in values["SystemCallFilter"], name
        assert values.get("MemoryDenyWriteExecute") in (["yes"], ["no"]), name
        assert values.get("TimeoutStopSec") or values.get("TimeoutStartSec"), name
        assert "ReadWritePaths" not in values, f"{name}: StateDirectory is the one writable place"


def test_write_execute_is_off_only_with_a_reason():
    for name in SERVICES:
        text = (UNIT_DIR / name).read_text()
        if "MemoryDenyWriteExecute=no" in text:
            assert "JIT" in text, f"{name} turns W^X off without saying why"
    assert "MemoryDenyWriteExecute=yes" in (UNIT_DIR / "rathaus-kamailio.service").read_text()
    assert "MemoryDenyWriteExecute=yes" in (UNIT_DIR / "rathaus-retention.service").read_text()


def test_split_units_run_the_right_commands():
    exec_of = {name: parse(UNIT_DIR / name)["ExecStart"][0] for name in SERVICES}
    assert exec_of["rathaus-phone.service"].endswith("rathaus serve --no-web --no-worker")
    assert exec_of["rathaus-web.service"].endswith("rathaus serve --no-sip --no-worker")
    assert exec_of["rathaus-worker.service"].endswith("rathaus jobs work")
    assert exec_of["rathaus-retention.service"].endswith("rathaus privacy retention")
    assert "--sip-only" in exec_of["rathaus-sip@.service"] and "%i" in exec_of["rathaus-sip@.service"]
    assert "kamailio-config" in parse(UNIT_DIR / "rathaus-kamailio.service")["ExecStartPre"][0]
    timer = configparser.ConfigParser(interpolation=None)
    timer.read(UNIT_DIR / "rathaus-retention.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"


NOTIFYING = ("rathaus.service", "rathaus-phone.service", "rathaus-web.service", "rathaus-worker.service",
             "rathaus-sip@.service")


def test_defect_operations_long_running_units_notify_and_have_a_watchdog():
    """Issue 15 item 7: `rathaus serve`/`jobs work` send READY=1 and WATCHDOG=1 (rathaus/sdnotify.py,
    tests/test_operations.py checks a real process), so their units wait for READY and restart a
    process whose pings stop. The worker's watchdog outlasts its liveness bound (job lease 60 s +
    3 polls + 10 s), so a long stage with a live lease is never killed."""
    for name in NOTIFYING:
        values = parse(UNIT_DIR / name)
        assert values.get("Type") == ["notify"], name
        assert values.get("NotifyAccess") == ["main"], name
        watchdog = int(values["WatchdogSec"][0])
        assert 30 <= watchdog <= 300, name
        assert int(values["TimeoutStartSec"][0]) >= 120, f"{name}: models load before READY=1"
        assert re.search(r"bin/rathaus (serve|jobs work)\b", values["ExecStart"][0]), name
    assert int(parse(UNIT_DIR / "rathaus-worker.service")["WatchdogSec"][0]) > 60 + 3 * 2 + 10
    assert "exec /opt/rathaus/.venv/bin/rathaus serve" in parse(UNIT_DIR / "rathaus-sip@.service")["ExecStart"][0]
    assert parse(UNIT_DIR / "rathaus-kamailio.service")["Type"] == ["simple"]  # not ours to notify


@needs_analyze
def test_units_pass_systemd_analyze_verify(tmp_path):
    units = render(tmp_path / "units")
    result = analyze("verify", "--man=no", *(str(units / n) for n in ALL_UNITS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"Unknown (key|section)|ignoring|not executable", result.stderr, re.I), result.stderr


@needs_analyze
def test_security_exposure_is_low(tmp_path):
    units = render(tmp_path / "units")
    figures = {}
    for name in SERVICES:
        result = analyze("security", "--offline=yes", str(units / name))
        match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
        assert match, result.stdout[-2000:] + result.stderr
        figures[name] = float(match.group(1))
    print(figures)
    assert figures["rathaus-retention.service"] <= MAX_EXPOSURE_OFFLINE_JOB, figures
    assert max(figures.values()) <= MAX_EXPOSURE, figures


def run_install(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "scripts" / "install-service.sh"), *args],
                          capture_output=True, text=True, timeout=120)


def test_install_script_into_a_temporary_root(tmp_path):
    root = tmp_path / "root"
    result = run_install("--root", str(root), "--mode", "split", "--sip-workers", "2", "--gpu")
    assert result.returncode == 0, result.stderr
    assert "rathaus-sip@2.service" in result.stdout  # what to enable, since systemd does not run here
    units = root / "etc/systemd/system"
    assert sorted(p.name for p in units.iterdir() if p.is_file()) == ALL_UNITS
    for name in ALL_UNITS:
        text = (units / name).read_text()
        assert "/opt/rathaus" not in text, name
    assert f"ExecStart={ROOT}/.venv/bin/rathaus serve --no-sip --no-worker" in (units / "rathaus-web.service").read_text()
    assert (units / "rathaus-worker.service.d/gpu.conf").read_text() == (UNIT_DIR / "rathaus-gpu.conf").read_text()

    etc = root / "etc/rathaus"
    assert stat.S_IMODE((root / "var/lib/rathaus").stat().st_mode) == 0o700
    assert stat.S_IMODE((etc / "rathaus.env").stat().st_mode) == 0o600
    assert stat.S_IMODE((etc / "rathaus.toml").stat().st_mode) == 0o640
    assert "RATHAUS_SIP_WORKERS=2" in (etc / "rathaus.env").read_text()
    # the commented defaults are a valid configuration that changes nothing
    env = {**os.environ, "RATHAUS_CONFIG": str(etc / "rathaus.toml"), "RATHAUS_HOME": str(tmp_path / "home")}
    shown = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "apps.cli", "config", "show"], env=env,
                           capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert shown.returncode == 0, shown.stderr
    assert 'sip_port = 5070' in shown.stdout

    journald = root / "etc/systemd/journald@rathaus.conf"
    assert "\nMaxRetentionSec=30day\n" in journald.read_text()  # [privacy] log_days by default

    # a second run keeps the administrator's files, and the journal follows their log_days
    (etc / "rathaus.toml").write_text("[general]\nmunicipality = \"Teststadt\"\n[privacy]\nlog_days = 7\n")
    again = run_install("--root", str(root))
    assert again.returncode == 0, again.stderr
    assert "Teststadt" in (etc / "rathaus.toml").read_text()
    assert "keeping" in again.stdout
    assert "\nMaxRetentionSec=7day\n" in journald.read_text()
    (etc / "rathaus.toml").write_text("[privacy]\nlog_days = 0\n")
    assert run_install("--root", str(root)).returncode == 0
    assert "\nMaxRetentionSec=" not in journald.read_text()

    if ANALYZE:
        result = analyze("verify", "--man=no", *(str(units / n) for n in ALL_UNITS if "kamailio" not in n))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Unknown key" not in result.stderr, result.stderr  # the GPU drop-in included


def test_install_script_dry_run_changes_nothing(tmp_path):
    root = tmp_path / "root"
    result = run_install("--root", str(root), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "+ install -d -m 0700" in result.stdout and "rathaus.service" in result.stdout
    assert not root.exists()


def test_install_script_rejects_bad_options(tmp_path):
    assert run_install("--root", str(tmp_path), "--mode", "both").returncode != 0
    assert run_install("--root", str(tmp_path), "--sip-workers", "x").returncode != 0
