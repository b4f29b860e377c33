"""More than 4 calls: N SIP worker processes behind kamailio's dispatcher.

pjsua2 takes at most 4 calls per process (DESIGN.md), so `rathaus serve --sip-workers N` starts N
`rathaus serve --sip-only` processes on sip_port+1 ... sip_port+N (RTP ranges 1000 ports apart)
and kamailio on sip_port, configured from kamailio.cfg.j2 to hand each new call to the next
worker, and to the one after when a worker is full (486) or down. In-call requests (BYE, REFER,
NOTIFY) follow kamailio's Record-Route.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rathaus.config import Config
from rathaus.errors import RathausError
from voice.phone.settings import PhoneSettings

log = logging.getLogger(__name__)

MODULE_PATHS = ("/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules",
                "/usr/lib/kamailio/modules", "/usr/local/lib64/kamailio/modules", "/usr/local/lib/kamailio/modules")


@dataclass
class KamailioFiles:
    config: Path
    dispatcher_list: Path


def module_path() -> str:
    for path in MODULE_PATHS:
        if Path(path, "dispatcher.so").exists():
            return path
    raise RathausError("kamailio's dispatcher module was not found (apt-get install kamailio)")


def worker_ports(sip_port: int, workers: int) -> list[int]:
    return [sip_port + 1 + i for i in range(workers)]


def scanner_regex(patterns: list[str] | tuple[str, ...]) -> str:
    """User-Agent substrings as one POSIX regex for kamailio's `=~` (case-insensitive there).
    Specials become bracket classes, so no backslash has to survive kamailio's string parser."""
    out = []
    for pattern in patterns:
        text = "".join(f"[{c}]" if c in ".*+?(){}|$" else "." if c in '[]^\\"' else c for c in pattern)
        if text:
            out.append(text)
    return "|".join(out)


def guard_params(phone: PhoneSettings | None) -> dict:
    """The template values of the guard route, from [phone] (see voice.phone.guard)."""
    from voice.phone.guard import LOOPBACK, parse_networks, registrar_host, resolve

    phone = phone or PhoneSettings()
    registrar = resolve(registrar_host(phone.registrar)) if phone.registrar else []
    allowed = parse_networks(phone.allowed_sources or LOOPBACK)
    trusted = parse_networks(registrar)
    rate = max(0, int(phone.max_invites_per_minute))
    return {"allowed": ",".join(str(n) for n in [*allowed, *trusted]),
            "trusted": ",".join(str(n) for n in trusted),
            "scanner_regex": scanner_regex(phone.blocked_user_agents),
            "max_invites": rate,
            # requests outside calls per 2 s: room for a burst of the allowed INVITEs plus OPTIONS
            "pike_density": max(16, rate // 2)}


def write_config(out_dir: Path, host: str, port: int, workers: list[int], transport: str = "udp",
                 debug: int = 1, phone: PhoneSettings | None = None) -> KamailioFiles:
    """Render kamailio.cfg and dispatcher.list for workers on `host`:`workers`; `phone` gives
    the allowed sources, rate limit and scanner list (defaults when None)."""
    import jinja2

    out_dir.mkdir(parents=True, exist_ok=True)
    lst = out_dir / "dispatcher.list"
    lst.write_text("# setid destination flags priority attributes\n" + "".join(
        f"1 sip:{host}:{p};transport={transport} 0 0 duid=worker{i}\n" for i, p in enumerate(workers)))
    template = jinja2.Template(resources.files("voice.phone").joinpath("kamailio.cfg.j2").read_text(encoding="utf-8"))
    cfg = out_dir / "kamailio.cfg"
    cfg.write_text(template.render(
        debug=debug, children=2, transport=transport, host=host, port=port, module_path=module_path(),
        list_file=str(lst), algorithm="4", algorithm_doc="algorithm 4: round robin over the workers",
        **guard_params(phone)))
    return KamailioFiles(cfg, lst)


class Dispatcher:
    """Starts and supervises the worker processes and kamailio for `rathaus serve`."""

    def __init__(self, config: Config, sip_port: int, workers: int, argv_base: list[str]):
        self.phone = config.settings("phone", PhoneSettings)
        self.sip_port = sip_port
        self.workers = workers
        self.argv_base = argv_base
        self.host = self.phone.sip_host
        self.procs: list[subprocess.Popen] = []
        self.kamailio: subprocess.Popen | None = None
        self.dir = config.data_dir / "kamailio"
        rtp = self.phone.rtp_port or 20000
        self.rtp_ports = [rtp + 1000 * (i + 1) for i in range(workers)]

    def _worker_argv(self, i: int, port: int) -> list[str]:
        return [*self.argv_base, "serve", "--sip-only", "--sip-port", str(port), "--rtp-port",
                str(self.rtp_ports[i]), "--no-web", "--no-worker"]

    def _start_worker(self, i: int, port: int) -> subprocess.Popen:
        logfile = open(self.dir / f"worker{i}.log", "a")
        return subprocess.Popen(self._worker_argv(i, port), stdout=logfile, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start(self, timeout_s: float = 600) -> None:
        binary = shutil.which(self.phone.kamailio) or self.phone.kamailio
        if not Path(binary).exists():
            raise RathausError(f"kamailio not found ({binary}); install the kamailio package or use --sip-workers 1")
        self.dir.mkdir(parents=True, exist_ok=True)
        ports = worker_ports(self.sip_port, self.workers)
        files = write_config(self.dir, self.host, self.sip_port, ports, self.phone.transport, phone=self.phone)
        for i, port in enumerate(ports):
            (self.dir / f"worker{i}.log").write_text("")
            self.procs.append(self._start_worker(i, port))
        deadline = time.monotonic() + timeout_s
        for i, proc in enumerate(self.procs):
            log_path = self.dir / f"worker{i}.log"
            while "rathaus serve ready" not in log_path.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-1500:]
                    self.stop()
                    raise RathausError(f"SIP worker {i} did not start:\n{tail}")
                time.sleep(0.3)
        klog = open(self.dir / "kamailio.log", "w")
        self.kamailio = subprocess.Popen(
            [binary, "-f", str(files.config), "-DD", "-E", "-Y", str(self.dir), "-w", str(self.dir),
             "-m", "64", "-M", "8"], stdout=klog, stderr=subprocess.STDOUT, start_new_session=True)
        time.sleep(1.0)
        if self.kamailio.poll() is not None:
            tail = (self.dir / "kamailio.log").read_text(errors="replace")[-1500:]
            self.stop()
            raise RathausError(f"kamailio did not start:\n{tail}")
        log.info("kamailio on %s:%d dispatching to %d SIP workers on ports %s", self.host, self.sip_port,
                 self.workers, ", ".join(map(str, ports)))

    async def watch(self, stop: asyncio.Event) -> None:
        """Restart a worker that died; a dead kamailio stops the service (nothing reaches the bot)."""
        ports = worker_ports(self.sip_port, self.workers)
        while not stop.is_set():
            await asyncio.sleep(1.0)
            for i, proc in enumerate(self.procs):
                if proc.poll() is not None and not stop.is_set():
                    log.error("SIP worker %d exited with %s; restarting it", i, proc.returncode)
                    self.procs[i] = self._start_worker(i, ports[i])
            if self.kamailio is not None and self.kamailio.poll() is not None and not stop.is_set():
                log.error("kamailio exited with %s; stopping", self.kamailio.returncode)
                stop.set()

    def stop(self) -> None:
        procs = [p for p in [self.kamailio, *self.procs] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []
        self.kamailio = None
