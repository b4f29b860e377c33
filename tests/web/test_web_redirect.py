"""Issue 15 item 1: no open redirect through the login page's `next`.

`/login?next=%2F%09%2Fevil.example` used to pass `safe_next` (it starts with one "/"), and aiohttp
(yarl, like a browser) drops the tab: `Location: //evil.example`, a link to another host, both
after the login form and for a user already logged in. Every Location the login answers with must
resolve to this site.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.web.client import ADMIN_PW

SITE = "http://rathaus.example/"
TARGETS = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\t\t/evil.example", "\t//evil.example",
           "/ /evil.example", "/\x0b/evil.example", "/\x00/evil.example", "/\u3000/evil.example", "/\x7f/evil.example",
           "//evil.example", "/\\evil.example", "/\t/\t/evil.example", "https:/\t/evil.example"]


def _stays_on_site(location: str) -> bool:
    return urlsplit(urljoin(SITE, location)).netloc == "rathaus.example"


def _login_form(web, next_value: str):
    page = web.get("/login?next=" + quote(next_value, safe=""))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text_).group(1)
    hidden = re.search(r'name="next" value="([^"]*)"', page.text_)
    return token, hidden.group(1) if hidden else None


@pytest.mark.parametrize("target", TARGETS)
def test_defect_open_redirect_after_login(web_only, target):
    token, hidden = _login_form(web_only, target)
    assert hidden in (None, "/")  # the form does not carry the bad target on either
    response = web_only.post("/login", data={"username": "admin", "password": ADMIN_PW, "csrf_token": token,
                                             "next": target})
    assert response.status == 302
    location = response.headers["Location"]
    assert _stays_on_site(location) and location == "/", repr(location)


@pytest.mark.parametrize("target", TARGETS)
def test_defect_open_redirect_when_logged_in(web_only, target):
    web_only.login("admin", ADMIN_PW)
    response = web_only.get("/login?next=" + quote(target, safe=""))
    assert response.status == 302
    assert response.headers["Location"] == "/", repr(response.headers["Location"])


def test_defect_open_redirect_raw_query_from_the_issue(web_only):
    web_only.login("admin", ADMIN_PW)
    response = web_only.get("/login?next=%2F%09%2Fevil.example")
    assert response.status == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/calls?outcome=forwarded&day=2026-11-20", "/meetings/abc#t=5", "/search?q=%C3%A4",
                                    "/%09/evil.example?x"])
def test_open_redirect_fix_keeps_local_targets(web_only, target):
    web_only.login("admin", ADMIN_PW)
    response = web_only.get("/login?next=" + quote(target, safe=""))
    assert response.status == 302
    location = response.headers["Location"]
    assert _stays_on_site(location) and urlsplit(location).path == urlsplit(target).path, location
