"""What the chat page shows for one decision: the answer, the catalog's links and forms of the
service, and the office's contact data; for a hand-over, the office's phone and opening hours.

Only data: the page puts every field in as text (textContent), never as HTML, and only http(s)
URLs become links.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import prompts
from rathaus.catalog.model import Office, Service
from rathaus.dialog.offices import directory_of, unique_offices

RTL = frozenset({"ar"})


def t(key: str, lang: str, **fields: Any) -> str:
    return prompts.text(f"webchat.{key}", lang, **fields)


def safe_url(url: str) -> str | None:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in url for c in "\"'<> \n\r\t"):
        return None
    return url


def links(service: Service | None) -> list[dict[str, str]]:
    """The service's forms first, then its links (each at most once)."""
    if service is None:
        return []
    out, seen = [], set()
    for kind, items in (("form", service.forms), ("link", service.links)):
        for item in items:
            url = safe_url(item.url)
            if url and url not in seen:
                seen.add(url)
                out.append({"kind": kind, "name": item.name.strip() or url, "url": url})
    return out[:8]


def office_card(office: Office | None) -> dict[str, str] | None:
    if office is None:
        return None
    phone = office.phone.strip()
    return {"name": office.name, "address": office.address, "phone": phone,
            "tel": "".join(ch for ch in phone.split(",")[0] if ch.isdigit() or ch == "+"),
            "email": office.email if "@" in office.email else "", "hours": office.opening_hours,
            "url": safe_url(office.url) or ""}


def contact_office(assistant: Any, service_id: str | None, office_id: str | None, fallback: str) -> Office | None:
    """The office citizens reach about the topic: the service's first office, else the one under
    discussion, else [webchat] office, else the first office of the catalog."""
    directory = directory_of(assistant) if hasattr(assistant, "derived") else None
    if service_id and hasattr(assistant, "service"):
        service = assistant.service(service_id)
        offices = unique_offices(service) if service is not None else []
        if offices:
            return offices[0]
    if directory is None:
        return None
    for candidate in (office_id, fallback):
        office = directory.get(candidate) if candidate else None
        if office is not None:
            return office
    return directory.offices[0] if directory.offices else None
