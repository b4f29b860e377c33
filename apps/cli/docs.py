"""docs/cli.md, generated from the real argparse help so the reference cannot drift from the code.

    python -m apps.cli.docs > docs/cli.md      (tests/test_cli_docs.py checks it is current)
"""

from __future__ import annotations

import argparse
import os

from apps.cli import build_parser


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices.items())
    return []


def _walk(parser: argparse.ArgumentParser, path: list[str]):
    yield path, parser
    for name, sub in _subcommands(parser):
        yield from _walk(sub, path + [name])


def render() -> str:
    os.environ["COLUMNS"] = "100"  # stable wrapping, whatever the terminal
    parser = build_parser()
    out = ["# `rathaus` command reference", "",
           "Generated from the command's own `--help` by `python -m apps.cli.docs`; do not edit.", ""]
    for path, sub in _walk(parser, ["rathaus"]):
        out += [f"{'#' * min(len(path) + 1, 4)} `{' '.join(path)}`", "", "```", sub.format_help().rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
