"""Fixtures of the web tests: the site with the first admin and a clerk, logged in or not."""

from __future__ import annotations

import pytest

from tests.web.client import ADMIN_PW, CLERK_PW, Web


@pytest.fixture
def web(config, store, monkeypatch):
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    w = Web(config, store)
    from apps.web.users import create_user

    create_user(store, "clara", CLERK_PW, "clerk")
    yield w
    w.close()


@pytest.fixture
def admin(web):
    assert web.login("admin", ADMIN_PW).status == 302
    return web


@pytest.fixture
def clerk(web):
    assert web.login("clara", CLERK_PW).status == 302
    return web


@pytest.fixture
def web_only(config, store, monkeypatch):
    """The site with only the first admin (no clerk)."""
    monkeypatch.setenv("RATHAUS_ADMIN_PASSWORD", ADMIN_PW)
    web = Web(config, store)
    yield web
    web.close()
