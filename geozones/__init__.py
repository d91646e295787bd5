"""geozones: exact geodesic buffer zones around ceasefire and contact lines.

Examples
--------
>>> import geozones as gz
>>> gz.read_lines(gz.datasets.load("alpha_line"))["name"].str.startswith("A-Line").all()
np.True_
"""

from importlib.metadata import PackageNotFoundError, version

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

try:
    __version__ = version("geozones")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

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
