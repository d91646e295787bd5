"""The command line's options: the parser, defaults in --help, column and format options."""

import argparse
import ast
import importlib.metadata
import inspect

import geozones.cli as cli
from geozones.cli import build_parser, main


def test_build_parser_is_public_and_knows_every_command():
    parser = build_parser()
    assert isinstance(parser, argparse.ArgumentParser) and parser.prog == "geozones"
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {"demo", "zones", "check", "map", "datasets"}
    args = parser.parse_args(["check", "reports.csv"])
    assert args.handler is cli._cmd_check and args.line == ["alpha_line"]


def test_no_function_of_the_cli_is_over_60_lines():
    tree = ast.parse(inspect.getsource(cli))
    lengths = {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    assert {name: n for name, n in lengths.items() if n > 60} == {}
    assert lengths["build_parser"] <= 60


def _help(capsys, *command: str) -> str:
    assert main([*command, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())  # wrapping depends on the terminal


def test_help_shows_every_default_as_it_is_typed(capsys):
    zones = _help(capsys, "zones")
    assert "--km KM [KM ...] distances (km) (default: 5 20 60)" in zones
    assert "keep one side of the line's direction (default: both)" in zones
    assert "edge tolerance (metres) (default: 1)" in zones
    check = _help(capsys, "check")
    assert "thresholds (km) (default: 5 20 60)" in check
    assert "the nearest counts (default: alpha_line)" in check
    assert "unknown (default: 0)" in check
    assert "--scenario NAME [NAME ...] bundled scenarios" in check  # no default: nothing said
    assert "(default: None)" not in check and "(default: False)" not in check
    assert "(default: [" not in check
    map_ = _help(capsys, "map")
    assert "(default: offline)" in map_ and "side of the zones (default: both)" in map_
    assert "output folder (default: geozones-demo)" in _help(capsys, "demo")


def test_version_is_the_package_metadata(capsys):
    assert main(["--version"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == f"geozones {importlib.metadata.version('geozones')}"
