"""The publication style (cortexlearn.plotting.style) and the seed-ensemble plots.

Sizes: 89 mm single / 183 mm double column (Nature's figure guide); fonts 5–7 pt; no Type 3
font in a saved PDF (journals reject them; ``pdf.fonttype = 42`` embeds TrueType instead);
the Wong (2011, Nat. Methods 8:441) colour-blind-safe palette.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from cortexlearn.plotting import style  # noqa: E402
from cortexlearn.plotting.ensemble import (ensemble_summary, plot_ensemble,  # noqa: E402
                                           plot_ensemble_points, plot_sweep)

WONG = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
PT_PER_MM = 72 / 25.4


def _busy_figure(width):
    """A figure with every kind of text: title, labels, ticks, legend, mathtext, annotation."""
    with style.style_context():
        fig = style.figure(width, height=2.0)
        ax = fig.add_subplot(1, 2, 1)
        for k in range(3):
            ax.plot(np.arange(5), np.arange(5) * k, label=f"line {k}")
        ax.set_title(r"rate $\nu/\nu_{thr}$")
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("rate (Hz)")
        ax.legend()
        ax.text(0.5, 0.5, "note", transform=ax.transAxes)
        ax2 = fig.add_subplot(1, 2, 2)
        plot_ensemble(np.arange(4), np.random.default_rng(0).random((3, 4)), ax=ax2, label="ensemble")
        fig.suptitle("Figure")
    return fig


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]


def _pdf_bytes(fig, path):
    with style.style_context():
        fig.savefig(path)
    return path.read_bytes()


@pytest.mark.parametrize("width, mm", [("single", 89), ("double", 183)])
def test_figure_widths(width, mm, tmp_path):
    fig = _busy_figure(width)
    assert fig.get_figwidth() * 25.4 == pytest.approx(mm)
    data = _pdf_bytes(fig, tmp_path / "f.pdf")
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", data)
    assert box is not None
    assert float(box.group(1)) == pytest.approx(mm * PT_PER_MM, abs=0.5)  # the saved page keeps the width
    plt.close(fig)


def test_font_sizes_between_5_and_7_pt():
    fig = _busy_figure("single")
    fig.canvas.draw()  # tick labels exist once drawn
    sizes = {t.get_text(): t.get_fontsize() for t in _texts(fig)}
    assert len(sizes) > 8
    assert all(5 <= s <= 7 for s in sizes.values()), sizes
    plt.close(fig)


def test_no_type3_font_in_pdf(tmp_path):
    fig = _busy_figure("double")
    data = _pdf_bytes(fig, tmp_path / "f.pdf")
    assert b"/Type3" not in data
    assert b"/TrueType" in data or b"/CIDFontType2" in data  # Type 42 fonts are embedded as TrueType
    plt.close(fig)


def test_palette_and_context_restore():
    assert set(style.PALETTE) == WONG
    cycle = [c.upper() for c in style.rc["axes.prop_cycle"].by_key()["color"]]
    assert set(cycle) <= WONG and len(set(cycle)) == len(cycle)
    before = dict(matplotlib.rcParams)
    with style.style_context():
        assert matplotlib.rcParams["pdf.fonttype"] == 42
    assert matplotlib.rcParams["font.size"] == before["font.size"]
    assert matplotlib.rcParams["pdf.fonttype"] == before["pdf.fonttype"]


# ------------------------------------------------------------------------------ ensembles
def test_ensemble_summary_against_hand_computed_interval():
    values = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0], [5.0, 10.0]])
    mean, low, high = ensemble_summary(values)
    # Student's t, 4 degrees of freedom, two-sided 95 %: 2.776445 (any statistics table)
    half = 2.776445 * values.std(axis=0, ddof=1) / np.sqrt(5)
    np.testing.assert_allclose(mean, [3.0, 6.0])
    np.testing.assert_allclose(high - mean, half, rtol=1e-6)
    np.testing.assert_allclose(mean - low, half, rtol=1e-6)
    _, low_p, high_p = ensemble_summary(values, method="percentile", confidence=0.5)
    np.testing.assert_allclose(low_p, [2.0, 4.0])
    np.testing.assert_allclose(high_p, [4.0, 8.0])
    _, low_s, high_s = ensemble_summary(values, method="sd")
    np.testing.assert_allclose(high_s - low_s, 2 * values.std(axis=0, ddof=1))
    one = ensemble_summary(values[:1])
    np.testing.assert_allclose(one[1], one[0])
    np.testing.assert_allclose(one[2], one[0])
    with_nan = values.copy()
    with_nan[0, 0] = np.nan
    assert ensemble_summary(with_nan)[0][0] == pytest.approx(3.5)
    with pytest.raises(ValueError):
        ensemble_summary(values, confidence=1.5)


def test_plot_ensemble_draws_mean_and_band():
    x = np.arange(4.0)
    values = np.array([[0, 1, 2, 3], [2, 3, 4, 5.0]])
    fig, ax = plt.subplots()
    assert plot_ensemble(x, values, ax=ax, label="a") is ax
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 2, 3, 4])
    band = ax.collections[0].get_paths()[0].vertices
    mean, low, high = ensemble_summary(values)
    assert band[:, 1].min() == pytest.approx(low.min()) and band[:, 1].max() == pytest.approx(high.max())
    with pytest.raises(ValueError):
        plot_ensemble(np.arange(3), values, ax=ax)
    assert plot_ensemble_points(["a", "b", "c", "d"], values, ax=ax) is ax
    plt.close(fig)


def test_plot_sweep_from_a_sweep_dataset():
    rng = np.random.default_rng(1)
    ds = xr.Dataset({"accuracy": (("g", "rate", "seed"), rng.random((2, 3, 4)))},
                    coords={"g": [4.0, 5.0], "rate": [10.0, 20.0, 30.0], "seed": [0, 1, 2, 3]})
    ds["rate"].attrs["units"] = "Hz"
    fig, ax = plt.subplots()
    assert plot_sweep(ds, "accuracy", x="rate", hue="g", ax=ax) is ax
    assert len(ax.lines) == 2 and ax.get_xlabel() == "rate (Hz)"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), ds["accuracy"].sel(g=5.0).mean("seed").values)
    with pytest.raises(ValueError, match="besides"):
        plot_sweep(ds, "accuracy", x="rate", ax=ax)
    plt.close(fig)


def test_figure_saved_by_the_runner_embeds_no_type3_font(tmp_path):
    from types import SimpleNamespace

    from cortexlearn.runner import _save_figure

    model = SimpleNamespace(figure=lambda data, metrics: _busy_figure("single"))
    with matplotlib.rc_context({"pdf.fonttype": 3}):  # a session that never applied the style
        _save_figure(model, {}, {}, str(tmp_path))
    assert b"/Type3" not in (tmp_path / "figure.pdf").read_bytes()
