"""Werbos' error critic in the rate reference: truncated BPTT on the copy task, alone and with a
critic at the truncation boundary that predicts the gradient still to come.

Three learners share one LSTM, one curriculum and one truncation ``T``:

- truncated BPTT alone (no credit crosses a boundary);
- a critic trained on the next chunk's true gradient only (``discount = 0``);
- a critic that also bootstraps from its own later prediction (``discount > 0``): Werbos' costate
  target, ``g_k = dL_k/ds_k + discount * J_k^T g_{k+1}``, learned like a value function.

It shares its code with the synthetic-gradient reference (``jaderberg_2016``). NumPy (no Brian2).
"""

from __future__ import annotations

from cortexlearn.model import Check, Model, Parameter
from cortexlearn.reference.experiments import run_copy_variants, summarise
from cortexlearn.reference.rnn import CopyConfig

PARAMETERS = (
    Parameter("n_seeds", 2, "seeds per learner", "chosen (>= 2 seeds; each copy-task run takes minutes)", quick=1,
              domain="integer>=1"),
    Parameter("steps", 6000, "training batches per run",
              "streamed T=3 runs: the critics solved length 3 by batch 2500-3400 (README); ~10 min", quick=60,
              domain="integer>=1"),
    Parameter("truncation", 3, "truncation length T", "Jaderberg et al. 2016, Table 1 (T = 3)",
              domain="integer>=1"),
    Parameter("discount", 0.5, "discount of the bootstrapped target", "chosen (a pilot run: 0.5 worked, >= 0.9 diverged)",
              domain="[0, 1)"),
    Parameter("critic_learning_rate", 3e-4, "Adam step size of the critic", "as jaderberg_2016 (README)",
              domain="nonnegative"),
    Parameter("stream", True, "train on a continuous stream, the state carried across sequences and batches",
              "Jaderberg et al. 2016, §3.2; with a reset per batch TBPTT copies 2-3 symbols for free (README)"),
    Parameter("critic_input", "h,tanh(c)", "what the critic reads", "README: with (h, c) on a stream "
              "the critic drove the cell state to |c| ~ 100-1000 and was reset hundreds of times",
              choices=("h,c", "h,tanh(c)", "h")),
)
KEYS = ("tbptt", "critic_no_bootstrap", "critic_bootstrap")


def simulate(ctx):
    p = ctx.params
    common = dict(truncation=p["truncation"], steps=p["steps"], critic_learning_rate=p["critic_learning_rate"],
                  stream=p["stream"], critic_input=p["critic_input"])
    configs = {
        "TBPTT": CopyConfig(**common),
        "critic, no bootstrap": CopyConfig(synthetic=True, discount=0.0, **common),
        f"critic, bootstrap {p['discount']:g}": CopyConfig(synthetic=True, discount=p["discount"], **common),
    }
    seeds = list(range(ctx.seed, ctx.seed + p["n_seeds"]))
    ctx.seeds_used = list(seeds)
    out = run_copy_variants(configs, seeds, progress=lambda j: ctx.progress(j, "copy task"))
    ctx.log.extend(out.pop("diverged"))
    for key, value in out.items():
        ctx.record(key, value)
    metrics = {}
    solved = {}
    for label, key in zip(configs, KEYS):
        solved[key] = out["solved_length"].sel(variant=label).values
        metrics.update(summarise(solved[key], f"{key}_solved"))
        metrics[f"{key}_guard_resets"] = float(out["guard_resets"].sel(variant=label).sum())
    metrics.update(summarise(solved["critic_bootstrap"] - solved["tbptt"], "bootstrap_minus_tbptt"))
    metrics.update(summarise(solved["critic_bootstrap"] - solved["critic_no_bootstrap"], "bootstrap_minus_no_bootstrap"))
    metrics["diverged_runs"] = float(len(ctx.log))
    return metrics


def figure(data, metrics):
    from cortexlearn.plotting.style import figure as new_figure, style_context
    from cortexlearn.reference.plots import color, plot_band, plot_final_points

    with style_context():
        fig = new_figure("single", 3.4, layout="constrained")
        grid = fig.add_gridspec(2, 2)
        axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, :]), fig.add_subplot(grid[0, 1])]
        length, bits = data["length"], data["bits"]
        labels = list(length.coords["variant"].values)
        for i, label in enumerate(labels):
            plot_band(length.coords["batch"].values, length.sel(variant=label).values, ax=axes[0],
                      label=str(label), color=color(i), interval="range")
            plot_band(bits.coords["batch"].values, bits.sel(variant=label).values, ax=axes[1],
                      label=str(label), color=color(i), lw=0.5, interval="range")
        axes[0].set_xlabel("batch")
        axes[0].set_ylabel("copy length in training")
        axes[0].set_title("a  curriculum", loc="left")
        axes[1].set_xlabel("batch")
        axes[1].set_ylabel("error (bits per symbol)")
        axes[1].axhline(0.15, color="0.6", lw=0.6, ls="--")
        axes[1].set_title("c  error", loc="left")
        axes[1].legend(fontsize=5, handlelength=1.2)
        solved = data["solved_length"]
        plot_final_points(labels, [solved.sel(variant=v).values for v in labels], axes[2],
                          ylabel="longest sequence solved", interval="range")
        axes[2].set_title("b  solved", loc="left")
        lo = min(axes[0].get_ylim()[0], axes[2].get_ylim()[0])  # lengths: one scale
        hi = max(axes[0].get_ylim()[1], axes[2].get_ylim()[1])
        for a in (axes[0], axes[2]):
            a.set_ylim(lo, hi)
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Werbos 1992 error critic on the copy task (NumPy LSTM): a, copy length reached in the "
        "curriculum per training batch; c, error in bits per symbol (dashed: 0.15, 'solved'); "
        "both mean over seeds with their range, for truncated BPTT alone and with a boundary critic "
        "(bootstrapped or not). b, the longest sequence solved (dots: seeds; bar: mean and "
        "range). a and b share the length axis."))


MODEL = Model(
    name="werbos_error_critic",
    title="The error critic: truncated BPTT with and without a bootstrapped boundary critic",
    reference="Werbos (1992) Approximate dynamic programming for real-time control and neural modeling; "
              "Jaderberg et al. (2017) ICML (synthetic gradients)",
    parameters=PARAMETERS,
    simulate=simulate,
    figure=figure,
    default_target="numpy",
    description=__doc__,
    checks=(
        Check("the bootstrapped critic solves longer sequences than TBPTT alone", "bootstrap_minus_tbptt_mean",
              ">", 0.0, source="Werbos 1992; Jaderberg et al. 2017 (copy task with a bootstrapped synthetic gradient)"),
    ),
)
