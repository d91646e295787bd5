"""The parser behind ``geozones``, prepared for sphinx-argparse (docs/cli.md).

The parser's text is written for a terminal (``RawDescriptionHelpFormatter``): its
examples are indented lines. Text with indented lines becomes a reStructuredText literal
(plain text) block, shown as ``--help`` shows it; prose stays prose.
"""

from __future__ import annotations

import argparse

from geozones import cli


def _as_rst(text: str | None) -> str | None:
    if not text or not any(line.startswith(" ") for line in text.splitlines()):
        return text
    body = "\n".join(f"   {line}" if line.strip() else "" for line in text.rstrip().splitlines())
    return f".. code-block:: text\n\n{body}\n"


def _prepare(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.description = _as_rst(parser.description)
    parser.epilog = _as_rst(parser.epilog)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                _prepare(sub)
    return parser


def parser() -> argparse.ArgumentParser:
    """Return the ``geozones`` parser, its terminal-formatted text as literal blocks."""
    return _prepare(cli.build_parser())
