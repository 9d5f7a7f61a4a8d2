"""Stored results for drawing every model's figure without running it.

Each ``tests/data/figures/MODEL.npz`` holds the arrays of one ``--quick`` run on the numpy target
(seed 0) with their dimensions, coordinates and attributes, and the run's metrics, in one compressed
NumPy archive (no pickles). Regenerate them from run folders with::

    .venv/bin/cortexlearn run MODEL --quick --target numpy --out /tmp/runs/MODEL
    .venv/bin/python tests/figure_fixtures.py /tmp/runs/MODEL [...]
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "figures")


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def pack(data, metrics, path):
    """Write ``data`` (a dict of ``xarray.DataArray``) and ``metrics`` to ``path`` (``.npz``).

    Parameters
    ----------
    data : mapping of str to xarray.DataArray
    metrics : mapping of str to float
    path : str
    """
    arrays, meta = {}, []
    for k, (name, da) in enumerate(sorted(data.items())):
        arrays[f"a{k}"] = np.asarray(da.values)
        coords = {}
        for j, (cname, coord) in enumerate(da.coords.items()):
            arrays[f"a{k}c{j}"] = np.asarray(coord.values)
            coords[cname] = [list(coord.dims), f"a{k}c{j}"]
        meta.append({"name": name, "key": f"a{k}", "dims": list(da.dims), "coords": coords,
                     "attrs": json.loads(json.dumps(dict(da.attrs), default=_plain))})
    arrays["meta"] = np.array(json.dumps({"arrays": meta, "metrics": metrics}, default=_plain))
    np.savez_compressed(path, **arrays)


def unpack(path):
    """Read what :func:`pack` wrote.

    Parameters
    ----------
    path : str

    Returns
    -------
    data : dict of str to xarray.DataArray
    metrics : dict
    """
    import xarray as xr

    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        data = {}
        for item in meta["arrays"]:
            coords = {c: (tuple(dims), f[key]) for c, (dims, key) in item["coords"].items()}
            data[item["name"]] = xr.DataArray(f[item["key"]], dims=item["dims"], coords=coords,
                                              attrs=item["attrs"], name=item["name"])
    return data, meta["metrics"]


def models():
    """Names of the models with a stored fixture."""
    return sorted(n[:-4] for n in os.listdir(HERE) if n.endswith(".npz"))


if __name__ == "__main__":
    from cortexlearn.results import load

    os.makedirs(HERE, exist_ok=True)
    for folder in sys.argv[1:]:
        results = load(folder)
        target = os.path.join(HERE, f"{results.manifest['model']}.npz")
        pack(results.data, results.metrics, target)
        print(f"{target}: {os.path.getsize(target) / 1024:.0f} KiB")
