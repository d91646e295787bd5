"""Notebooks run end to end, hold no library logic and are committed clean; Lab serves them."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def test_the_six_stories_are_there_and_numbered():
    assert [p.name[:3] for p in PATHS] == ["01-", "02-", "03-", "04-", "05-", "06-"]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_without_library_logic(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs"
        for line in cell.source.splitlines():
            assert not line.lstrip().startswith(("def ", "class ", "lambda")), (
                f"{path.name} defines its own logic: {line!r}; put it in geozones"
            )


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_runs_to_the_end(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on failure
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyter_lab_serves_a_notebook_headless(tmp_path):
    port, token = _free_port(), "geozones-test"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={NOTEBOOKS}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/contents/{PATHS[0].name}?token={token}"
        deadline, body = time.monotonic() + 60, None
        while time.monotonic() < deadline and lab.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert body is not None, f"JupyterLab did not serve the notebook (exit {lab.poll()})"
        assert body["type"] == "notebook" and body["name"] == PATHS[0].name
        assert any("build_zones" in "".join(c["source"]) for c in body["content"]["cells"])
        lab_page = f"http://127.0.0.1:{port}/lab?token={token}"
        with urllib.request.urlopen(lab_page, timeout=10) as response:
            assert response.status == 200 and b"JupyterLab" in response.read()
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
        if lab.stderr is not None:
            lab.stderr.close()
