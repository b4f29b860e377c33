"""The [web] section as a dataclass, plus the paths derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rathaus.config import Config


@dataclass
class WebSettings:
    host: str = "127.0.0.1"
    http_port: int = 8080
    max_upload_mb: int = 2048
    admin_password: str = ""
    admin_user: str = "admin"
    upload_dir: str = ""
    session_hours: int = 12
    secure_cookies: str = "auto"
    trusted_proxies: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    metrics_allow: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    metrics_token: str = ""
    login_max_failures: int = 5
    login_window_s: int = 900

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb) * 1024 * 1024


def web_settings(config: Config) -> WebSettings:
    from apps.web.proxies import proxy_networks

    settings = config.settings("web", WebSettings)
    proxy_networks(tuple(settings.trusted_proxies))  # a typo fails the start with a clear error
    proxy_networks(tuple(settings.metrics_allow), "metrics_allow")
    return settings


def upload_dir(config: Config) -> Path:
    """Directory for meeting recordings (created on demand). Empty [web] upload_dir: the meeting
    module's [meetings] meetings_dir, so a meeting's upload and work files share one folder."""
    if not config.get("web.upload_dir") and "meetings_dir" in config.data.get("meetings", {}):
        path = config.path("meetings.meetings_dir", "meetings")
    else:
        path = config.path("web.upload_dir", "meetings")
    path.mkdir(parents=True, exist_ok=True)
    return path
