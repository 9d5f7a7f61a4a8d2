"""TITLE (AUTHOR YEAR): one paragraph saying what the model shows and how.

This template declares an E/I circuit from specs, puts a learning rule on one projection
(here the inhibitory rule of Vogels et al. 2011 on I -> E), runs it as one compiled session and
checks what the paper reports (here: inhibitory plasticity brings the excitatory rate down toward
the target rate). Copy the folder to ``models/NAME/``, rename, and replace each part.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from brian2 import Hz, ms, nS, pA, second

from cortexlearn.model import Check, Model, Parameter

PARAMETERS = (
    Parameter("n_excitatory", 400, "excitatory neurons", "Vogels et al. 2011 (8,000), scaled",
              quick=80, domain="integer>=1"),
    Parameter("connectivity", 0.1, "connection probability", "chosen: the paper's in-degree at this size",
              quick=0.2, domain="positive"),
    Parameter("target_rate", 3 * Hz, "rho_0 of the inhibitory rule", "Vogels et al. 2011", domain="positive"),
    Parameter("duration", 10 * second, "simulated time", "chosen: long enough for the rate to settle",
              quick=1 * second, domain="positive"),
)


def circuit(params):
    """The specification: populations, projections, the rule on I -> E."""
    from cortexlearn.neurons import lif_conductance
    from cortexlearn.rules import InhibitorySTDP
    from cortexlearn.specs import Circuit, Connectivity, Population, Projection

    n_e = int(params["n_excitatory"])
    start = {"v": "-60*mV + 10*mV*rand()", "I_ext": 200 * pA}
    pops = (Population("E", n_e, lif_conductance(), kind="E", initial=start),
            Population("I", n_e // 4, lif_conductance(), kind="I", initial=start))
    p = Connectivity.probability(float(params["connectivity"]))
    rule = InhibitorySTDP(tau=20 * ms, target_rate=params["target_rate"], learning_rate=1e-2,
                          w_max=100 * nS, scale=1 * nS)
    return Circuit("template", pops, [
        Projection("E", "E", p, 0.3 * nS), Projection("E", "I", p, 0.3 * nS),
        Projection("I", "I", p, 3 * nS), Projection("I", "E", p, 0 * nS, rule=rule)])


def simulate(ctx):
    from cortexlearn.build import build

    p = ctx.params
    ctx.seeds_used.append(ctx.seed)
    with ctx.simulation() as sim:
        built = build(circuit(p), record_spikes=("E",))
        info = sim.run(built.network, p["duration"])
        if not info.complete:
            ctx.mark_interrupted("the simulation stopped early")
        times = np.asarray(built.spike_monitors["E"].t[:] / second)
    duration = float(p["duration"] / second)
    edges = np.linspace(0, duration, 11)
    rate = np.histogram(times, edges)[0] / (np.diff(edges) * int(p["n_excitatory"]))
    ctx.record("rate", xr.DataArray(rate, dims=["time"], coords={"time": edges[:-1]},
                                    attrs={"units": "Hz", "time_units": "s (start of each bin)"}))
    return {"first_rate_hz": float(rate[0]), "last_rate_hz": float(rate[-1])}


def figure(data, metrics):
    from cortexlearn.plotting.style import figure as new_figure, style_context

    rate = data["rate"]
    with style_context():
        fig = new_figure("single", 2.0)
        ax = fig.add_subplot(111)
        ax.plot(np.asarray(rate["time"]), np.asarray(rate), marker="o", ms=2)
        ax.set(xlabel="time (s)", ylabel="E rate (Hz), 10 bins")
        fig.tight_layout()
    return fig


CHECKS = (
    Check("inhibitory plasticity lowers the excess rate", "last_rate_hz", "<",
          lambda metrics, params: metrics["first_rate_hz"], 0.0,
          "Vogels et al. 2011, Fig. 1: the rate falls toward rho_0"),
)

MODEL = Model(
    name="template",
    title="TITLE (AUTHOR YEAR)",
    reference="AUTHORS (YEAR) Journal volume:pages",
    parameters=PARAMETERS,
    simulate=simulate,
    checks=CHECKS,
    figure=figure,
    description=__doc__,
    default_target="cpp_standalone",
)
