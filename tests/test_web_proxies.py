"""Issue 15 item 2: a client behind the reverse proxy cannot choose the address that the login
limit and the audit log see.

nginx's usual `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for` keeps what the client
sent and appends the real peer on the right. The old `client_ip` took the left-most entry, so a
client rotating a forged `X-Forwarded-For` escaped the per-address login limit and wrote any
address into the audit log. Now only trusted proxies' hops are skipped, from the right.
"""

from __future__ import annotations

import re

import pytest

from rathaus.config import Config
from rathaus.errors import RathausError
from apps.web.proxies import forwarded_client
from tests.test_web import ADMIN_PW, Web, audit_rows

LOOPBACK = ("127.0.0.1", "::1")


def _web(rathaus_home, monkeypatch, extra: str = ""):
    from rathaus.store import open_store

    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    path = rathaus_home / "rathaus.toml"
    path.write_text(f"[web]\nlogin_max_failures = 2\n{extra}", encoding="utf-8")
    config = Config.load(path)
    store = open_store(config)
    return Web(config, store), store


def _try_login(web, username: str, forwarded: str):
    page = web.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text_).group(1)
    return web.post("/login", data={"username": username, "password": "falsch-falsch-1", "csrf_token": token},
                    headers={"X-Forwarded-For": forwarded})


def test_defect_forged_client_address_login_limit_and_audit(rathaus_home, monkeypatch):
    """Behind nginx on loopback (the default trusted_proxies): a forged left-most entry changes
    nothing; the per-address limit (4 x 2 failures) blocks the real address."""
    web, store = _web(rathaus_home, monkeypatch)
    try:
        statuses = [_try_login(web, f"user{i}", f"198.51.100.{i}, 203.0.113.7").status for i in range(10)]
        assert statuses[:8] == [401] * 8 and statuses[8:] == [429, 429], statuses
        ips = {row["ip"] for row in audit_rows(store, "login_failed")}
        assert ips == {"203.0.113.7"}, ips
    finally:
        web.close()
        store.close()


def test_defect_forged_client_address_untrusted_peer_ignores_header(rathaus_home, monkeypatch):
    """No trusted proxy configured: the header is not read at all, the peer is the client."""
    web, store = _web(rathaus_home, monkeypatch, "trusted_proxies = []\n")
    try:
        assert _try_login(web, "x", "203.0.113.9").status == 401
        assert {row["ip"] for row in audit_rows(store, "login_failed")} == {"127.0.0.1"}
    finally:
        web.close()
        store.close()


@pytest.mark.parametrize("peer, header, trusted, expected", [
    ("127.0.0.1", ["6.6.6.6, 203.0.113.7"], LOOPBACK, "203.0.113.7"),          # nginx appended the real peer
    ("127.0.0.1", ["6.6.6.6", "203.0.113.7"], LOOPBACK, "203.0.113.7"),        # two header lines
    ("127.0.0.1", ["203.0.113.7, 10.0.0.2"], LOOPBACK + ("10.0.0.0/8",), "203.0.113.7"),  # proxy chain
    ("127.0.0.1", ["6.6.6.6, 10.0.0.2"], LOOPBACK, "10.0.0.2"),                # untrusted hop is the client
    ("127.0.0.1", ["garbage, 10.0.0.2"], LOOPBACK + ("10.0.0.0/8",), "10.0.0.2"),  # stop at the last vouched hop
    ("127.0.0.1", [], LOOPBACK, "127.0.0.1"),
    ("127.0.0.1", ["127.0.0.1"], LOOPBACK, "127.0.0.1"),
    ("203.0.113.7", ["6.6.6.6"], LOOPBACK, "203.0.113.7"),                     # peer is no proxy
    ("127.0.0.1", ["6.6.6.6"], (), "127.0.0.1"),
    ("::ffff:127.0.0.1", ["6.6.6.6, [2001:db8::1]:443"], LOOPBACK, "2001:db8::1"),
    ("::1", ["6.6.6.6, 203.0.113.7:5555"], LOOPBACK, "203.0.113.7"),
])
def test_defect_forged_client_address_walks_from_the_right(peer, header, trusted, expected):
    assert forwarded_client(peer, header, trusted) == expected


def test_forged_client_address_bad_proxy_entry_is_an_error(rathaus_home):
    path = rathaus_home / "bad.toml"
    path.write_text('[web]\ntrusted_proxies = ["127.0.0.1", "10.0.0.0/33"]\n', encoding="utf-8")
    from apps.web.settings import web_settings

    with pytest.raises(RathausError, match="10.0.0.0/33"):
        web_settings(Config.load(path))
