"""Shared fixtures: paths to ../shared/data, an isolated data directory and database per test,
and a helper to run the real `rathaus` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RATHAUS_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _word_list_installed() -> bool:
    from rathaus.catalog.dialect import WORD_LIST

    return WORD_LIST.is_file()


# Debian's German word list (wngerman), which scripts/install-system.sh installs
needs_word_list = pytest.mark.skipif(not _word_list_installed(), reason="Debian's German word list (wngerman) is not installed")


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data; the test is skipped with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not available: {path} (expected ../shared/data beside the checkout)")
    return path


@pytest.fixture
def shared():
    return shared_path


@pytest.fixture
def rathaus_home(tmp_path, monkeypatch) -> Path:
    """A fresh data directory and database for one test; models are shared through the cache."""
    home = make_home(tmp_path)
    monkeypatch.setenv("RATHAUS_HOME", str(home))
    monkeypatch.setenv("RATHAUS_DB", str(home / "rathaus.db"))
    return home


def make_home(root: Path) -> Path:
    """`root`/home, a data directory whose models are the shared cache (see `_models_cache`)."""
    home = root / "home"
    home.mkdir()
    (home / "models").symlink_to(_models_cache(), target_is_directory=True)
    return home


def _models_cache() -> Path:
    """Joined whisper models are big: join them once per machine, not per test."""
    cache = Path(os.environ.get("RATHAUS_TEST_MODELS", Path.home() / ".cache" / "rathaus-test-models"))
    cache.mkdir(parents=True, exist_ok=True)
    return cache


@pytest.fixture
def config(rathaus_home):
    from rathaus.config import Config

    return Config.load()


@pytest.fixture
def store(config):
    from rathaus.store import open_store

    s = open_store(config)
    yield s
    s.close()


def run_cli(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real `rathaus` console command (a separate process, as a user would)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "apps.cli", *args],
        capture_output=True, text=True, input=input, env=full_env, timeout=timeout, cwd=ROOT,
    )


@pytest.fixture
def cli(rathaus_home):
    return run_cli
