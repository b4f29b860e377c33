"""The command reference in docs/cli.md is the real help of the current code, in the one layout
that apps.cli.docs.ReferenceFormatter gives it on every Python we support (3.13 changed argparse's)."""

from apps.cli.docs import render
from tests.conftest import ROOT


def test_cli_reference_is_current():
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == render(), "docs/cli.md is stale: run `python -m apps.cli.docs > docs/cli.md`"


def test_cli_reference_covers_every_command():
    text = render()
    for command in ("serve", "transcribe", "say", "ask", "catalog import", "meeting", "speakers enroll", "users add"):
        assert f"`rathaus {command}`" in text
