"""The tutorials in notebooks/: stored without outputs, and each one runs from top to bottom.

Each notebook runs in a fresh Jupyter kernel (nbclient) in a temporary folder, on the small
settings written in it. A notebook whose library parts have not landed yet is skipped, with the
missing module named.
"""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"

#: Library modules (and models) each notebook needs.
REQUIRES = {
    "01_dale_circuit.ipynb": ["cortexlearn.specs", "cortexlearn.build", "cortexlearn.neurons",
                              "cortexlearn.analysis.spikes"],
    "02_stdp_and_dvdt.ipynb": ["cortexlearn.rules.stdp", "cortexlearn.rules.derivative",
                               "cortexlearn.build.plasticity",
                               "cortexlearn.reference.stdp"],
    "03_feedback_alignment.ipynb": ["cortexlearn.rules.credit", "cortexlearn.reference.mlp",
                                    "cortexlearn.reference.training", "cortexlearn.circuits.feedforward",
                                    "cortexlearn.stimuli", "cortexlearn.datasets", "mnist1d"],
    "04_critic_and_eprop.ipynb": ["cortexlearn.rules.eprop", "cortexlearn.reference.eprop",
                                  "cortexlearn.reference.snn_bptt", "cortexlearn.build.recurrent",
                                  "cortexlearn.rules.critic", "cortexlearn.build.critic"],
    "05_sweep_on_dask.ipynb": ["distributed", "cortexlearn.models.bi_poo_1998"],
    "06_closed_loop.ipynb": ["cortexlearn.closedloop", "cortexlearn.resident"],
    "07_your_own_learning_circuit.ipynb": ["cortexlearn.build", "cortexlearn.rules.base",
                                           "cortexlearn.circuits.feedforward", "cortexlearn.circuits.recurrent",
                                           "cortexlearn.datasets", "sklearn"],
}


def _notebooks():
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _missing(name: str) -> list[str]:
    missing = []
    for module in REQUIRES.get(name, []):
        try:
            if importlib.util.find_spec(module) is None:
                missing.append(module)
        except ModuleNotFoundError:
            missing.append(module)
    return missing


def test_every_notebook_is_listed():
    assert set(_notebooks()) <= set(REQUIRES), "add the new notebook's requirements to REQUIRES"
    assert "01_dale_circuit.ipynb" in _notebooks() and "05_sweep_on_dask.ipynb" in _notebooks()


@pytest.mark.parametrize("name", _notebooks())
def test_notebook_is_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name} holds outputs"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", _notebooks())
def test_notebook_runs(name, tmp_path, monkeypatch):
    missing = _missing(name)
    if missing:
        pytest.skip(f"{name} needs {', '.join(missing)}, which is not in the library yet")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("CORTEXLEARN_BUILD_ROOT", str(tmp_path / "builds"))
    client = nbclient.NotebookClient(nb, timeout=540, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
              if out.output_type == "error"]
    assert not errors  # the notebooks' own assert statements check their numbers
