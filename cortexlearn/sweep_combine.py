"""Combining a sweep's unit folders into one labelled dataset and a summary table.

Part of :mod:`cortexlearn.sweep` (see :func:`cortexlearn.sweep.load_sweep`): each unit folder's
``manifest.json`` and ``metrics.json`` become one row; grid values become coordinates in the unit
of each parameter's default.
"""

from __future__ import annotations

import json
import os

from .sweep_unit import SweepError, UnitSpec, _label, add_model_path, unit_status


def _coordinate(model, name: str, value):
    """A grid value as a coordinate: a number in the unit of the parameter's default."""
    import numpy as np
    from brian2.units import fundamentalunits as fu

    param = model.parameter_map[name]
    default = param.default
    if isinstance(default, fu.Quantity) and default.dim is not fu.DIMENSIONLESS and np.size(default) == 1:
        unit = default.get_best_unit()
        return float(param.coerce(value) / unit), str(unit)
    return value, None


def combine(units: list[UnitSpec]):
    """Read the unit folders into one ``xarray.Dataset`` and a ``pandas.DataFrame``.

    Parameters
    ----------
    units : list of UnitSpec
        The sweep's units.

    Returns
    -------
    dataset : xarray.Dataset
        Dims: the grid parameters and ``seed``; one variable per metric.
    summary : pandas.DataFrame
        One row per unit: parameters, seed, status, metrics, checks.

    Raises
    ------
    SweepError
        When a unit folder holds a complete run of another model version.
    """
    import numpy as np
    import pandas as pd

    from .registry import get_model

    add_model_path(units[0].model_path if units else ())
    model = get_model(units[0].model)
    names = [n for n, _ in units[0].grid]
    rows, coord_units = [], {}
    for u in units:
        status = unit_status(u.out, u.fingerprint)
        if status == "other-version":
            raise SweepError(f"{u.out} holds a run of another version of {u.model}; refusing to merge")
        row = {}
        for name, value in u.grid:
            row[name], coord_units[name] = _coordinate(model, name, value)
        row.update(seed=u.seed, status=status, unit=u.unit_id)
        manifest = _read_json(os.path.join(u.out, "manifest.json"))
        payload = _read_json(os.path.join(u.out, "metrics.json"))
        row["wall_time_s"] = manifest.get("wall_time_s")
        for key, value in payload.get("metrics", {}).items():
            row[key] = value
        for check in payload.get("checks", []):
            passed = check.get("passed")
            row[f"passed_{_label(check['name'])}"] = np.nan if passed is None else float(passed)
        rows.append(row)
    summary = pd.DataFrame(rows).sort_values(names + ["seed"], kind="stable").reset_index(drop=True)
    twice = summary.duplicated(subset=names + ["seed"], keep=False)
    if twice.any():
        raise SweepError(f"{int(twice.sum())} units share a grid point and seed (they differ in "
                         "fixed parameters: " + ", ".join(summary.loc[twice, "unit"].astype(str)[:4])
                         + "); combine them in separate folders, or sweep that parameter with --grid")
    table = summary.drop(columns=["unit", "status"]).copy()
    table["complete"] = summary["status"] == "complete"
    for col in table.columns:
        if col not in names and col != "complete":
            table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    dataset = table.set_index(names + ["seed"]).to_xarray()
    dataset = dataset.assign_coords(seed=dataset["seed"].astype(int))
    if "complete" in dataset:
        dataset["complete"] = dataset["complete"].fillna(False).astype(bool)
    for name in names:
        if coord_units.get(name):
            dataset[name].attrs["units"] = coord_units[name]
    dataset.attrs.update(model=model.name, fingerprint=units[0].fingerprint, target=units[0].target,
                         quick=int(units[0].quick))
    return dataset, summary


def _read_json(path: str) -> dict:
    """The JSON object in ``path``; ``{}`` when it is missing, with a warning naming the file when
    it is damaged (the unit's row then has no numbers)."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except OSError:
        return {}
    except ValueError as exc:
        import warnings

        warnings.warn(f"{path} is damaged ({exc}); its unit is left without numbers. Delete the unit "
                      "folder and re-run the sweep to redo it", stacklevel=3)
        return {}


def _save_combined(out: str, dataset, summary) -> None:
    import shutil
    import warnings

    summary.to_csv(os.path.join(out, "summary.csv"), index=False)
    tmp = os.path.join(out, ".sweep.zarr.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset.to_zarr(tmp, mode="w", consolidated=False)
    final = os.path.join(out, "sweep.zarr")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
