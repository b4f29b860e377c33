"""The start page: calls per day, outcome shares, top services, catalog gaps, answer latency."""

from __future__ import annotations

from aiohttp import web

from apps.web import catalog_bridge, charts, stats
from apps.web.render import t, t_opt
from apps.web.views.common import log_action, page
from apps.web.keys import STORE


def setup(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/api/dashboard", dashboard_api)


def _days(request: web.Request) -> int:
    try:
        return min(365, max(7, int(request.query.get("days", "30"))))
    except ValueError:
        return 30


async def index(request: web.Request) -> web.Response:
    store = request.app[STORE]
    days = _days(request)
    figures = stats.dashboard(store, days)
    names = catalog_bridge.service_names(store)
    outcome_names = [(t_opt(f"outcome.{o}", o), n) for o, n in figures.outcomes]
    lat = figures.latency
    lat_rows = []
    if lat.get("count"):
        for lower, upper, n in lat["histogram"]:
            label = t("dashboard.latency_bucket", lower=lower, upper=upper) if upper else t("dashboard.latency_over", lower=lower)
            lat_rows.append((label, n))
    log_action(request, "view", "dashboard")
    return page(request, "dashboard.html", {
        "figures": figures, "days": days, "names": names, "outcome_names": outcome_names,
        "per_day_svg": charts.bar_chart(figures.days, t("dashboard.per_day", days=days),
                                        label_every=max(1, days // 6), label=lambda d: f"{d[8:10]}.{d[5:7]}."),
        "share_svg": charts.share_bar(outcome_names, t("dashboard.shares")),
        "top_svg": charts.hbar_chart([(names.get(s, s), n) for s, n in figures.top_services], t("dashboard.top_services")),
        "latency_svg": charts.hbar_chart(lat_rows, t("dashboard.latency")) if lat_rows else "",
        "channel_totals": [(t_opt(f"channel.{c}", c), sum(n for _, n in series)) for c, series in figures.channels.items()],
        "chats_svg": charts.bar_chart(figures.channels.get("web", []), t("dashboard.chats_per_day", days=days),
                                      label_every=max(1, days // 6), label=lambda d: f"{d[8:10]}.{d[5:7]}."),
        "palette": charts.PALETTE,
    })


async def dashboard_api(request: web.Request) -> web.Response:
    figures = stats.dashboard(request.app[STORE], _days(request))
    log_action(request, "view", "dashboard")
    return web.json_response({
        "days": figures.days, "outcomes": figures.outcomes, "total": figures.total,
        "top_services": figures.top_services, "gaps": figures.gaps,
        "latency": {k: v for k, v in figures.latency.items() if k != "histogram"},
        "channels": figures.channels,
    })
