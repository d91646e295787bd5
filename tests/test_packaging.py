"""Packaging: the wheel carries the data, and environment.yml mirrors pyproject.toml."""

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from geozones.maps import remote_references

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
ROOT = Path(__file__).resolve().parent.parent


def _requirement_names(requirements):
    """{name: specifier} from PEP 508 strings, ignoring markers and extras."""
    out = {}
    for req in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*([^;]*)", req)
        out[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return out


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _requirement_names(project["dependencies"])
    for extra, reqs in project["optional-dependencies"].items():
        if extra != "dev":
            wanted |= _requirement_names(reqs)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = _requirement_names([d for d in env["dependencies"] if isinstance(d, str)])
    for entry in env["dependencies"]:  # what conda-forge lacks comes from pip
        if isinstance(entry, dict):
            conda |= _requirement_names(entry.get("pip", []))
    python = conda.pop("python")
    conda.pop("pip", None)
    assert python == project["requires-python"]
    assert conda == wanted


@pytest.mark.slow
def test_wheel_carries_the_layers_and_loads_them_from_elsewhere(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = dist.glob("geozones-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data_files = {p.name for p in (ROOT / "data").glob("*.geojson")}
    assert {f"geozones/data/{name}" for name in data_files} <= names
    assert "geozones/data/SOURCES.md" in names
    assert "geozones/py.typed" in names

    # Install the wheel alone into a fresh target and import it from / with no checkout in
    # reach; its dependencies come from this environment.
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    code = (
        "import geozones, pathlib;"
        "g = geozones.datasets.load('alpha_line');"
        "print(pathlib.Path(geozones.__file__).parent.parent);"
        "print(len(g), g.crs.to_epsg(), g['licence'].iloc[0]);"
        "print(geozones.datasets.data_dir())"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd="/", env=env, capture_output=True, text=True, check=True
    )
    where, loaded, data = done.stdout.splitlines()
    assert Path(where) == target
    assert loaded == "1 4326 ODbL 1.0"
    assert Path(data) == target / "geozones" / "data"

    # the main job runs from the installed wheel too: its map inlines the packaged assets
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "geozones", "demo", "--out", str(out)],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        str(target)
        in subprocess.run(
            [sys.executable, "-c", "import geozones.maps as m; print(m.__file__)"],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "geozones map runtime" in html  # geozones/_web/core.js, inlined from the wheel
    assert 'version="1.9.3"' in html  # Leaflet, inlined from the installed packages
    assert remote_references(html) == []
    assert (out / "results.gpkg").exists() and (out / "results.csv").exists()
