"""Where the hidden error of the microcircuit comes from, measured with the NumPy oracle.

Runs one seed's session (self-predicting phase, then training on MNIST-1D) in the oracle
(:func:`cortexlearn.reference.microcircuit.simulate`) and, after the self-predicting phase and
every ``--every`` training samples, probes the circuit on 200 test samples with all learning off,
once with the teacher and once without. It prints

- ``apical_off``: RMS apical potential without the teacher (0 in the self-predicting state);
- ``apical_teacher``: RMS of the teacher's part of it, ``v_A(teacher) - v_A(no teacher)``;
- ``angle_teacher_Be``: angle between that part and ``B e_out``, the top-down projection of the
  output's dendritic error (Sacramento et al. 2018, Eq. 10: the two are parallel when the
  interneurons cancel the top-down input in every direction);
- ``angle_hidden_bp``: angle between the hidden error ``phi(u) - phi(v_hat_B)`` and weight
  transport's ``phi'(v_hat_B) W_out^T e_out`` (the model's check);
- ``mirror``: angle between ``B`` and ``W_out^T``;
- ``ia_mismatch``: ``|W_IA + B| / |B|``, how far the apical weights are from cancelling the
  top-down ones in every direction (0 in the self-predicting state of the paper's analysis).

Usage (parameters as for ``cortexlearn run``, values as Python expressions with brian2 units)::

    python -m cortexlearn.models.sacramento_2018.diagnose --set n_train=2000 --set top_down_init=random
"""

from __future__ import annotations

import argparse

import numpy as np
from brian2 import Hz, ms  # noqa: F401  (names for the --set expressions)

from cortexlearn.reference import microcircuit as ref

from . import PARAMETERS
from .experiment import angles, session


def _angle(a, b):
    cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300)
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))).mean())


def probe(weights, spec, rows, steps, settle, dt) -> dict:
    """The measures listed in the module docstring on the presentations ``rows`` of ``spec``."""
    prm = spec.reference_parameters()
    x, y, n = spec.inputs[rows], spec.targets[rows], len(rows)
    off_flags = np.zeros(n)
    on = ref.simulate(weights, x, y, {"teach": np.ones(n), "learn_forward": off_flags, "learn_inter": off_flags},
                      prm, steps, dt, settle)
    off = ref.simulate(weights, x, y, {"teach": off_flags, "learn_forward": off_flags, "learn_inter": off_flags},
                       prm, steps, dt, settle)
    teacher_part = on["v_A"] - off["v_A"]
    B, W = weights["B"], weights["W_out"]
    bp = on["error_out"] @ B.T
    cos_mirror = np.sum(B * W.T) / max(np.linalg.norm(B) * np.linalg.norm(W), 1e-300)
    return {"apical_off": float(np.sqrt(np.mean(off["v_A"] ** 2))),
            "apical_teacher": float(np.sqrt(np.mean(teacher_part ** 2))),
            "angle_teacher_Be": _angle(teacher_part, bp),
            "angle_hidden_bp": float(angles(on, spec.conductances, np.arange(n)).mean()),
            "mirror": float(np.degrees(np.arccos(np.clip(cos_mirror, -1, 1)))),
            "ia_mismatch": float(np.linalg.norm(weights["W_IA"] + B) / np.linalg.norm(B))}


def main(argv=None):
    from cortexlearn.datasets import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--every", type=int, default=500, help="training samples between probes")
    args = parser.parse_args(argv)
    p = {q.name: q.default for q in PARAMETERS}
    p.update(n_train=2000, epochs=1)
    for item in args.set:
        name, value = item.split("=", 1)
        p[name] = eval(value) if name != "top_down_init" else value
    data = load("mnist1d")
    spec, lay = session(p, data, args.seed, int(p["n_train"]), 1000)
    steps = int(round(float(p["sample_duration"] / p["dt"])))
    settle = int(round(float(p["settle_duration"] / p["dt"])))
    dt = float(p["dt"])
    sched = {"teach": spec.teach, "learn_forward": spec.learn_forward, "learn_inter": spec.learn_inter}
    weights = dict(spec.weights)
    n_sp, n_all = lay["n_sp"], spec.n_samples
    probe_rows = np.arange(n_all - 1000, n_all - 800)
    period = lay["n_presentations_train"] // (lay["epochs"] * lay["n_train"])
    bounds = [0, n_sp] + list(range(n_sp + period * args.every, n_all - 1000 + 1, period * args.every))
    for start, stop in zip(bounds[:-1], bounds[1:]):
        res = ref.simulate(weights, spec.inputs[start:stop], spec.targets[start:stop],
                           {k: v[start:stop] for k, v in sched.items()}, spec.reference_parameters(), steps, dt,
                           settle)
        weights = {k: res[k] for k in ref.WEIGHT_NAMES}
        m = probe(weights, spec, probe_rows, steps, settle, dt)
        label = "after self-predicting" if stop == n_sp else f"after {(stop - n_sp) // period} samples"
        print(f"{label:>24}: " + "  ".join(f"{k} {v:.3f}" for k, v in m.items()), flush=True)
    test = np.arange(n_all - 1000, n_all)
    none = np.zeros(test.size)
    res = ref.simulate(weights, spec.inputs[test], spec.targets[test],
                       {"teach": none, "learn_forward": none, "learn_inter": none}, spec.reference_parameters(),
                       steps, dt, settle)
    print(f"test accuracy {100 * np.mean(res['u_out'].argmax(1) == lay['labels'][test]):.1f} %")


if __name__ == "__main__":
    main()
