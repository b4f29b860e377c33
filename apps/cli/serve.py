"""`rathaus serve`: the SIP phone bot, the review web page and the meeting worker in one command.

With [phone] sip_workers (or --sip-workers) above 1, SIP runs in N worker processes on
consecutive ports behind kamailio's dispatcher (pjsua2 takes at most 4 calls per process);
otherwise in this process. Runs until SIGTERM or SIGINT, then hangs up calls and stops cleanly.

Each part registers in one `Liveness` (rathaus.liveness) and beats from its own loop: the SIP
poll loop, the kamailio dispatcher's watch task, the meeting worker thread. The web page's
/healthz reports them; under systemd (Type=notify) READY=1 is sent once everything listens and
WATCHDOG=1 only while all parts are alive, from this event loop (rathaus.sdnotify).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading

from rathaus.config import Config
from rathaus.errors import RathausError
from rathaus.liveness import Liveness
from rathaus.sdnotify import claim as claim_notify_socket
from rathaus.sdnotify import supervise

log = logging.getLogger("rathaus.serve")
SIP_MAX_AGE_S = 10.0  # the poll loop beats every few ms; 10 s without one is a stuck SIP stack


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="run the phone bot, the web page and the meeting worker",
        description="Run the SIP phone bot, the review web page and (if enabled) the meeting worker "
                    "until stopped with SIGTERM or Ctrl-C. Ports default to [phone] sip_port and "
                    "[web] http_port.")
    p.add_argument("--sip-port", type=int, help="SIP port (default: [phone] sip_port)")
    p.add_argument("--http-port", type=int, help="web page port (default: [web] http_port)")
    p.add_argument("--sip-workers", type=int,
                   help="SIP worker processes behind kamailio, 4 calls each (default: [phone] sip_workers)")
    p.add_argument("--no-sip", action="store_true", help="do not start the phone bot")
    p.add_argument("--no-web", action="store_true", help="do not start the web page")
    p.add_argument("--no-worker", action="store_true", help="do not start the meeting worker")
    p.add_argument("--chat-only", action="store_true",
                   help="serve only the public citizen chat (/chat, /chat/embed.js) on --http-port or "
                        "[webchat] port, without the phone bot, the review page or the meeting worker")
    p.add_argument("--rtp-port", type=int, help="first RTP port of this process (default: [phone] rtp_port)")
    p.add_argument("--sip-only", action="store_true", help=argparse.SUPPRESS)  # a worker process
    p.set_defaults(func=serve)

    ph = sub.add_parser("phone", help="phone bot tools: kamailio configuration, callback requests",
                        description="Tools around the SIP phone bot.")
    psub = ph.add_subparsers(dest="phone_command", metavar="ACTION", required=True)
    k = psub.add_parser("kamailio-config", help="write kamailio.cfg + dispatcher.list for N SIP workers",
                        description="Write the kamailio configuration that `rathaus serve --sip-workers N` "
                                    "uses, to run kamailio as its own service in front of workers started "
                                    "with `rathaus serve --sip-only --sip-port P`.")
    k.add_argument("--workers", type=int, default=2, help="number of SIP worker processes (default 2)")
    k.add_argument("--sip-port", type=int, help="kamailio's port (default: [phone] sip_port); workers use the next N ports")
    k.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory")
    k.set_defaults(func=kamailio_config)
    c = psub.add_parser("callbacks", help="list callback requests left by callers",
                        description="List callback requests (name, number, service, reason) as a table or JSON.")
    c.add_argument("--all", action="store_true", help="include requests marked done")
    c.add_argument("--json", action="store_true", help="one JSON object per line")
    c.set_defaults(func=list_callbacks)


def serve(args: argparse.Namespace, config: Config) -> int:
    from rathaus.store import open_store

    store = open_store(config)
    try:
        return asyncio.run(_main(args, config, store))
    finally:
        store.close()


async def _main(args, config: Config, store) -> int:
    from voice.phone.settings import PhoneSettings

    claim_notify_socket()  # before any child process starts
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    phone_settings = config.settings("phone", PhoneSettings)
    sip_port = args.sip_port or phone_settings.sip_port
    http_port = args.http_port if args.http_port is not None else config.get("web.http_port")
    workers = args.sip_workers or phone_settings.sip_workers
    if workers < 1:
        raise RathausError("--sip-workers must be at least 1")
    only = args.sip_only
    if args.chat_only:
        args.no_sip = args.no_worker = True
        http_port = args.http_port or config.get("webchat.port") or http_port
    liveness = Liveness()
    tasks: list[asyncio.Task] = []
    cleanups = []
    ready = []
    try:
        if not args.no_sip and (workers == 1 or only):
            from voice.phone.server import PhoneService

            phone = PhoneService(config, store, sip_port=sip_port, rtp_port=args.rtp_port,
                                 behind_front=only)
            try:
                phone.start()
            except Exception as exc:
                if type(exc).__name__ == "SipError":
                    raise RathausError(str(exc)) from None
                raise
            polling: list[asyncio.Task] = []
            sip_beat = liveness.register("sip", max_age_s=SIP_MAX_AGE_S,
                                         alive=lambda: all(not t.done() for t in polling))
            polling.append(asyncio.create_task(phone.run(stop, beat=sip_beat)))
            tasks += polling
            ready.append(f"sip={phone_settings.sip_host}:{sip_port}")
        elif not args.no_sip:
            from voice.phone.kamailio import Dispatcher

            dispatcher = Dispatcher(config, sip_port, workers, argv_base=_worker_argv(args))
            dispatcher.start()
            cleanups.append(dispatcher.stop)
            tasks.append(asyncio.create_task(dispatcher.watch(stop)))
            liveness.register("sip-dispatcher", alive=lambda t=tasks[-1]: not t.done())
            ready.append(f"sip={phone_settings.sip_host}:{sip_port} workers={workers}")
        if not only and not args.no_web:
            runner = await _start_web(config, store, http_port, liveness, args.chat_only)
            cleanups.append(runner.cleanup)
            ready.append(f"http=http://{config.get('web.host')}:{http_port}")
        if not only and not args.no_worker and config.get("meetings.worker"):
            stopper = _start_meeting_worker(config, store, liveness)
            if stopper:
                cleanups.append(stopper)
                ready.append("meeting-worker")
        print("rathaus serve ready: " + " ".join(ready), flush=True)
        await supervise(stop, liveness, "serving: " + " ".join(ready))
        log.info("stopping")
    finally:
        stop.set()
        for task in tasks:
            try:
                await asyncio.wait_for(task, timeout=15)
            except Exception:
                log.exception("shutdown of a service failed")
        for cleanup in reversed(cleanups):
            result = cleanup()
            if asyncio.iscoroutine(result):
                await result
    return 0


def _worker_argv(args) -> list[str]:
    base = [sys.executable, "-m", "apps.cli"]
    if args.config:
        base += ["--config", args.config]
    if args.db:
        base += ["--db", args.db]
    if args.verbose:
        base.append("-v")
    return base


async def _start_web(config: Config, store, port: int, liveness: Liveness | None = None, chat_only: bool = False):
    from aiohttp import web

    from apps.site import create_site

    if chat_only:
        from apps.webchat.app import create_chat_app

        app = create_chat_app(config, store)
    else:
        app = create_site(config, store, liveness)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.get("web.host"), port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise RathausError(f"cannot serve the web page on {config.get('web.host')}:{port}: {exc.strerror}") from None
    return runner


def _start_meeting_worker(config: Config, store, liveness: Liveness | None = None, join_s: float = 10.0):
    """The meeting worker in a thread, when the meetings package provides one. It counts as
    alive while its thread runs and beats (every poll, every lease refresh of a running job)."""
    try:
        from meetings.pipeline import meeting_settings
        from meetings.worker import run_worker
    except ImportError as exc:
        log.info("meeting worker not available: %s", exc)
        return None
    stop_event = threading.Event()
    settings = meeting_settings(config)
    thread = None
    beat = None
    if liveness is not None:
        beat = liveness.register("meeting-worker", max_age_s=settings.job_lease_s + 3 * settings.poll_s + 10,
                                 alive=lambda: thread is not None and thread.is_alive())

    def target():
        try:
            run_worker(config, store, stop_event, beat=beat)
        except Exception:
            log.exception("meeting worker stopped with an error")

    thread = threading.Thread(target=target, name="meeting-worker", daemon=True)
    thread.start()

    def stop():
        stop_event.set()
        thread.join(timeout=join_s)  # a running job goes back to the queue at its next step

    return stop


def kamailio_config(args: argparse.Namespace, config: Config) -> int:
    from pathlib import Path

    from voice.phone.kamailio import worker_ports, write_config
    from voice.phone.settings import PhoneSettings

    if args.workers < 1:
        raise RathausError("--workers must be at least 1")
    phone = config.settings("phone", PhoneSettings)
    port = args.sip_port or phone.sip_port
    files = write_config(Path(args.out), phone.sip_host, port, worker_ports(port, args.workers), phone.transport,
                         phone=phone)
    print(files.config)
    print(files.dispatcher_list)
    return 0


def list_callbacks(args: argparse.Namespace, config: Config) -> int:
    import json

    from rathaus.store import open_store

    store = open_store(config)
    where = "" if args.all else "WHERE status = 'open'"
    rows = [dict(r) for r in store.db.query(f"SELECT * FROM callbacks {where} ORDER BY created_at")]
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{row['id']:>5}  {row['created_at'][:16]}  {row['status']:<5} {row['number'] or row.get('email') or '-':<16} "
                  f"{row['name'] or '-':<24} {row['service_id'] or '-':<8} {row['reason'] or ''}")
    return 0
