"""Example positions: the claims in the reporting behind geozones, and synthetic sets.

- :func:`load_reported_positions` reads ``data/examples/reported_positions_2018.csv``: one
  row per claim in the 2018 reporting (places named, who, the source and the denial).
- :func:`synthetic_positions` makes any number of **synthetic** positions around the
  Golan, every row labelled as such, for demos, tests and benchmarks.

Examples
--------
>>> claims = load_reported_positions()
>>> sorted(set(claims["place"]))
['Daraa', 'Quneitra']
>>> synthetic_positions(3, seed=1)["synthetic"].tolist()
[True, True, True]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geozones import datasets

__all__ = [
    "load_reported_positions",
    "reported_positions_path",
    "synthetic_positions",
    "ucdp_events_path",
]

_ACTORS = (
    "Hezbollah",
    "Hizballah fighters",
    "IRGC advisers",
    "Quds Force",
    "Iranian advisers",
    "Shi'ite militias",
    "Liwa Fatemiyoun",
    "Syrian Arab Army",
    "Russian military police",
    "Southern Front",
    "Khalid ibn al-Walid Army",
)
_SOURCES = ("synthetic monitor A", "synthetic monitor B", "synthetic OSINT sheet")


def reported_positions_path():
    """Path of the bundled CSV of claims from the 2018 reporting."""
    return datasets.data_dir() / "examples" / "reported_positions_2018.csv"


def ucdp_events_path():
    """Path of the bundled UCDP GED events, southern Syria 2017–2018 (real, CC BY 4.0)."""
    return datasets.data_dir() / "events" / "ucdp_ged_syria_south_2017_2018.csv"


def load_reported_positions() -> pd.DataFrame:
    """Return the claims from the 2018 reporting as a table (read it with read_positions)."""
    return pd.read_csv(reported_positions_path(), dtype=str, keep_default_na=False)


def synthetic_positions(n: int, *, seed: int = 2018, centre=(35.85, 33.0)) -> pd.DataFrame:
    """Return `n` synthetic reported positions around the Golan, clearly labelled.

    Positions fall within about 120 km of `centre` (lon, lat), dated through 2017–2018,
    with actor names as reports write them, an uncertainty radius and a ``synthetic``
    column that is always True.

    Examples
    --------
    >>> df = synthetic_positions(1000, seed=7)
    >>> len(df), df["source"].str.startswith("synthetic").all()
    (1000, np.True_)
    """
    rng = np.random.default_rng(seed)
    lon0, lat0 = centre
    radius_km = 120.0 * np.sqrt(rng.uniform(0, 1, n))
    bearing = rng.uniform(0, 2 * np.pi, n)
    lat = lat0 + radius_km * np.cos(bearing) / 111.32
    lon = lon0 + radius_km * np.sin(bearing) / (111.32 * np.cos(np.radians(lat0)))
    days = rng.integers(0, 730, n)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "actor": rng.choice(_ACTORS, n),
            "date": (pd.Timestamp("2017-01-01") + pd.to_timedelta(days, unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "uncertainty_m": rng.choice([100, 500, 1000, 2000, 5000], n),
            "source": rng.choice(_SOURCES, n),
            "synthetic": True,
        }
    )
