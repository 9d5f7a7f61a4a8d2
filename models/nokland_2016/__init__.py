"""Nøkland (2016): direct feedback alignment trains from zero initial weights and in deeper
networks.

On MNIST-1D with tanh units (as in the paper): (a) 40-100-100-10 networks whose weights all start
at zero, trained by BP (which then cannot move the hidden layers), FA and DFA, against readout-only
learning from a random start; (b) FA and DFA with 1, 3 and 5 hidden layers of 100 units, BP as the
reference. NumPy reference (no Brian2).
"""

from __future__ import annotations

from cortexlearn.datasets import load_mnist1d
from cortexlearn.model import Check, Model, Parameter
from cortexlearn.reference.experiments import Variant, run_variants, summarise

TANH = (("activation", "tanh"),)
ZERO = (("activation", "tanh"), ("init", "zero"))
ZERO_INIT = (Variant("BP, zero init", "backprop", network=ZERO),
             Variant("FA, zero init", "feedback_alignment", network=ZERO),
             Variant("DFA, zero init", "direct_feedback", network=ZERO),
             Variant("shallow", "shallow", network=TANH))
DEPTH_RULES = (Variant("BP", "backprop", network=TANH), Variant("FA", "feedback_alignment", network=TANH),
               Variant("DFA", "direct_feedback", network=TANH))

PARAMETERS = (
    Parameter("n_seeds", 5, "seeds per configuration", "chosen (every figure averages >= 5 seeds)", quick=2,
              domain="integer>=1"),
    Parameter("epochs", 40, "training epochs", "chosen (README: at 15 epochs two checks fail on the bound over seeds, at 40 all pass)", quick=2,
              domain="integer>=1"),
    Parameter("depths", "1,3,5", "numbers of hidden layers compared", "Nøkland 2016, Table 1 (deeper networks)", quick="1,2"),
    Parameter("learning_rate", 3e-3, "Adam step size (cosine decay to 0)", "chosen (README)",
              domain="nonnegative"),
    Parameter("weight_decay", 0.0, "decoupled weight decay", "none: it would pull zero-init weights back",
              domain="nonnegative"),
    Parameter("batch_size", 100, "mini-batch size", "mnist1d reference MLP (Greydanus 2020)",
              domain="integer>=1"),
)


def _final(da, label):
    return da.sel(variant=label).isel(epoch=-1).values * 100


def simulate(ctx):
    p = ctx.params
    seeds = list(range(ctx.seed, ctx.seed + p["n_seeds"]))
    ctx.seeds_used = list(seeds)
    options = dict(batch_size=p["batch_size"], learning_rate=p["learning_rate"], schedule="cosine",
                   weight_decay=p["weight_decay"], diagnostics=False)
    data = load_mnist1d()
    metrics, log = {}, []
    out = run_variants(data, (40, 100, 100, 10), ZERO_INIT, seeds, p["epochs"],
                       progress=lambda j: ctx.progress(j, "zero init"), **options)
    log += out.pop("diverged")
    ctx.record("zero_init_test_accuracy", out["test_accuracy"])
    shallow = _final(out["test_accuracy"], "shallow")
    for v in ZERO_INIT:
        tag = v.label.split(",")[0].lower()
        values = _final(out["test_accuracy"], v.label)
        if v.rule == "shallow":
            metrics.update(summarise(values, "shallow_test_accuracy"))
        else:
            metrics.update(summarise(values, f"{tag}_zero_init_test_accuracy"))
            metrics.update(summarise(values - shallow, f"{tag}_zero_init_minus_shallow"))
    depths = [int(d) for d in str(p["depths"]).split(",") if d.strip()]
    finals = {}
    for depth in depths:
        sizes = (40,) + (100,) * depth + (10,)
        out = run_variants(data, sizes, DEPTH_RULES, seeds, p["epochs"],
                           progress=lambda j: ctx.progress(j, f"{depth} hidden"), **options)
        log += out.pop("diverged")
        ctx.record(f"depth{depth}_test_accuracy", out["test_accuracy"])
        for v in DEPTH_RULES:
            finals[v.label, depth] = values = _final(out["test_accuracy"], v.label)
            metrics.update(summarise(values, f"{v.label.lower()}_depth{depth}_test_accuracy"))
            metrics.update(summarise(values - shallow, f"{v.label.lower()}_depth{depth}_minus_shallow"))
        metrics.update(summarise(finals["DFA", depth] - finals["FA", depth], f"dfa_minus_fa_depth{depth}"))
    low, high = min(depths), max(depths)
    for rule in ("FA", "DFA"):
        metrics.update(summarise(finals[rule, high] - finals[rule, low], f"{rule.lower()}_depth{high}_minus_depth{low}"))
    metrics["deepest"] = float(high)
    ctx.log.extend(log)
    metrics["diverged_runs"] = float(len(log))
    return metrics


def figure(data, metrics):
    import numpy as np

    from cortexlearn.plotting.style import figure as new_figure, style_context
    from cortexlearn.reference.plots import color, plot_variant_curves

    with style_context():
        fig = new_figure("single", 3.4, layout="constrained")
        grid = fig.add_gridspec(2, 2)
        axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])]
        plot_variant_curves(data["zero_init_test_accuracy"], axes[0], scale=100, ylabel="test accuracy (%)")
        axes[0].set_title("a  zero initial weights", loc="left")
        axes[0].legend(fontsize=5, handlelength=1.2)
        keys = sorted((k for k in data if k.startswith("depth")), key=lambda k: int(k[5:].split("_")[0]))
        depths = [int(k[5:].split("_")[0]) for k in keys]
        deepest = keys[-1]
        plot_variant_curves(data[deepest], axes[1], scale=100, ylabel="test accuracy (%)")
        axes[1].set_title(f"b  {depths[-1]} hidden layers", loc="left")
        axes[1].legend(fontsize=5, handlelength=1.2)
        ax = axes[2]
        for i, rule in enumerate(data[keys[0]].coords["variant"].values):
            finals = np.array([data[k].sel(variant=rule).isel(epoch=-1).values * 100 for k in keys])
            mean = np.nanmean(finals, axis=1)
            ax.plot(depths, mean, "o-", color=color(i), label=str(rule))
            for d, row in zip(depths, finals):
                ax.plot(np.full(len(row), d), row, ".", color=color(i), ms=2)
        ax.set_xticks(depths)
        ax.set_xlabel("hidden layers")
        ax.set_ylabel("final test\naccuracy (%)")
        ax.set_title("c  depth", loc="left")
        ax.legend(fontsize=5, handlelength=1.2, ncol=2)
        lo = min(a.get_ylim()[0] for a in axes)  # three accuracy panels: one scale
        hi = max(a.get_ylim()[1] for a in axes)
        for a in axes:
            a.set_ylim(lo, hi)
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Nøkland 2016: NumPy rate networks on MNIST-1D, test accuracy per epoch, mean over seeds with "
        "the 95 % confidence band. a, every weight starts at zero (the shallow readout from a random "
        "start); b, the deepest network; c, final accuracy against the number of hidden "
        "layers (line: mean; dots: seeds). All panels share the accuracy axis."))


MODEL = Model(
    name="nokland_2016",
    title="Direct feedback alignment: zero initial weights and deeper networks",
    reference="Nøkland (2016) Direct feedback alignment provides learning in deep neural networks, NeurIPS",
    parameters=PARAMETERS,
    simulate=simulate,
    figure=figure,
    default_target="numpy",
    description=__doc__,
    checks=(
        Check("DFA trains from zero initial weights (>= shallow + 8 points)", "dfa_zero_init_minus_shallow_mean",
              ">=", 8.0, source="Nøkland 2016, §3 (training from zero weights); 8-point margin as lillicrap_2016"),
        Check("DFA trains with the deepest network (>= shallow + 8 points)", "dfa_depth5_minus_shallow_mean",
              ">=", 8.0, source="Nøkland 2016, Table 1 (DFA with several hidden layers); margin as above"),
        Check("DFA beats FA at the deepest network", "dfa_minus_fa_depth5_mean", ">", 0.0,
              source="Nøkland 2016, Table 1 (DFA where FA degrades)"),
        Check("FA degrades from 1 to 5 hidden layers", "fa_depth5_minus_depth1_mean", "<", 0.0,
              source="Nøkland 2016, Table 1"),
    ),
)
