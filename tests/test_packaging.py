"""Packaging: the wheel carries the data, environment.yml mirrors pyproject.toml, and the
version is written once (pyproject.toml) and agrees everywhere it shows."""

import datetime
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

import geozones
from geozones.maps import remote_references

if sys.version_info >= (3, 11):
    import tomllib
else:  # tomli is a dependency on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirement_names(requirements):
    """{name: specifier} from PEP 508 strings, ignoring markers and extras."""
    out = {}
    for req in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*([^;]*)", req)
        out[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return out


def test_environment_yml_mirrors_pyproject():
    project = PROJECT
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


# --------------------------------------------------------------------------------------
# One version: written in pyproject.toml, read from the package metadata
# --------------------------------------------------------------------------------------

# Keep a Changelog 1.1.0: "## [Unreleased]", then "## [x.y.z] - YYYY-MM-DD", newest first
_UNRELEASED = re.compile(r"^## \[Unreleased\]$")
_RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$")
_KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def _changelog_sections() -> list[tuple[str, str | None, dict[str, list[str]]]]:
    """(version or 'Unreleased', date, {kind: entries}) for each ## section, in order."""
    sections: list[tuple[str, str | None, dict[str, list[str]]]] = []
    kind = None
    for number, line in enumerate((ROOT / "CHANGELOG.md").read_text("utf-8").splitlines(), 1):
        if line.startswith("## "):
            release = _RELEASE.match(line)
            assert release or _UNRELEASED.match(line), f"line {number}: {line!r}"
            name, date = release.groups() if release else ("Unreleased", None)
            sections.append((name, date, {}))
            kind = None
        elif line.startswith("### "):
            assert sections, f"line {number}: {line!r} before any version"
            kind = line[4:]
            assert kind in _KINDS, f"line {number}: {kind!r} is not one of {_KINDS}"
            assert kind not in sections[-1][2], f"line {number}: a second {kind!r}"
            sections[-1][2][kind] = []
        elif line.startswith("- "):
            assert kind is not None, f"line {number}: an entry outside a ### section"
            sections[-1][2][kind].append(line[2:])
        elif line.startswith("#") and not line.startswith("# Changelog"):
            pytest.fail(f"line {number}: unexpected heading {line!r}")
    return sections


def test_changelog_is_in_the_keep_a_changelog_form():
    sections = _changelog_sections()
    assert sections[0][0] == "Unreleased"
    releases = sections[1:]
    assert releases, "no released version"
    assert all(name != "Unreleased" for name, _, _ in releases)
    versions = [tuple(int(p) for p in name.split(".")) for name, _, _ in releases]
    dates = [datetime.date.fromisoformat(date) for _, date, _ in releases]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert dates == sorted(dates, reverse=True)
    for name, _, kinds in sections:
        assert all(entries for entries in kinds.values()), f"{name}: an empty section"
    assert all(kinds for _, _, kinds in releases), "a release with no entries"


def test_changelog_newest_release_is_the_package_version():
    newest = _changelog_sections()[1][0]
    assert newest == PROJECT["version"] == geozones.__version__


def test_the_version_is_written_once_and_read_from_the_metadata():
    assert "version" not in PROJECT.get("dynamic", [])
    assert geozones.__version__ == importlib.metadata.version("geozones") == PROJECT["version"]
    # no second literal in the package's code that could drift from it
    quoted = re.compile(rf"""["']{re.escape(PROJECT["version"])}["']""")
    assert not [p for p in (ROOT / "geozones").rglob("*.py") if quoted.search(p.read_text())]


def _version_without_metadata(package_parent: Path) -> str:
    """geozones.__version__ imported from `package_parent` when no distribution is found."""
    code = (
        "import importlib.metadata as m\n"
        "found = m.version\n"
        "def version(name):\n"
        "    if name == 'geozones':\n"
        "        raise m.PackageNotFoundError(name)\n"
        "    return found(name)\n"
        "m.version = version\n"
        "import geozones\n"
        f"assert geozones.__file__.startswith({str(package_parent)!r}), geozones.__file__\n"
        "print(geozones.__version__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd="/", env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_checkout_that_was_never_installed_reads_its_pyproject(tmp_path):
    assert _version_without_metadata(ROOT) == PROJECT["version"]
    # a copy of the package alone, with no pyproject.toml beside it, does not guess
    shutil.copytree(
        ROOT / "geozones", tmp_path / "geozones", ignore=shutil.ignore_patterns("__pycache__")
    )
    assert _version_without_metadata(tmp_path) == "0+unknown"


def test_classifiers_name_the_pythons_that_ci_tests():
    oldest = re.fullmatch(r">=\s*3\.(\d+)", PROJECT["requires-python"])
    assert oldest, PROJECT["requires-python"]
    claimed = sorted(
        int(c.rsplit(".", 1)[1])
        for c in PROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tested = re.search(r"GEOZONES_CI_PYTHONS-([\d. ]+)\}", ci)
    assert tested, "the Pythons .ci/run tests by default"
    tested_minors = sorted(int(v.split(".")[1]) for v in tested.group(1).split())
    # every minor version from the oldest supported one to the newest tested one, and CI
    # tests the two ends
    assert claimed == list(range(int(oldest.group(1)), tested_minors[-1] + 1))
    assert tested_minors == [claimed[0], claimed[-1]]
    assert "Programming Language :: Python :: 3 :: Only" in PROJECT["classifiers"]
