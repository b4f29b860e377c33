"""A real systemd as PID 1 of its own PID, mount and cgroup namespaces, for tests/e2e/test_systemd_boot.py.

Why not systemd-nspawn: the test machines are containers whose PID 1 is not systemd, and nspawn
refuses to boot the host's own root. Instead the booted root is an overlay of / (writes land in a
tmpfs, so nothing the test installs or the services write reaches the host), with its own /proc,
a read-only /sys and a fresh cgroup2 hierarchy in a child cgroup of the host's unified one. The
network namespace is shared: SIP and HTTP are reached from the test on 127.0.0.1.

`boot()` returns a `Booted` whose `sh()` runs a command inside that systemd's namespaces (systemctl,
journalctl, systemd-run) and whose `host_path()` is where a path of the booted root lies for the
test process (the overlay is mounted in the namespace only, so host side writes go through `sh`).
`why_not()` says why this machine cannot boot it (no root, no cgroup2, no overlayfs, no unshare).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SYSTEMD = "/usr/bin/systemd"
CGROUP2 = Path("/sys/fs/cgroup/unified")  # hybrid hosts; /sys/fs/cgroup itself on cgroup2-only hosts

# Units of the host image that must not start in the test root: hardware (udev would re-trigger
# the host's devices), the network (shared with the host), consoles and the host's own services.
MASK = ("systemd-udevd.service", "systemd-udev-trigger.service", "systemd-udev-settle.service",
        "getty@tty1.service", "console-getty.service", "serial-getty@.service", "networking.service",
        "systemd-networkd.service", "systemd-resolved.service", "kamailio.service",
        "postgresql.service", "systemd-timesyncd.service", "apparmor.service",
        "systemd-firstboot.service", "cron.service", "ssh.service", "apt-daily.timer",
        "apt-daily-upgrade.timer", "man-db.timer", "e2scrub_all.timer", "fstrim.timer")

BOOT_SCRIPT = r"""
set -e
B="$1"
mount -t tmpfs -o size=4G,mode=0755 rathaus-boot "$B"
mkdir -p "$B/upper" "$B/work" "$B/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$B/upper,workdir=$B/work" "$B/root"
R="$B/root"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --bind /sys "$R/sys"
mount -o remount,bind,ro "$R/sys"
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
rm -f "$R"/etc/systemd/system/*.wants/*
for u in $MASK; do ln -sf /dev/null "$R/etc/systemd/system/$u"; done
exec chroot "$R" "$SYSTEMD" --system --unit=multi-user.target
"""


def _cgroup2_root() -> Path | None:
    for path in (Path("/sys/fs/cgroup"), CGROUP2):
        try:
            if (path / "cgroup.procs").exists() and os.access(path, os.W_OK):
                return path
        except OSError:
            pass
    return None


def why_not() -> str | None:
    """None when this machine can boot systemd here, else the reason (for the skip message)."""
    if os.geteuid() != 0:
        return "needs root (unshare of PID, mount and cgroup namespaces, overlay mount)"
    for tool in ("unshare", "nsenter", "chroot", "useradd"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access(SYSTEMD, os.X_OK):
        return f"{SYSTEMD} is not installed (Debian package systemd)"
    if Path("/proc/1/comm").read_text().strip() == "systemd":
        return "the host runs systemd itself: install the units there instead"
    if "overlay" not in Path("/proc/filesystems").read_text():
        return "the kernel has no overlayfs"
    if _cgroup2_root() is None:
        return "no writable cgroup2 hierarchy (systemd needs one to place its units)"
    probe = subprocess.run(["unshare", "--pid", "--mount", "--cgroup", "--fork", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"unshare --pid --mount --cgroup failed: {probe.stderr.strip()}"
    return None


class Booted:
    """A running systemd; `sh` enters its namespaces and root."""

    def __init__(self, base: Path, proc: subprocess.Popen, cgroup: Path):
        self.base, self.proc, self.cgroup = base, proc, cgroup
        self.pid = 0

    @property
    def root(self) -> str:
        """The booted root as the namespace sees it from outside the chroot."""
        return str(self.base / "root")

    def sh(self, command: str, check: bool = True, timeout: float = 120, chroot: bool = True
           ) -> subprocess.CompletedProcess:
        """bash -c COMMAND inside the booted system (chroot=False: its mount namespace only)."""
        enter = ["nsenter", "-t", str(self.pid), "-m", "-p"] + (["-r", "-w"] if chroot else ["-w" + os.getcwd()])
        result = subprocess.run([*enter, "bash", "-c", command], capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{command!r} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.sh(f"systemctl show {unit} " + " ".join(f"-p {p}" for p in props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, unit: str = "") -> str:
        return self.sh(f"journalctl --namespace=rathaus --no-pager -o cat {f'-u {unit}' if unit else ''}",
                       check=False).stdout

    def wait(self, predicate, timeout: float, what: str, step: float = 1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(step)
        raise AssertionError(f"{what} not within {timeout} s")

    def shutdown(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL to unshare; the PID namespace dies with its PID 1
            subprocess.run(["kill", "-KILL", str(self.pid)], capture_output=True)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        time.sleep(1.0)
        for cg in sorted(self.cgroup.rglob("*"), key=lambda p: -len(p.parts)):
            if cg.is_dir():
                try:
                    cg.rmdir()
                except OSError:
                    pass
        try:
            self.cgroup.rmdir()
        except OSError:
            pass


def boot(base: Path, timeout: float = 60) -> Booted:
    """Boots systemd over an overlay of / mounted at base/root; waits for `is-system-running`."""
    base.mkdir(parents=True, exist_ok=True)
    cgroot = _cgroup2_root()
    cgroup = cgroot / f"rathaus-boot-{os.getpid()}"
    cgroup.mkdir(exist_ok=True)
    log = open(base.parent / f"{base.name}.log", "w")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "container": "rathaus-test", "MASK": " ".join(MASK),
           "SYSTEMD": SYSTEMD}
    # the shell moves itself into the child cgroup first, so the new cgroup namespace is rooted there
    proc = subprocess.Popen(["bash", "-c", f'echo $$ > {cgroup}/cgroup.procs && exec unshare --pid --mount '
                             f'--cgroup --fork --propagation private bash -c "$0" boot "$1"', BOOT_SCRIPT, str(base)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    booted = Booted(base, proc, cgroup)

    def systemd_pid() -> int:
        for pid in (cgroup / "init.scope").exists() and (cgroup / "init.scope/cgroup.procs").read_text().split() or []:
            return int(pid)
        return 0

    try:
        def started() -> int:
            if proc.poll() is not None:
                raise AssertionError(f"systemd exited ({proc.returncode})")
            return systemd_pid()

        booted.pid = booted.wait(started, timeout, "systemd started", step=0.3)
        booted.wait(lambda: booted.sh("systemctl is-system-running", check=False).stdout.strip()
                    in ("running", "degraded"), timeout, "systemd booted")
    except AssertionError as error:
        booted.shutdown()
        raise AssertionError(f"{error}:\n{(base.parent / f'{base.name}.log').read_text()[-3000:]}") from None
    return booted
