"""Shared fixtures, and the hypothesis profiles of the fuzz tests.

The property-based tests run with a fixed seed and a small budget by default (profile
``ci``), so every run checks the same examples and the suite stays fast. A longer, random
run: ``scripts/test --hypothesis-profile=long -k "hostile or fuzz"``.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, settings
from shapely import LineString

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=25,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")


@pytest.fixture
def simple_lines() -> gpd.GeoDataFrame:
    """Two named lines near the Golan, in EPSG:4326."""
    return gpd.GeoDataFrame(
        {"name": ["north", "south"]},
        geometry=[
            LineString([(35.80, 33.30), (35.82, 33.10)]),
            LineString([(35.82, 33.10), (35.76, 32.75)]),
        ],
        crs=4326,
    )
