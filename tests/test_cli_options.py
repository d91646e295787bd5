"""The command line's options: the parser, defaults in --help, column and format options."""

import argparse
import ast
import inspect

import geozones.cli as cli
from geozones.cli import build_parser


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
