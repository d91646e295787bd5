import itertools

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic
from shapely.geometry import LineString

import geozones as gz


def test_plot_zones_into_axes_of_a_subfigure_returns_and_writes_the_figure(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    left, _ = fig.subfigures(1, 2)
    ax = left.add_subplot()
    out = tmp_path / "zones.png"
    zones = gz.build_zones("alpha_line", (5,))
    assert gz.plot_zones(zones, lines="alpha_line", ax=ax, basemap=False, path=out) is fig
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def drawn_scale_bar(fig):
    """The figure's one scale bar, after a draw: what it says and its length in degrees."""
    from matplotlib_scalebar.scalebar import ScaleBar

    bars = [a for a in fig.axes[0].artists if isinstance(a, ScaleBar)]
    assert len(bars) == 1
    fig.draw_without_rendering()
    return bars[0].info


@pytest.mark.parametrize(
    ("lines", "extent"),
    [
        ("alpha_line", None),  # the Golan, as fitted: about 33.1°N at the centre
        (LineString([(24.5, 59.8), (27.0, 60.4)]), None),  # about 60.1°N
        (None, (20.0, 30.0, 59.0, 61.0)),  # 60°N exactly
        (None, (-70.0, -69.0, -55.5, -54.5)),  # Tierra del Fuego, 55°S
    ],
)
def test_scale_bar_length_is_geodesic_at_the_centre_latitude(lines, extent):
    fig = gz.plot_zones(lines=lines if lines is not None else False, extent=extent, basemap=False)
    info = drawn_scale_bar(fig)
    x0, x1 = fig.axes[0].get_xlim()
    y0, y1 = fig.axes[0].get_ylim()
    lat, lon = (y0 + y1) / 2, (x0 + x1) / 2
    said_m = info.value * {"km": 1000.0, "m": 1.0}[info.units]
    # the bar's length in data units (degrees of longitude), measured along its parallel in
    # 1,000 geodesic steps (one geodesic over 2° at 60°N is 5e-5 shorter than the parallel)
    steps = np.linspace(lon - info.length_px / 2, lon + info.length_px / 2, 1001)
    true_m = sum(
        Geodesic.WGS84.Inverse(lat, a, lat, b)["s12"] for a, b in itertools.pairwise(steps)
    )
    assert info.scale_text.endswith(" km") and 0.15 < info.length_px / (x1 - x0) < 0.3
    assert abs(said_m / true_m - 1) < 0.005
    assert abs(said_m / true_m - 1) < 1e-5  # the geodesic scale, not 111.32 km × cos φ


def test_figure_with_scale_bar_renders(tmp_path):
    out = tmp_path / "golan.png"
    fig = gz.plot_zones(gz.build_zones("alpha_line", (5, 20)), path=out, dpi=60)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    info = drawn_scale_bar(fig)
    box = info.window_extent
    axes_box = fig.axes[0].get_window_extent()
    assert axes_box.x0 <= box.x0 < box.x1 < axes_box.x0 + axes_box.width / 2  # lower left
    assert axes_box.y0 <= box.y0 < box.y1 < axes_box.y0 + axes_box.height / 4


@pytest.mark.parametrize(("lon", "lat", "radius_m"), [(35.9, 33.2, 5_000), (24.0, 60.0, 30_000)])
def test_uncertainty_circles_are_geodesic_circles(lon, lat, radius_m):
    import matplotlib.pyplot as plt
    import pandas as pd

    positions = pd.DataFrame({"lon": [lon], "lat": [lat], "uncertainty_m": [radius_m]})
    fig = gz.plot_zones(positions=positions, lines=False, basemap=False, uncertainty=True)
    (circles,) = [c for c in fig.axes[0].collections if c.get_gid() == "uncertainty"]
    (ring,) = circles.get_segments()
    assert len(ring) > 60
    distances = [Geodesic.WGS84.Inverse(lat, lon, y, x)["s12"] for x, y in ring]
    # every vertex exactly the radius away (a degree-based circle is ~0.3% off at 60°N)
    np.testing.assert_allclose(distances, radius_m, rtol=0, atol=1e-3)
    plt.close(fig)


def test_an_uncertainty_circle_across_the_antimeridian_stays_beside_its_position():
    import matplotlib.pyplot as plt
    import pandas as pd

    positions = pd.DataFrame({"lon": [179.95], "lat": [-17.0], "uncertainty_m": [20_000]})
    fig = gz.plot_zones(positions=positions, lines=False, basemap=False, uncertainty=True)
    (circles,) = [c for c in fig.axes[0].collections if c.get_gid() == "uncertainty"]
    (ring,) = circles.get_segments()
    assert np.ptp(ring[:, 0]) < 1.0  # ~0.38° wide, not a stripe round the world
    plt.close(fig)
