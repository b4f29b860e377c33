"""The page's door to the service catalog (rathaus.catalog, owned by the catalog module).

The catalog may be missing on a stripped-down install or fail to load; the page then shows a
clear notice instead of an error page. Service names are looked up here with a small cache so
that lists of calls can show names instead of ids.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from rathaus.errors import RathausError
from rathaus.store import Store

import prompts
from rathaus.web.keys import CACHE, CONFIG, STORE

log = logging.getLogger(__name__)


class CatalogUnavailable(RathausError):
    """The catalog module cannot be imported or loaded."""


def _repository():
    try:
        from rathaus.catalog import repository
    except ImportError as exc:
        raise CatalogUnavailable(prompts.text("web.catalog.unavailable", reason=str(exc))) from None
    return repository


def ensure_initial(config, store: Store) -> None:
    """Load the configured initial catalog into an empty store, so a fresh install shows services."""
    try:
        repository = _repository()
        if hasattr(repository, "ensure_initial"):
            repository.ensure_initial(config, store)
    except Exception as exc:  # the page works without a catalog
        log.warning("initial catalog not loaded: %s", exc)


def available() -> bool:
    try:
        _repository()
        return True
    except CatalogUnavailable:
        return False


def list_services(store: Store, query: str | None = None) -> list[Any]:
    return list(_repository().list_services(store, query=query or None))


def get_service(store: Store, service_id: str) -> Any | None:
    return _repository().get_service(store, service_id)


def add_synonym(store: Store, service_id: str, phrase: str, source: str = "staff") -> Any:
    return _repository().add_synonym(store, service_id, phrase, source=source)


def remove_synonym(store: Store, service_id: str, phrase: str) -> Any:
    return _repository().remove_synonym(store, service_id, phrase)


def import_file(store: Store, path: str, format: str | None = None) -> Any:
    return _repository().import_file(store, path, format=format)


def service_names(store: Store) -> dict[str, str]:
    """id -> name of every service, or {} when the catalog is not there."""
    try:
        return {str(s.id): s.name for s in list_services(store)}
    except Exception as exc:  # the page must still list calls without names
        log.debug("service names unavailable: %s", exc)
        return {}


_assistant_lock = threading.Lock()


def assistant(app) -> Any:
    """One catalog Assistant per web app, loaded on first use (it loads embedding models)."""
    with _assistant_lock:
        cache = app[CACHE]
        if "assistant" not in cache:
            try:
                from rathaus.catalog import load_assistant
            except ImportError as exc:
                raise CatalogUnavailable(prompts.text("web.catalog.unavailable", reason=str(exc))) from None
            cache["assistant"] = load_assistant(app[CONFIG], app[STORE])
        return cache["assistant"]
