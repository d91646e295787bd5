"""The bundled layers: the Golan lines, territories, borders and a gazetteer, with provenance.

Every layer loads as a GeoDataFrame in EPSG:4326 and carries its provenance in columns
(``layer``, ``source``, ``licence``, ``attribution``, ``accuracy_m`` and, for lines,
``valid_from`` / ``valid_to``) and in ``gdf.attrs["provenance"]``.

The files live in the repository's ``data/`` folder and travel inside the wheel as
``geozones/data``; ``data/SOURCES.md`` documents each one in full.

This is the public face of :mod:`geozones.catalog` (the layers' descriptions and loading,
the room below :mod:`geozones.lines` and :mod:`geozones.zones`) and of the zones every
document quotes, built by :func:`geozones.zones.syrian_side_zones`. It sits above both, so
neither imports it back.

Examples
--------
>>> import geozones as gz
>>> alpha = gz.datasets.load("alpha_line")
>>> alpha.geometry.iloc[0].geom_type, int(alpha["accuracy_m"].iloc[0])
('LineString', 300)
"""

from __future__ import annotations

from geozones.catalog import (
    ATTRIBUTION_GEONAMES,
    ATTRIBUTION_NATURAL_EARTH,
    ATTRIBUTION_OSM,
    EVENT_DATASET_CREDITS,
    LINE_DATE_COLUMNS,
    PROVENANCE_COLUMNS,
    Layer,
    attribution,
    credit_lines,
    data_dir,
    info,
    layers,
    load,
    names,
)
from geozones.zones import syrian_side_zones

__all__ = [
    "ATTRIBUTION_GEONAMES",
    "ATTRIBUTION_NATURAL_EARTH",
    "ATTRIBUTION_OSM",
    "EVENT_DATASET_CREDITS",
    "LINE_DATE_COLUMNS",
    "PROVENANCE_COLUMNS",
    "Layer",
    "attribution",
    "credit_lines",
    "data_dir",
    "info",
    "layers",
    "load",
    "names",
    "syrian_side_zones",
]
