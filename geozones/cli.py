"""The ``geozones`` command line.

Run ``geozones --help`` for the commands and ``geozones COMMAND --help`` for each one.

Exit codes
----------
- 0: done.
- 1: geozones refused the input or could not write the output; one line on standard
  error says why (``--debug`` shows the traceback).
- 2: the command line itself is wrong (unknown command or option).
- 3: ``check --fail-on-breach`` found at least one breach.
- 70: an internal error, a bug: please report it with the ``--debug`` traceback.
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from geozones import __version__, datasets
from geozones.errors import GeozonesError, InputError

if TYPE_CHECKING:
    from geozones.lines import LineSet

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_BREACH, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 70, 130

_DESCRIPTION = """\
geozones: exact geodesic buffer zones around ceasefire and contact lines.

Which reported positions lie within 5, 20 or 60 km of the Golan ceasefire line, or of a
regime–rebel line of contact you bring? geozones measures on the WGS84 ellipsoid, to the
millimetre, and draws zones whose edges are within 1 m of the true distance.
"""

_EPILOG = """\
which command for which question:
  geozones demo                          the whole job on the bundled data: zones, checks,
                                         the findings ledger, an offline map, a timeline
  geozones zones alpha_line --km 5 20 60 --side left --out zones.gpkg
                                         where do the zones run? (a bundled line or a file)
  geozones check reports.csv --scenario israel_60km_2018
                                         who breaches which agreement or demand, when, on
                                         what evidence? (add --out r.csv to keep every row)
  geozones map --positions reports.csv --out map.html
                                         a self-contained map that opens offline
  geozones datasets                      the bundled layers, their sources and licences

Output formats follow the file extension (.gpkg, .geojson, .kml, .shp, .csv, .xlsx,
.parquet, .html, .png, ...).
Exit codes: 0 done; 1 input refused (the message says why); 2 usage error; 3 a breach
found with --fail-on-breach; 70 a bug (report it with --debug); 130 interrupted.

Data: © OpenStreetMap contributors (ODbL 1.0); Natural Earth (public domain);
GeoNames (CC BY 4.0); UCDP GED (CC BY 4.0).
"""

_LINE_HELP = (
    "a bundled line (alpha_line, bravo_line, ceasefire_line_1974; see 'geozones datasets') "
    "or a file of lines (GeoJSON, GeoPackage, KML, Shapefile)"
)


# --------------------------------------------------------------------------------------
# The parser: one function per command
# --------------------------------------------------------------------------------------

_DEBUG_HELP = "show the full traceback when something fails"


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written; every option's default after its help.

    As :class:`argparse.ArgumentDefaultsHelpFormatter`, but a default is written as it is
    typed (``--km 5 20 60``, not ``[5.0, 20.0, 60.0]``), and options that default to
    nothing (no value, off, an empty list) say nothing.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_ = action.help or ""
        default = action.default
        quiet = default is None or default is False or default is argparse.SUPPRESS
        if quiet or default == [] or not action.option_strings or "(default" in help_:
            return action.help
        typed = _typed(default).replace("%", "%%")  # argparse expands %(...)s in help
        return f"{help_} (default: {typed})"


def _typed(value) -> str:
    """A default as it would be typed on the command line."""
    if isinstance(value, list | tuple):
        return " ".join(_typed(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def build_parser() -> argparse.ArgumentParser:
    """The ``geozones`` argument parser: every command, option and default.

    :func:`main` parses with it; the documentation's command-line reference is generated
    from it (sphinx-argparse), so the reference says what ``--help`` says.

    Returns
    -------
    argparse.ArgumentParser
        A new parser; each command's namespace carries its ``handler``.

    Examples
    --------
    >>> parser = build_parser()
    >>> args = parser.parse_args(["zones", "alpha_line", "--out", "z.gpkg"])
    >>> args.command, args.km, args.side
    ('zones', [5.0, 20.0, 60.0], 'both')
    """
    parser = argparse.ArgumentParser(
        prog="geozones",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    parser.add_argument("--version", action="version", version=f"geozones {__version__}")
    common = argparse.ArgumentParser(add_help=False)  # --debug after the command too
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_: str, description: str, epilog: str = ""):
        return commands.add_parser(
            name,
            help=help_,
            description=description,
            epilog=epilog,
            formatter_class=_HelpFormatter,
            parents=[common],
        )

    for add in (_add_demo, _add_zones, _add_check, _add_map, _add_datasets):
        add(command)
    return parser


def _add_demo(command: Callable[..., argparse.ArgumentParser]) -> None:
    demo = command(
        "demo",
        "the main job on the bundled data: zones, checks, ledger, offline map, timeline",
        "Build the 5/20/60 km zones on the Syrian side of the Alpha line, in Syrian-held "
        "territory, check the bundled reports (the 2018 claims and the UCDP GED events of "
        "2017-2018 in southern Syria) against the line, Israel's 60 km demand and the 2017 "
        "arrangement, print the summary, the findings ledger and the zones' areas, and write "
        "map.html (opens offline), results.gpkg (layers zones, positions), results.csv, "
        "findings.csv (the ledger) and timeline.png into DIR.",
        "example:\n  geozones demo --out demo-output",
    )
    demo.add_argument("--out", default="geozones-demo", metavar="DIR", help="output folder")
    demo.set_defaults(handler=_cmd_demo)


def _add_zones(command: Callable[..., argparse.ArgumentParser]) -> None:
    zones = command(
        "zones",
        "build geodesic zones around a line and write them to a file",
        "Build bands around LINE whose edges lie within --tolerance metres of the true "
        "geodesic distance. LINE may also be a bundled zone set (alpha_5_20_60, "
        "bravo_5_20_60, areas_of_limitation_1974).",
        "examples:\n"
        "  geozones zones alpha_line --km 5 20 60 --side left --out syrian_side.gpkg\n"
        "  geozones zones my_contact_line.kml --km 5 --out arrangement.kml\n"
        "  geozones zones areas_of_limitation_1974 --out aol.geojson\n"
        "  geozones zones bravo_line --km 5 20 --out bravo_zones.shp\n\n"
        "The Alpha and Bravo lines run north to south: 'left' is the Syrian side.",
    )
    zones.add_argument("line", metavar="LINE", help=_LINE_HELP)
    zones.add_argument(
        "--km", nargs="+", type=float, default=[5.0, 20.0, 60.0], help="distances (km)"
    )
    zones.add_argument(
        "--side",
        choices=("both", "left", "right"),
        default="both",
        help="keep one side of the line's direction",
    )
    zones.add_argument(
        "--clip",
        metavar="TERRITORY",
        help="cut the bands to a territory: syrian_held, area_of_separation, "
        "israeli_held_golan, syria, israel, or a polygon file",
    )
    zones.add_argument(
        "--tolerance", type=float, default=1.0, metavar="M", help="edge tolerance (metres)"
    )
    zones.add_argument(
        "--out",
        required=True,
        help="output file: .gpkg, .geojson, .kml or .shp (a Shapefile: field names cut to "
        "10 characters, tolerance_m as toleranc_m, line_source as line_src, attribution "
        "as credit)",
    )
    zones.set_defaults(handler=_cmd_zones)


def _add_check(command: Callable[..., argparse.ArgumentParser]) -> None:
    check = command(
        "check",
        "check reported positions against a line, its zones and scenarios",
        "Read POSITIONS (CSV/TSV, XLSX, GeoJSON, GeoPackage, KML, ACLED or UCDP exports; "
        "coordinates as lat/lon columns, DMS, MGRS or place names), measure each row's "
        "exact geodesic distance to the line and write one row per input row, each with "
        "its result or the reason it could not be used. Prints a summary (verdict counts "
        "per scenario) and the findings ledger: every breach or uncertain position, with "
        "its dates, who, where, the distance, the margin, the evidence and the source.",
        "examples:\n"
        "  geozones check data/events/ucdp_ged_syria_south_2017_2018.csv "
        "--scenario israel_60km_2018\n"
        "  geozones check reports.csv --line alpha_line --out results.csv\n"
        "  geozones check reports.csv --scenario israel_60km_2018 --out results.xlsx\n"
        "  geozones check acled.csv --scenario israel_60km_2018 arrangement_2017_5km \\\n"
        "      --out results.gpkg --map map.html\n"
        "  geozones check pings.csv --line contact.geojson --km 5 --fail-on-breach "
        "--scenario my.toml --out r.csv\n"
        "  geozones check sightings.csv --lat-column 'Latitude (N)' "
        "--lon-column 'Longitude (E)'\n"
        "  geozones check grid.xlsx --sheet Reports --mgrs-column where",
    )
    check.add_argument("positions", metavar="POSITIONS", help="the file of reported positions")
    _line_options(check)
    check.add_argument(
        "--scenario",
        nargs="+",
        default=[],
        metavar="NAME",
        help="bundled scenarios (israel_60km_2018, arrangement_2017_5km) or TOML files",
    )
    check.add_argument(
        "--line-accuracy",
        action="store_true",
        help="add the line's own positional accuracy to each position's uncertainty",
    )
    check.add_argument(
        "--uncertainty",
        type=float,
        default=0.0,
        metavar="M",
        help="radius (metres) for positions whose precision is unknown",
    )
    _check_outputs(check)
    _reading_options(check)
    check.set_defaults(handler=_cmd_check)


def _check_outputs(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "--out",
        help="output file: .csv, .xlsx, .parquet (GeoParquet), .gpkg, .geojson or .kml, with "
        "the ledger beside it as <stem>.findings.csv (without --out nothing is written; the "
        "answer is printed)",
    )
    check.add_argument(
        "--raw",
        action="store_true",
        help="write CSV cells as they are: no quote before text that a spreadsheet would "
        "run as a formula (=, +, -, @); in .xlsx no quote prefix (cells stay text)",
    )
    check.add_argument("--map", metavar="HTML", help="also write an offline map")
    check.add_argument(
        "--fail-on-breach",
        action="store_true",
        help="exit with code 3 when any position breaches a scenario (the ledger is printed)",
    )


def _add_map(command: Callable[..., argparse.ArgumentParser]) -> None:
    map_ = command(
        "map",
        "draw zones, lines and positions as a self-contained HTML map (and a figure)",
        "Write a single HTML file that opens offline, with every script inlined and a "
        "vector basemap drawn from the bundled layers; optionally a static figure for a "
        "report.",
        "examples:\n"
        "  geozones map --out map.html                      Alpha line, 5/20/60 km zones\n"
        "  geozones map --positions reports.csv --scenario israel_60km_2018 --out map.html\n"
        "  geozones map --zones zones.gpkg --figure report.pdf --out map.html",
    )
    map_.add_argument("--positions", metavar="FILE", help="reported positions to check and draw")
    _line_options(map_)
    map_.add_argument(
        "--side", choices=("both", "left", "right"), default="both", help="side of the zones"
    )
    map_.add_argument(
        "--zones", metavar="FILE", help="draw these zones (a file or zone set) instead"
    )
    map_.add_argument("--scenario", metavar="NAME", help="colour positions by this scenario")
    map_.add_argument(
        "--basemap",
        default="offline",
        metavar="NAME",
        help="'offline' (the bundled vector basemap) or online tiles: osm, imagery, topo or "
        "any xyzservices provider name (OpenStreetMap.Mapnik, Esri.WorldTopoMap, ...)",
    )
    map_.add_argument("--figure", metavar="FILE", help="also write a static .png/.svg/.pdf")
    map_.add_argument("--out", required=True, help="the HTML file to write")
    _reading_options(map_)
    map_.set_defaults(handler=_cmd_map)


def _add_datasets(command: Callable[..., argparse.ArgumentParser]) -> None:
    ds = command(
        "datasets",
        "list the bundled layers with source, licence and positional accuracy",
        "List the bundled layers. Load one in Python with geozones.datasets.load(NAME). "
        "Accuracy is an honest estimate in metres.",
    )
    ds.add_argument("--credits", action="store_true", help="print only the credit line")
    ds.set_defaults(handler=_cmd_datasets)


def _line_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--line",
        nargs="+",
        default=["alpha_line"],
        metavar="LINE",
        help=_LINE_HELP + "; several lines: the nearest counts",
    )
    sub.add_argument(
        "--km", nargs="+", type=float, default=[5.0, 20.0, 60.0], help="thresholds (km)"
    )


#: The options of read_positions that the commands reading positions take, by name.
_READING = (
    "lat_column",
    "lon_column",
    "coordinates_column",
    "mgrs_column",
    "place_column",
    "admin1_column",
    "order",
    "sheet",
    "layer",
    "encoding",
    "delimiter",
)


def _reading_options(parser: argparse.ArgumentParser) -> None:
    """The options of :func:`geozones.read_positions`, for a command that reads positions."""
    group = parser.add_argument_group(
        "reading positions",
        "Columns are found by their usual names (lat, latitude, lon, coordinates, mgrs,\n"
        "place, where...); name them when they are not, as in geozones.read_positions.",
    )
    for column, holds in (
        ("lat", "latitudes"),
        ("lon", "longitudes"),
        ("coordinates", "coordinate pairs or DMS text, in one column"),
        ("mgrs", "MGRS grid references"),
        ("place", "place names, found in the bundled gazetteer"),
        ("admin1", "governorates, which narrow a place name"),
    ):
        group.add_argument(f"--{column}-column", metavar="NAME", help=f"the column of {holds}")
    group.add_argument(
        "--order",
        choices=("latlon", "lonlat"),
        default="latlon",
        help="how one coordinate column orders two plain numbers",
    )
    group.add_argument(
        "--sheet",
        type=_sheet,
        default=0,
        help="the sheet of a workbook (.xlsx): its name, or its number counted from 0",
    )
    group.add_argument("--layer", metavar="NAME", help="the layer of a multi-layer vector file")
    group.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of a CSV/TSV file of positions (utf-8, utf-16, cp1256, cp1255, "
        "cp1252, ...); by default detected",
    )
    group.add_argument(
        "--delimiter",
        type=_delimiter,
        metavar="CHAR",
        help="the delimiter of a CSV/TSV file of positions (',', ';', '|', 'tab'); by "
        "default detected",
    )


def _delimiter(text: str) -> str:
    """A delimiter on the command line: one character, or a name for one (tab, ...)."""
    return {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(
        text.lower(), text
    )


def _sheet(text: str) -> int | str:
    """A workbook's sheet on the command line: a number counts from 0, else it is a name."""
    return int(text) if text.isdigit() else text


def _reading(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`geozones.read_positions` that `args` gives."""
    return {name: getattr(args, name) for name in _READING}


# --------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    import geopandas as gpd
    import matplotlib.pyplot as plt
    import pandas as pd

    from geozones import checks, examples, maps
    from geozones.positions import read_positions, save_positions
    from geozones.saving import save_zones
    from geozones.timeline import plot_timeline

    out = _out_dir(args.out)
    with _Progress(8, "demo") as progress:
        progress.step("building the zones on the Syrian side of the Alpha line")
        zones = datasets.syrian_side_zones("alpha_line")  # the areas every document quotes
        progress.step("reading the bundled reports")
        claims = read_positions(examples.reported_positions_path())
        events = read_positions(examples.ucdp_events_path())
        positions = pd.concat(
            [claims.assign(dataset="2018 claims"), events.assign(dataset="UCDP GED")],
            ignore_index=True,
        )
        positions = gpd.GeoDataFrame(positions, geometry="geometry", crs=4326)
        progress.step("checking them against the line and the scenarios")
        scenarios = list(checks.bundled_scenarios().values())
        results = checks.check_positions(positions, "alpha_line", scenarios=scenarios)
        ledger = checks.findings(results)
        credits = maps.data_credits(results)
        progress.step("drawing the offline map")
        lines = _lines(["alpha_line", "bravo_line"])
        m = maps.zone_map(zones, results, lines.frame, scenario="israel_60km_2018", credits=credits)
        maps.save_map(m, out / "map.html")
        progress.step("writing results.gpkg")
        save_zones(zones, out / "results.gpkg", layer="zones")
        save_positions(results, out / "results.gpkg", layer="positions")
        progress.step("writing results.csv")
        save_positions(results, out / "results.csv")
        progress.step("writing findings.csv")
        _save_ledger(ledger, out / "findings.csv")
        progress.step("drawing timeline.png")
        figure = plot_timeline(
            results, scenarios=scenarios, path=out / "timeline.png", credits=credits
        )
        plt.close(figure)
    _print_summary(results)
    print()
    _print_ledger(ledger, results, written=out / "findings.csv")
    print()
    print(textwrap.fill(_roles_line(scenarios), _WIDTH))
    print(
        "zones on the Syrian side of the Alpha line, in Syrian-held territory (the map's legend):"
    )
    print(f"  {_areas_text(zones)}")
    _print_credits(credits)
    print(f"wrote {out / 'map.html'}  (opens offline in any browser)")
    print(f"wrote {out / 'results.gpkg'}  (layers: zones, positions)")
    print(f"wrote {out / 'results.csv'}  ({len(results):,} rows, one per input row)")
    print(f"wrote {out / 'findings.csv'}  (the ledger: {len(ledger):,} rows)")
    print(f"wrote {out / 'timeline.png'}  (positions per month and band, scenario windows shaded)")
    return EXIT_OK


def _cmd_zones(args: argparse.Namespace) -> int:
    from geozones.saving import save_zones
    from geozones.zones import ZONE_SETS, build_zone_set, build_zones

    with _Progress(2, "zones") as progress:
        progress.step(f"building zones around {args.line}")
        if args.line in ZONE_SETS:
            zones = build_zone_set(args.line, tolerance_m=args.tolerance)
        else:
            zones = build_zones(
                _line_arg(args.line),
                args.km,
                side=args.side,
                clip=_clip_arg(args.clip),
                tolerance_m=args.tolerance,
            )
        progress.step(f"writing {args.out}")
        save_zones(zones, args.out)
    print(_format_table(_zones_table(zones)))
    print(f"wrote {args.out}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from geozones import checks, maps
    from geozones.positions import read_positions, save_positions

    steps = 2 + bool(args.out) + bool(args.map)
    ledger_path = _ledger_path(args.out) if args.out else None
    with _Progress(steps, "check") as progress:
        progress.step(f"reading {args.positions}")
        positions = read_positions(args.positions, **_reading(args))
        progress.step(f"measuring {len(positions):,} positions")
        lines = _lines(args.line)  # read once: the check and the map share them
        results = checks.check_positions(
            positions,
            lines,
            args.km,
            scenarios=args.scenario or None,
            line_accuracy=args.line_accuracy,
            default_uncertainty_m=args.uncertainty,
        )
        ledger = checks.findings(results)
        credits = maps.data_credits(results)
        if ledger_path is not None:  # --out was given
            progress.step(f"writing {args.out}")
            save_positions(results, args.out, raw=args.raw)
            _save_ledger(ledger, ledger_path, raw=args.raw)
        if args.map:
            from geozones.zones import build_zones

            progress.step(f"drawing {args.map}")
            zones = build_zones(_line_arg(args.line[0]), args.km)  # zones: the first line
            scenario = _first_scenario(results)
            m = maps.zone_map(zones, results, lines.frame, scenario=scenario, credits=credits)
            maps.save_map(m, args.map)
    _print_summary(results)
    print()
    _print_ledger(ledger, results, written=ledger_path)
    _print_credits(credits)
    written = [str(p) for p in (args.out, ledger_path, args.map) if p]
    print("wrote " + ", ".join(written) if written else "wrote nothing (no --out)")
    breaches = _breaches(results)
    if args.fail_on_breach and breaches:
        print(f"geozones: {breaches} breach(es) found", file=sys.stderr)
        return EXIT_BREACH
    return EXIT_OK


def _cmd_map(args: argparse.Namespace) -> int:
    from geozones import checks, maps
    from geozones.positions import read_positions
    from geozones.zones import ZONE_SETS, build_zone_set, build_zones

    steps = 2 + bool(args.positions) + bool(args.figure)
    with _Progress(steps, "map") as progress:
        progress.step("building the zones")
        lines = _lines(args.line)  # read once: the check, the map and the figure share them
        if args.zones in ZONE_SETS:
            zones = build_zone_set(args.zones)
        elif args.zones:
            zones = _read_zones(args.zones)
        else:
            zones = build_zones(_line_arg(args.line[0]), args.km, side=args.side)
        results = None
        if args.positions:
            progress.step(f"checking {args.positions}")
            positions = read_positions(args.positions, **_reading(args))
            results = checks.check_positions(
                positions, lines, args.km, scenarios=[args.scenario] if args.scenario else None
            )
        progress.step(f"drawing {args.out}")
        scenario = _first_scenario(results)
        m = maps.zone_map(zones, results, lines.frame, scenario=scenario, basemap=args.basemap)
        maps.save_map(m, args.out, offline=args.basemap == "offline")
        if args.figure:
            progress.step(f"drawing {args.figure}")
            from geozones.plot import plot_zones

            fig = plot_zones(zones, results, lines.frame, path=args.figure, scenario=scenario)
            import matplotlib.pyplot as plt

            plt.close(fig)
    for line in maps.data_credits(results):
        print(f"Data credit: {line}")
    print(f"wrote {args.out}" + (f" and {args.figure}" if args.figure else ""))
    return EXIT_OK


def _first_scenario(results) -> str | None:
    """The name of the first scenario checked (a TOML path on the command line is not)."""
    if results is None:
        return None
    names = list(results.attrs.get("scenarios") or {})
    return names[0] if names else None


def _cmd_datasets(args: argparse.Namespace) -> int:
    if args.credits:
        print("\n".join(datasets.credit_lines()))
        return EXIT_OK
    table = datasets.layers()[["name", "kind", "licence", "accuracy_m", "valid_from", "source"]]
    table = table.rename(columns={"accuracy_m": "accuracy (m)", "valid_from": "in force from"})
    table["accuracy (m)"] = table["accuracy (m)"].map("{:,.0f}".format)
    table["in force from"] = table["in force from"].fillna("")
    print(_format_table(table))
    print()
    print("\n".join(datasets.credit_lines()))
    print("Full provenance: data/SOURCES.md (geozones.datasets.data_dir() / 'SOURCES.md').")
    return EXIT_OK


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _line_arg(text: str) -> LineSet:
    """The line a command-line argument names: a bundled layer, or else a file."""
    from geozones.lines import as_lines

    if text not in datasets.names() and not os.path.exists(text):
        lines = [n for n in datasets.names() if datasets.info(n).kind == "line"]
        msg = f"{text}: no such file, and not a bundled line ({', '.join(lines)})"
        raise InputError(msg)
    return as_lines(text if text in datasets.names() else Path(text))


def _lines(texts: Sequence[str]) -> LineSet:
    """The lines of every argument as one LineSet, read once for checks and maps."""
    from geozones.lines import as_lines

    return as_lines([_line_arg(t) for t in texts])


def _clip_arg(text: str | None):
    if text is None or not os.path.exists(text):
        return text
    import geopandas as gpd

    return gpd.read_file(text, engine="pyogrio")


def _read_zones(path: str):
    import geopandas as gpd

    if not os.path.exists(path):
        msg = f"{path}: no such file, and not a bundled zone set"
        raise InputError(msg)
    zones = gpd.read_file(path, engine="pyogrio")
    return zones.to_crs(4326) if zones.crs is not None else zones.set_crs(4326)


def _out_dir(text: str) -> Path:
    out = Path(text)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"{out}: cannot create the output folder ({exc.strerror})"
        raise InputError(msg) from exc
    return out


def _zones_table(zones):
    table = zones[["band", "area_km2", "n_vertices"]].copy() if "band" in zones else zones
    if "area_km2" in table:
        table["area_km2"] = table["area_km2"].map("{:,.1f}".format)
    return table.drop(columns="geometry", errors="ignore")


def _print_summary(results) -> None:
    from geozones.checks import summarize

    usable = int((results["error"] == "").sum())
    print(
        f"{len(results):,} rows: {usable:,} checked, {len(results) - usable:,} could not be "
        "used (see their 'error' column)"
    )
    print(_format_table(summarize(results)))


#: Rows of the findings ledger printed in full; the rest go to the ledger's CSV.
LEDGER_ROWS = 20
_WIDTH = 100  # the terminal the printout is laid out for
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def _ledger_path(out: str) -> Path:
    """Where ``check --out`` writes the full ledger: ``<stem>.findings.csv`` beside `out`."""
    out_path = Path(out)
    return out_path.with_name(f"{out_path.stem}.findings.csv")


def _save_ledger(ledger, path: Path, *, raw: bool = False) -> None:
    """Write the findings ledger as CSV, atomically and formula-safe (as ``save_positions``)."""
    import geopandas as gpd

    from geozones.positions import save_positions

    points = gpd.points_from_xy(ledger["lon"], ledger["lat"], crs=4326)
    save_positions(gpd.GeoDataFrame(ledger, geometry=points), path, raw=raw)


def _clean(value, width: int | None = None) -> str:
    """Text from the data, safe for a terminal: one line, no control or direction characters."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    text = " ".join(_UNPRINTABLE.sub(" ", text).split())
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _km(value, signed: bool = False) -> str:
    if value is None or math.isnan(float(value)):
        return ""
    return f"{float(value):+,.1f}" if signed else f"{float(value):,.1f}"


def _scenario_heading(name: str, ledger, results) -> str:
    """One line per scenario: its distance and the window in which it is in force."""
    rows = ledger[ledger["scenario"] == name]
    counts = rows["verdict"].value_counts()
    found = ", ".join(f"{counts[v]:,} {v}" for v in ("breach", "uncertain") if v in counts)
    spec = results.attrs.get("scenarios", {}).get(name, {})
    km = spec.get("distance_km", rows["scenario_km"].iloc[0] if len(rows) else math.nan)
    start, end = spec.get("in_force_from"), spec.get("in_force_to")
    window = (f" from {start}" if start else "") + (f" to {end}" if end else "")
    window = f", in force{window}" if window else ""
    return _clean(f"{name}: within {float(km):g} km{window}; {found}", _WIDTH)


def _print_ledger(ledger, results, *, written: Path | None) -> None:
    """Print the ledger's first rows with their evidence, then how many more and where."""
    total = len(ledger)
    if not total:
        print("findings: none (no position is a breach or uncertain in any scenario)")
        return
    verdicts = ledger["verdict"].value_counts()
    what = ", ".join(f"{verdicts[v]:,} {v}" for v in ("breach", "uncertain") if v in verdicts)
    pairs = "pair" if total == 1 else "pairs"
    print(f"findings: {total:,} (position, scenario) {pairs}: {what}")
    header = ("row", "verdict", "dates", "who (role)", "place", "km", "margin")
    widths = (6, 9, 24, 20, 13, 6, 6)
    right = {0, 5, 6}

    def line(cells) -> str:
        out = [
            (c.rjust(w) if i in right else c.ljust(w))
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return ("  " + "  ".join(out)).rstrip()

    wrap = functools.partial(
        textwrap.fill, width=_WIDTH, initial_indent=" " * 10, subsequent_indent=" " * 10
    )
    shown = ledger.head(LEDGER_ROWS)  # the ledger's first rows, grouped by scenario
    first_seen = {name: k for k, name in enumerate(dict.fromkeys(shown["scenario"]))}
    shown = shown.sort_values("scenario", key=lambda c: c.map(first_seen), kind="stable")
    scenario = None
    for rec in shown.itertuples(index=False):
        if rec.scenario != scenario:
            scenario = rec.scenario
            print(_scenario_heading(scenario, ledger, results))
            print(line(header))
        who = _clean(rec.actor_group) or _clean(rec.actor) or "(no group)"
        if _clean(rec.role):
            who = f"{who} ({_clean(rec.role)})"
        cells = (
            _clean(rec.row),
            _clean(rec.verdict),
            _clean(rec.dates),
            who,
            _clean(rec.place) or f"{rec.lat:.2f}, {rec.lon:.2f}",
            _km(rec.distance_km),
            _km(rec.margin_km, signed=True),
        )
        print(line([_clean(c, w) for c, w in zip(cells, widths, strict=True)]))
        print(wrap(_clean(rec.evidence) or "(no evidence)", max_lines=3))
        source = _clean(rec.source) or "(no source)"
        if _clean(rec.url):
            source += f" <{_clean(rec.url)}>"
        if _clean(rec.claim_status):
            source += f"; claim: {_clean(rec.claim_status)}"
        print(wrap(f"source: {source}", max_lines=2))
    more = total - LEDGER_ROWS
    if more > 0:
        where = f"all {total:,} in {written}" if written else "pass --out to write them all"
        print(f"… and {more:,} more ({where})")
    elif written:
        print(f"the ledger: {written}")


def _print_credits(credits) -> None:
    for credit in credits:
        print(f"Data credit: {credit}")


def _roles_line(scenarios) -> str:
    """One line on which actor roles count as presence in each scenario, and what it means."""
    from geozones.checks import ROLES

    narrowed = {s.name: s.roles for s in scenarios if not set(ROLES) <= set(s.roles)}
    if not narrowed:
        return (
            "roles counted as presence: all (the default), so a Hezbollah position struck by "
            "Israel counts; a scenario's `roles` key narrows it"
        )
    chosen = "; ".join(f"{name}: {', '.join(roles)}" for name, roles in narrowed.items())
    return f"roles counted as presence: {chosen} (set by the scenarios' `roles` key); else all"


def _areas_text(zones) -> str:
    """The bands' areas as every document quotes them: whole km², from ``area_km2``."""
    pairs = zip(zones["band"], zones["area_km2"], strict=True)
    return ", ".join(f"{band} {area:,.0f} km²" for band, area in pairs)


def _breaches(results) -> int:
    columns = [c for c in results.columns if str(c).startswith("scenario_")]
    return int(sum((results[c].astype(str) == "breach").sum() for c in columns))


def _format_table(table) -> str:
    """A plain-text table by :meth:`pandas.DataFrame.to_string`, cells cleaned (:func:`_clean`).

    Text columns are left-aligned, numbers right-aligned (as pandas formats them), two
    spaces between columns.
    """
    import pandas as pd

    cells = pd.DataFrame(table).reset_index(drop=True)
    cells.columns = [_clean(c) for c in cells.columns]
    if cells.empty:
        return "  ".join(cells.columns)
    formatters, widths = {}, {}
    for k, column in enumerate(list(cells.columns)):
        gap = " " if k else ""  # pandas puts one space between columns: one more
        values = cells.iloc[:, k]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            shown = values.to_string(index=False).splitlines()
            widths[column] = max(len(s) for s in [column, *shown]) + len(gap)
            continue
        text = values.map(_clean)
        width = max(len(s) for s in [column, *text])
        name = gap + column.ljust(width)
        cells[column] = gap + text.str.ljust(width)
        cells = cells.rename(columns={column: name})
        formatters[name] = str
    shown = cells.to_string(index=False, formatters=formatters, col_space=widths)
    return textwrap.dedent("\n".join(line.rstrip() for line in shown.splitlines()))


class _Progress:
    """A progress bar over a command's steps on standard error, only on a terminal."""

    def __init__(self, total: int, name: str):
        self.total, self.name, self.bar, self.done = total, name, None, -1

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc=self.name, unit="step", leave=False)
        return self

    def step(self, what: str) -> None:
        self.done += 1
        if self.bar is not None:
            if self.done:
                self.bar.update(1)
            self.bar.set_description(f"{self.name}: {what}")

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.update(self.total - self.bar.n)
            self.bar.close()


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (``sys.argv[1:]`` by default); return the exit code.

    Examples
    --------
    >>> main(["datasets", "--credits"])  # doctest: +ELLIPSIS
    Data: © OpenStreetMap contributors, ODbL 1.0; ...
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("geozones: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (GeozonesError, OSError) as exc:
        if args.debug:
            raise
        print(f"geozones: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:  # a bug: say so, briefly
        if args.debug:
            raise
        print(
            f"geozones: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(rerun with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_BUG


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
