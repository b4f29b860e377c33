"""docs/cli.md, generated from the real argparse help so the reference cannot drift from the code.

    python -m apps.cli.docs > docs/cli.md      (tests/test_cli_docs.py checks it is current)
"""

from __future__ import annotations

import argparse

from apps.cli import build_parser


class ReferenceFormatter(argparse.HelpFormatter):
    """argparse's help layout of Python 3.11 and 3.12, whatever Python renders the reference.

    Why: the reference must come out the same on every Python we support, or the check in
    tests/test_cli_docs.py fails on whichever Python did not write it. Python 3.13 changed two
    things in HelpFormatter: an option that takes a value lists its value once ("-o, --out DIR",
    gh-101599) instead of after each spelling ("-o DIR, --out DIR"), and the help column counts a
    subcommand's own deeper indent (gh-87041), which moves the help of long subcommand names
    ("kamailio-config", "retention"). These two methods keep the earlier layout, that of Debian
    12's Python 3.11 on the servers; the width is fixed (a 100-column terminal) instead of read
    from $COLUMNS. Python 3.14 colours help on a terminal: `render()` turns that off.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=98)  # what argparse takes from COLUMNS=100 (two less)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        args = self._format_args(action, self._get_default_metavar_for_optional(action))
        return ", ".join(f"{option} {args}" for option in action.option_strings)

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is argparse.SUPPRESS:
            return
        invocations = [self._format_action_invocation(action)]
        invocations += [self._format_action_invocation(sub) for sub in self._iter_indented_subactions(action)]
        # before 3.13: the indent of the action itself, also for its subactions
        self._action_max_length = max(self._action_max_length, max(map(len, invocations)) + self._current_indent)
        self._add_item(self._format_action, [action])


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
    parser = build_parser()
    out = ["# `rathaus` command reference", "",
           "Generated from the command's own `--help` by `python -m apps.cli.docs`; do not edit.", ""]
    for path, sub in _walk(parser, ["rathaus"]):
        sub.formatter_class = ReferenceFormatter
        sub.color = False  # Python 3.14 and later: no ANSI colours in the file, even with FORCE_COLOR
        out += [f"{'#' * min(len(path) + 1, 4)} `{' '.join(path)}`", "", "```", sub.format_help().rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
