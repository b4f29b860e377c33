"""What the page needs from the service catalog beyond its repository functions: the initial
catalog on start, service names for lists, and one Assistant per app for the test call."""

from __future__ import annotations

import logging
import threading
from typing import Any

from rathaus.catalog import load_assistant, repository
from rathaus.store import Store
from apps.web.keys import CACHE, CONFIG, STORE

log = logging.getLogger(__name__)


def ensure_initial(config, store: Store) -> None:
    """Load the configured initial catalog into an empty store, so a fresh install shows services."""
    try:
        repository.ensure_initial(config, store)
    except Exception as exc:  # a broken catalog file must not keep the page from starting
        log.warning("initial catalog not loaded: %s", exc)


def service_names(store: Store) -> dict[str, str]:
    """id -> name of every service, or {} when the catalog is not there."""
    try:
        return {str(s.id): s.name for s in repository.list_services(store)}
    except Exception as exc:  # the page must still list calls without names
        log.debug("service names unavailable: %s", exc)
        return {}


_assistant_lock = threading.Lock()


def assistant(app) -> Any:
    """One catalog Assistant per web app, loaded on first use (it loads embedding models)."""
    with _assistant_lock:
        cache = app[CACHE]
        if "assistant" not in cache:
            cache["assistant"] = load_assistant(app[CONFIG], app[STORE])
        return cache["assistant"]
