import subprocess
import sys

import geozones as gz
from geozones.cli import main


def test_help_teaches_and_exits_zero(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "geodesic" in out and "datasets" in out and "OpenStreetMap" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"geozones {gz.__version__}"


def test_datasets_prints_every_layer_with_source_licence_and_accuracy(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    for column in ("name", "licence", "accuracy (m)", "source"):
        assert column in header
    for name in gz.datasets.layers()["name"]:
        assert f"\n{name} " in out
    alpha = next(line for line in out.splitlines() if line.startswith("alpha_line "))
    assert "ODbL 1.0" in alpha and " 300 " in alpha and "1974-05-31" in alpha
    assert "GeoNames" in out.splitlines()[-2]


def test_credits(capsys):
    assert main(["datasets", "--credits"]) == 0
    assert capsys.readouterr().out.strip() == gz.datasets.attribution()


def test_usage_error_exit_code(capsys):
    assert main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage: geozones" in capsys.readouterr().out


def test_module_entry_point_runs_as_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "geozones", "datasets", "--credits"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OpenStreetMap" in done.stdout
