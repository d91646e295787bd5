"""geozones: exact geodesic buffer zones around ceasefire and contact lines.

Examples
--------
>>> import geozones as gz
>>> gz.read_lines(gz.datasets.load("alpha_line"))["name"].str.startswith("A-Line").all()
np.True_
"""

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from geozones import datasets, errors, examples, lines, scale
from geozones.checks import check_positions, findings, summarize
from geozones.errors import GeozonesError, GeozonesWarning, InputError
from geozones.geodesy import (
    LineLocation,
    distance_to_line,
    geodesic_distance,
    locate_on_line,
    side_of_line,
)
from geozones.io import read_lines
from geozones.lines import LineSet, as_lines
from geozones.maps import save_map, zone_map
from geozones.plot import plot_zones
from geozones.positions import read_positions, save_positions
from geozones.timeline import plot_timeline, timeline
from geozones.zones import (
    build_zone_set,
    build_zones,
    load_territory,
    save_zones,
)


def _version() -> str:
    """The version of the installed distribution, written once: in pyproject.toml.

    A checkout that was never installed (on ``sys.path`` by ``PYTHONPATH``, say) has no
    metadata; it reads its own ``pyproject.toml``. Anything else is ``"0+unknown"``.
    """
    try:
        return version("geozones")
    except PackageNotFoundError:
        pass
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8")
        project = tomllib.loads(text)["project"]
    except (OSError, ValueError, KeyError):
        return "0+unknown"
    if project.get("name") != "geozones" or not isinstance(project.get("version"), str):
        return "0+unknown"
    return project["version"]


__version__ = _version()

__all__ = [
    "GeozonesError",
    "GeozonesWarning",
    "InputError",
    "LineLocation",
    "LineSet",
    "__version__",
    "as_lines",
    "build_zone_set",
    "build_zones",
    "check_positions",
    "datasets",
    "distance_to_line",
    "errors",
    "examples",
    "findings",
    "geodesic_distance",
    "lines",
    "load_territory",
    "locate_on_line",
    "plot_timeline",
    "plot_zones",
    "read_lines",
    "read_positions",
    "save_map",
    "save_positions",
    "save_zones",
    "scale",
    "side_of_line",
    "summarize",
    "timeline",
    "zone_map",
]
