"""The ``geozones`` command line.

Run ``geozones --help`` for the commands. Every command returns an exit code: 0 for
success, 1 when geozones refused the input (the message says why), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from geozones import __version__, datasets
from geozones.errors import GeozonesError

__all__ = ["main"]

_DESCRIPTION = """\
geozones: exact geodesic buffer zones around ceasefire and contact lines.

Which reported positions lie within 5, 20 or 60 km of the Golan ceasefire line, or of a
regime–rebel line of contact you bring? geozones measures on the WGS84 ellipsoid.
"""

_EPILOG = """\
examples:
  geozones datasets              list the bundled layers, their sources and licences
  geozones datasets --credits    print the credit line the data needs

Data: © OpenStreetMap contributors (ODbL 1.0); Natural Earth (public domain);
GeoNames (CC BY 4.0).
"""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geozones",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"geozones {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    ds = commands.add_parser(
        "datasets",
        help="list the bundled layers with source, licence and positional accuracy",
        description=(
            "List the bundled layers. Load one in Python with "
            "geozones.datasets.load(NAME). Accuracy is an honest estimate in metres."
        ),
    )
    ds.add_argument("--credits", action="store_true", help="print only the credit line")
    ds.set_defaults(handler=_cmd_datasets)
    return parser


def _cmd_datasets(args: argparse.Namespace) -> int:
    if args.credits:
        print(datasets.attribution())
        return 0
    table = datasets.layers()[["name", "kind", "licence", "accuracy_m", "valid_from", "source"]]
    table = table.rename(columns={"accuracy_m": "accuracy (m)", "valid_from": "in force from"})
    table["accuracy (m)"] = table["accuracy (m)"].map("{:,.0f}".format)
    table["in force from"] = table["in force from"].fillna("")
    print(_format_table(table))
    print()
    print(datasets.attribution())
    print("Full provenance: data/SOURCES.md (geozones.datasets.data_dir() / 'SOURCES.md').")
    return 0


def _format_table(table) -> str:
    """Left-aligned plain-text table, one row per line."""
    cells = [list(map(str, table.columns))] + table.astype(str).values.tolist()
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (``sys.argv[1:]`` by default); return the exit code.

    Examples
    --------
    >>> main(["datasets", "--credits"])  # doctest: +ELLIPSIS
    Data: © OpenStreetMap contributors, ODbL 1.0; ...
    0
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args)
    except GeozonesError as exc:
        if args.debug:
            raise
        print(f"geozones: error: {exc}", file=sys.stderr)
        return 1
