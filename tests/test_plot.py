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
