"""/healthz and /metrics: what operations and monitoring read, no session needed.

/healthz runs a real query on the database and asks the process's `Liveness` about the parts
`rathaus serve` runs beside the page (SIP stack, meeting worker): 200 with every check "ok", else
503 naming the failed check. It reveals no data, only which part is down.

/metrics is answered only to a client address in `[web] metrics_allow` (loopback by default;
the address is the proxy-aware one of apps.web.proxies, so a request relayed by a local nginx
does not count as local) or to a request carrying `Authorization: Bearer <[web] metrics_token>`.
Everyone else gets 404, as if there were no such page.
"""

from __future__ import annotations

import asyncio
import secrets

from aiohttp import web

from apps.web.keys import CONFIG, LIVENESS, SETTINGS, STORE
from apps.web.proxies import client_ip, is_trusted, parse_address, proxy_networks


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", health)
    app.router.add_get("/metrics", metrics)


def _database_check(store) -> str:
    try:
        store.conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
        store.conn.execute("SELECT id FROM calls ORDER BY started_at DESC LIMIT 1").fetchall()
        return "ok"
    except Exception as exc:  # any failure is the answer; the page itself must not crash
        return f"failed: {type(exc).__name__}"


async def health(request: web.Request) -> web.Response:
    loop = asyncio.get_running_loop()
    store = request.app[STORE]
    try:
        database = await asyncio.wait_for(loop.run_in_executor(None, _database_check, store), timeout=5)
    except asyncio.TimeoutError:
        database = "failed: no answer within 5 s"
    checks = {"database": database, **request.app[LIVENESS].report()}
    ok = all(v == "ok" for v in checks.values())
    return web.json_response({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def metrics_allowed(request: web.Request) -> bool:
    settings = request.app[SETTINGS]
    token = settings.metrics_token
    supplied = request.headers.get("Authorization", "")
    if token and supplied.startswith("Bearer ") and secrets.compare_digest(supplied[7:].strip(), token):
        return True
    return is_trusted(parse_address(client_ip(request)), proxy_networks(tuple(settings.metrics_allow), "metrics_allow"))


async def metrics(request: web.Request) -> web.Response:
    if not metrics_allowed(request):
        raise web.HTTPNotFound()
    from meetings.jobs import is_stale, list_jobs
    from meetings.pipeline import meeting_settings
    from apps.web.metrics import render

    store = request.app[STORE]
    lease_s = meeting_settings(request.app[CONFIG]).job_lease_s

    def build() -> str:
        stale = sum(1 for job in list_jobs(store, "running", limit=10000) if is_stale(job, lease_s))
        return render(store, stale)

    text = await asyncio.get_running_loop().run_in_executor(None, build)
    return web.Response(text=text, content_type="text/plain", charset="utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})
