"""Sweeps: bad grids are messages, a folder never becomes unloadable, Dask is optional."""

from __future__ import annotations

import sys
import textwrap

import pytest
from brian2 import Hz

from model_package import model_package
from cortexlearn.cli import main
from cortexlearn.errors import SpecError
from cortexlearn.sweep import SweepError, load_sweep, parse_grid, plan, sweep

MODEL = "trust_sweep_tiny"
SOURCE = textwrap.dedent('''
    import numpy as np
    from brian2 import Hz, second
    from cortexlearn.model import Model, Parameter


    def simulate(ctx):
        p = ctx.params
        rng = np.random.default_rng(ctx.seed)
        counts = rng.poisson(float(p["rate"]) * float(p["duration"]), size=int(p["n"]))
        ctx.record("counts", counts.astype(float))
        return {"output_rate": float(counts.mean() / float(p["duration"]))}


    MODEL = Model(
        name="trust_sweep_tiny", title="Sweep test model", reference="none (test only)",
        parameters=(Parameter("rate", 20 * Hz, "rate of each counter", domain="nonnegative"),
                    Parameter("duration", 1 * second, "counting window", domain="positive"),
                    Parameter("n", 10, "number of counters", domain="integer>=1")),
        simulate=simulate, default_target="numpy")
''')


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    yield from model_package(tmp_path_factory, MODEL, SOURCE)


def test_unbalanced_grid_brackets_are_a_message():
    with pytest.raises(SpecError, match="unbalanced brackets"):
        parse_grid(["tau_plus=[1,2*ms"])
    with pytest.raises(SpecError, match="unbalanced brackets"):
        parse_grid(["tau_plus=1*ms],2*ms"])


def test_repeated_grid_parameter_is_refused(capsys):
    with pytest.raises(SpecError, match="given twice"):
        parse_grid(["tau_plus=20*ms", "tau_plus=30*ms"])
    assert main(["sweep", "song_2000", "--grid", "tau_stdp=20*ms", "--grid", "tau_stdp=30*ms"]) == 2
    assert "given twice" in capsys.readouterr().err


def test_negative_grid_value_is_refused_before_anything_runs(model_dir, tmp_path):
    with pytest.raises(SpecError, match=r"rate must be in \[0, inf\)"):
        plan(MODEL, {"rate": [10 * Hz, -5 * Hz]}, [0], str(tmp_path / "s"), model_path=[model_dir])
    assert not (tmp_path / "s").exists()


def test_second_sweep_with_another_fixed_parameter_keeps_the_folder_loadable(model_dir, tmp_path):
    out = str(tmp_path / "s")
    sweep(MODEL, {"rate": [10 * Hz]}, [0], out=out, scheduler="serial", model_path=[model_dir],
          progress=False, params={"n": 5})
    with pytest.raises(SweepError, match="fixed parameters"):
        sweep(MODEL, {"rate": [10 * Hz]}, [0], out=out, scheduler="serial", model_path=[model_dir],
              progress=False, params={"n": 7})
    with pytest.raises(SweepError, match="sweeps"):
        sweep(MODEL, {"rate": [10 * Hz], "duration": ["2*second"]}, [0], out=out, scheduler="serial",
              model_path=[model_dir], progress=False, params={"n": 5})
    result = load_sweep(out)
    assert len(result.summary) == 1 and result.summary["status"].tolist() == ["complete"]


def test_sweep_without_dask_runs_serially(model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.warns(UserWarning, match=r"cortexlearn\[cluster\]"):
        result = sweep(MODEL, {"rate": [10 * Hz]}, [0, 1], out=str(tmp_path / "s"),
                       model_path=[model_dir], progress=False)
    assert result.complete and len(result.ran) == 2
    with pytest.raises(SweepError, match=r"pip install 'cortexlearn\[cluster\]'"):
        sweep(MODEL, {"rate": [20 * Hz]}, [0], out=str(tmp_path / "t"), scheduler="tcp://127.0.0.1:1",
              model_path=[model_dir], progress=False)


def test_interrupted_unit_is_replaced_when_the_sweep_resumes(model_dir, tmp_path):
    import json
    import os

    out = str(tmp_path / "s")
    first = sweep(MODEL, {"rate": [10 * Hz]}, [0, 1], out=out, scheduler="serial", model_path=[model_dir],
                  progress=False)
    unit = os.path.join(out, "units", first.summary["unit"][0])
    manifest = json.load(open(os.path.join(unit, "manifest.json")))
    manifest["status"] = "interrupted"
    json.dump(manifest, open(os.path.join(unit, "manifest.json"), "w"))
    again = sweep(MODEL, {"rate": [10 * Hz]}, [0, 1], out=out, scheduler="serial", model_path=[model_dir],
                  progress=False)
    assert len(again.ran) == 1 and len(again.skipped) == 1 and again.complete
    assert os.path.exists(os.path.join(unit, "sweep-unit.json")) and not os.path.exists(os.path.join(unit, ".lock"))
    assert not [p for p in os.listdir(os.path.join(out, "units")) if p.startswith(".")]


def test_damaged_unit_metrics_are_named_when_combining(model_dir, tmp_path):
    import os

    out = str(tmp_path / "s")
    first = sweep(MODEL, {"rate": [10 * Hz]}, [0], out=out, scheduler="serial", model_path=[model_dir],
                  progress=False)
    path = os.path.join(out, "units", first.summary["unit"][0], "metrics.json")
    with open(path, "w") as fh:
        fh.write('{"metrics": {"output_ra')
    with pytest.warns(UserWarning, match="metrics.json is damaged"):
        load_sweep(out)
