"""Liao, Leibo & Poggio (2016): how important is weight symmetry in backpropagation?

Sign-concordant feedback (the feedback has the signs of the forward weights, unit magnitude)
against exact backprop, with batch normalisation; random-sign feedback as the control; the same
without batch normalisation; and "Batch Manhattan" (only the sign of each batch gradient, SGD with
momentum). MNIST-1D, 40-100-100-10, ReLU. NumPy reference (no Brian2).
"""

from __future__ import annotations

from cortexlearn.datasets import load_mnist1d
from cortexlearn.model import Check, Model, Parameter
from cortexlearn.reference.experiments import Variant, run_variants, summarise

RELU = (("activation", "relu"),)
BN = (("activation", "relu"), ("batch_norm", True))


def variants(manhattan_learning_rate):
    """The compared configurations; Batch Manhattan runs SGD (momentum 0.9) on gradient signs."""
    manhattan = (("optimizer", "sgd"), ("learning_rate", manhattan_learning_rate),
                 ("optimizer_options", {"momentum": 0.9, "manhattan": True}))
    return (
        Variant("BP + BN", "backprop", network=BN),
        Variant("sign-symmetry + BN", "sign_symmetry", network=BN),
        Variant("random sign + BN", "random_sign", network=BN),
        Variant("BP", "backprop", network=RELU),
        Variant("sign-symmetry", "sign_symmetry", network=RELU),
        Variant("sign-symmetry + BN + BM", "sign_symmetry", network=BN, training=manhattan),
    )


KEYS = {"BP + BN": "bp_bn", "sign-symmetry + BN": "ss_bn", "random sign + BN": "rs_bn", "BP": "bp",
        "sign-symmetry": "ss", "sign-symmetry + BN + BM": "ss_bn_bm"}

PARAMETERS = (
    Parameter("n_seeds", 5, "seeds per configuration", "chosen (every figure averages >= 5 seeds)", quick=2,
              domain="integer>=1"),
    Parameter("epochs", 40, "training epochs", "chosen to fit the run in ~10 min on 2 cores", quick=2,
              domain="integer>=1"),
    Parameter("learning_rate", 1e-2, "Adam step size (cosine decay to 0)", "as lillicrap_2016",
              domain="nonnegative"),
    Parameter("manhattan_learning_rate", 1e-3, "step size of the Batch Manhattan variant (SGD, momentum 0.9)",
              "chosen (README)", domain="nonnegative"),
    Parameter("weight_decay", 0.5, "decoupled weight decay", "as lillicrap_2016", domain="nonnegative"),
    Parameter("batch_size", 100, "mini-batch size", "mnist1d reference MLP (Greydanus 2020)",
    domain="integer>=1"),
)


def simulate(ctx):
    p = ctx.params
    seeds = list(range(ctx.seed, ctx.seed + p["n_seeds"]))
    ctx.seeds_used = list(seeds)
    options = dict(batch_size=p["batch_size"], learning_rate=p["learning_rate"], schedule="cosine",
                   weight_decay=p["weight_decay"])
    compared = variants(p["manhattan_learning_rate"])
    out = run_variants(load_mnist1d(), (40, 100, 100, 10), compared, seeds, p["epochs"],
                       progress=lambda j: ctx.progress(j, "variants"), **options)
    ctx.log.extend(out.pop("diverged"))
    for key in ("test_accuracy", "angle"):
        ctx.record(key, out[key])
    metrics = {}
    final = {v.label: out["test_accuracy"].sel(variant=v.label).isel(epoch=-1).values * 100 for v in compared}
    for label, values in final.items():
        metrics.update(summarise(values, f"{KEYS[label]}_test_accuracy"))
    angle = out["angle"].isel(epoch=-1)
    for label in final:
        metrics.update(summarise(angle.sel(variant=label, layer=1).values, f"{KEYS[label]}_angle_layer1_deg"))
    metrics.update(summarise(final["sign-symmetry + BN"] - final["BP + BN"], "ss_bn_minus_bp_bn"))
    metrics["abs_ss_bn_minus_bp_bn"] = abs(metrics["ss_bn_minus_bp_bn_mean"])
    metrics.update(summarise(final["random sign + BN"] - final["sign-symmetry + BN"], "rs_bn_minus_ss_bn"))
    metrics.update(summarise(final["sign-symmetry"] - final["sign-symmetry + BN"], "ss_without_bn_minus_with"))
    metrics["diverged_runs"] = float(len(ctx.log))
    return metrics


def figure(data, metrics):
    from cortexlearn.plotting.style import figure as new_figure, style_context
    from cortexlearn.reference.plots import plot_final_points, plot_variant_curves

    with style_context():
        fig = new_figure("single", 4.4, layout="constrained")
        axes = fig.subplots(3, 1, gridspec_kw={"height_ratios": [1, 1, 1.1]})
        acc = data["test_accuracy"]
        labels = list(acc.coords["variant"].values)
        plot_variant_curves(acc, axes[0], scale=100, ylabel="test accuracy (%)", variants=labels[:3])
        axes[0].set_title("a  with batch norm.", loc="left")
        axes[0].legend(fontsize=5, handlelength=1.2, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       borderaxespad=0)
        plot_variant_curves(data["angle"].sel(layer=1), axes[1], ylabel="angle to BP\ngradient (deg)",
                            variants=labels[1:3] + labels[4:])
        axes[1].set_title("b  layer-1 update", loc="left")
        axes[1].legend(fontsize=5, handlelength=1.2, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       borderaxespad=0)
        axes[1].sharex(axes[0])
        plot_final_points(labels, [acc.sel(variant=v).isel(epoch=-1).values for v in labels], axes[2],
                          scale=100, ylabel="final test\naccuracy (%)")
        axes[2].set_title("c  every variant, last epoch", loc="left")
    from cortexlearn.plotting.style import set_caption

    return set_caption(fig, (
        "Liao et al. 2016: NumPy rate networks on MNIST-1D. a, test accuracy per epoch with batch "
        "normalisation, mean over seeds with the 95 % confidence band; b, angle between each "
        "rule's update of the first hidden layer and the backprop gradient; c, final test "
        "accuracy of every variant (dots: seeds; bar: mean with its 95 % interval)."))


MODEL = Model(
    name="liao_2016",
    title="Sign-concordant feedback with batch normalisation",
    reference="Liao, Leibo & Poggio (2016) How important is weight symmetry in backpropagation? AAAI",
    parameters=PARAMETERS,
    simulate=simulate,
    figure=figure,
    default_target="numpy",
    description=__doc__,
    checks=(
        Check("sign-symmetry + BN within 3 points of BP + BN", "ss_bn_minus_bp_bn_mean", "abs", 0.0, 3.0,
              source="Liao et al. 2016, Table 1 (sign-symmetry with batch normalisation ≈ BP); "
              "3-point band chosen, fixed (no parameter widens it)"),
        Check("random-sign feedback worse than sign-symmetry (with BN)", "rs_bn_minus_ss_bn_mean", "<", 0.0,
              source="Liao et al. 2016, Table 1"),
    ),
)
