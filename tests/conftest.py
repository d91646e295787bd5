"""Shared fixtures."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely import LineString


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
