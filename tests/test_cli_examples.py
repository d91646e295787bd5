"""Every command-line example in the README and the docs runs, as a user would type it.

Examples are the README's code spans that start with ``geozones `` (the "what do you want
to do" table and the prose) and the docs' ``console`` blocks' lines that start with
``$ geozones ``. Each runs with the installed ``geozones`` entry point in a fresh folder
that sees the bundled ``data/``, with stand-ins for the files the examples name as the
user's own (``reports.csv``, ``feed.csv``, ``sightings.csv``, ``my_line.kml``,
``my_rule.toml``). It must exit 0, or 3 with ``--fail-on-breach``, and write what its
``--out``, ``--map`` and ``--figure`` name. A code span the parser refuses must be one of
:data:`PROSE`: an option mentioned in a sentence, not a command to run.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import geozones as gz
from geozones.cli import EXIT_BREACH, EXIT_OK, build_parser

ROOT = Path(__file__).resolve().parent.parent

#: README code spans that name a command or an option in a sentence: not meant to run.
PROSE = {
    "geozones check",
    "geozones check --out r.csv",
    "geozones check --raw",
    "geozones check --encoding cp1256",
}


def _readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    spans = re.findall(r"(?<!`)`(geozones [^`\n]+)`(?!`)", text)
    # "[--out DIR]": an optional part, typed without its brackets
    return [re.sub(r"\[([^\]]*)\]", r"\1", span).strip() for span in spans]


def _docs_examples() -> list[str]:
    commands = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"^```console[^\n]*\n(.*?)^```", text, re.S | re.M):
            block = re.sub(r"\\\n\s*", " ", block)  # a command continued on the next line
            lines = block.splitlines()
            commands += [line[2:].strip() for line in lines if line.startswith("$ geozones ")]
    return commands


def _parses(command: str) -> bool:
    parser = build_parser()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.parse_args(shlex.split(command)[1:])
        except SystemExit:
            return False
    return True


README = _readme_examples()
DOCS = _docs_examples()
EXAMPLES = list(dict.fromkeys(c for c in README + DOCS if c not in PROSE))


def test_the_examples_are_found_and_every_other_span_is_prose():
    assert len(README) >= 10, "the README's examples are no longer found"
    assert "geozones zones alpha_line --km 5 20 60 --side left --out zones.gpkg" in EXAMPLES
    assert any("--fail-on-breach" in c for c in EXAMPLES)
    refused = {c for c in README + DOCS if not _parses(c)}
    assert refused == PROSE & set(README + DOCS), "an example the parser refuses"


def _stand_ins(folder: Path) -> None:
    """The bundled data as ``data/``, and the user's own files the examples name."""
    data = gz.datasets.data_dir()
    os.symlink(data, folder / "data", target_is_directory=True)
    shutil.copy(data / "examples" / "reported_positions_2018.csv", folder / "reports.csv")
    # a feed that breaches the rule: Hezbollah a kilometre or so from the Alpha line
    pd.DataFrame(
        {"actor": ["Hezbollah"], "lat": [33.18], "lon": [35.89], "date": ["2018-03-01"]}
    ).to_csv(folder / "feed.csv", index=False)
    # a file whose columns need naming (--lat-column "Latitude (N)" --lon-column ...)
    pd.DataFrame(
        {"Latitude (N)": [33.18, 32.62], "Longitude (E)": [35.89, 36.10], "actor": ["IRGC"] * 2}
    ).to_csv(folder / "sightings.csv", index=False)
    gz.datasets.load("bravo_line")[["name", "geometry"]].to_file(
        folder / "my_line.kml", driver="KML", engine="pyogrio"
    )
    # the README's own scenario file, as a user would copy it
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    toml = re.search(r"```toml\n(\[scenario\].*?)```", readme, re.S)
    rule = toml.group(1) if toml else (data / "scenarios" / "israel_60km_2018.toml").read_text()
    (folder / "my_rule.toml").write_text(rule, encoding="utf-8")


def _entry_point() -> list[str]:
    """The installed ``geozones`` script beside this Python, else ``python -m geozones``."""
    script = Path(sys.executable).with_name("geozones")
    return [str(script)] if script.exists() else [sys.executable, "-m", "geozones"]


@pytest.mark.slow
@pytest.mark.parametrize("command", EXAMPLES, ids=[c.removeprefix("geozones ") for c in EXAMPLES])
def test_the_example_runs(command, tmp_path):
    _stand_ins(tmp_path)
    argv = shlex.split(command)[1:]
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "100"}
    done = subprocess.run(
        [*_entry_point(), *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    expected = EXIT_BREACH if "--fail-on-breach" in argv else EXIT_OK
    assert done.returncode == expected, f"{command}\n{done.stdout[-2000:]}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    for option in ("--out", "--map", "--figure"):
        if option in argv:
            written = tmp_path / argv[argv.index(option) + 1]
            assert written.exists(), f"{command}: {written.name} was not written"
    if argv[0] == "demo" and "--out" not in argv:
        assert (tmp_path / "geozones-demo" / "map.html").exists()
