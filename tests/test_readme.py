"""The README quotes what the code computes: areas cannot drift from the call behind them."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import geozones as gz
from geozones.cli import _areas_text

README = Path(__file__).resolve().parent.parent / "README.md"


def _quoted_areas() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+–\d+ km) \| ([\d,]+) km² \|$", text, re.MULTILINE)
    return dict(rows)


def test_the_readme_quotes_the_areas_of_syrian_side_zones_to_the_km2():
    quoted = _quoted_areas()
    zones = gz.datasets.syrian_side_zones()
    computed = {
        band: f"{area:,.0f}" for band, area in zip(zones["band"], zones["area_km2"], strict=True)
    }
    assert quoted == computed
    # the demo prints the same figures, from the same call
    assert _areas_text(zones) == ", ".join(f"{b} {a} km²" for b, a in computed.items())


def test_the_readme_documents_every_verdict_and_scenario_key():
    text = README.read_text(encoding="utf-8")
    assert "gz.datasets.syrian_side_zones()" in text
    for verdict in gz.checks.VERDICTS:
        assert f"| `{verdict}` |" in text, verdict
    for key in ("in_force_from", "in_force_to", "undated_in_force", "roles"):
        assert f"\n{key} = " in text, key


def _python_block_with(marker: str) -> str:
    """The README's one ```python block that contains `marker`."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    (block,) = [b for b in blocks if marker in b]
    return block


@pytest.mark.slow
def test_the_readme_dask_snippet_runs_as_a_script(tmp_path):
    # as written: saved as a file and run by a fresh interpreter (distributed's LocalCluster
    # starts worker processes, which import the script again), from a folder of its own
    script = tmp_path / "check_at_scale.py"
    script.write_text(_python_block_with("from geozones import scale"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # it printed the summary of the bundled UCDP events, as the in-memory check counts them
    in_memory = gz.check_positions(gz.examples.ucdp_events_path(), "alpha_line")
    assert done.stdout.strip() == str(gz.summarize(in_memory)).strip()
    assert len(list((tmp_path / "results").glob("*.parquet"))) >= 1
