"""Every model's figure is legible at journal single-column width (89 mm).

Each figure is drawn from stored results of the model's ``--quick`` run (``tests/data/figures``,
see ``tests/figure_fixtures.py``) and measured by
:func:`cortexlearn.plotting.legibility.legibility_problems`: at most 89 mm wide, no text under
5 pt, no overlapping texts or panels, nothing off the page; and it says what it shows (a caption).
The measure itself is tested on figures that break each rule, so that a pass means something.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import figure_fixtures  # noqa: E402
from cortexlearn.plotting.legibility import legibility_problems  # noqa: E402
from cortexlearn.plotting.style import (DOUBLE_COLUMN, SINGLE_COLUMN, figure, get_caption,  # noqa: E402
                                        mark_quick, style_context)


def _with_figures():
    from cortexlearn.registry import get_model, list_models

    return [name for name in list_models() if get_model(name).figure is not None]


def test_every_model_with_a_figure_has_stored_results():
    missing = sorted(set(_with_figures()) - set(figure_fixtures.models()))
    assert not missing, f"no stored results to draw these figures from (see tests/figure_fixtures.py): {missing}"


@pytest.mark.parametrize("name", figure_fixtures.models())
def test_model_figure_is_legible_at_89_mm(name):
    from cortexlearn.registry import get_model

    data, metrics = figure_fixtures.unpack(f"{figure_fixtures.HERE}/{name}.npz")
    with style_context():
        fig = mark_quick(get_model(name).figure(data, metrics))
    try:
        problems = legibility_problems(fig)
        assert not problems, f"{name}: " + "; ".join(problems[:10])
        caption = get_caption(fig)
        assert caption and len(caption) > 80, f"{name}: no caption says what the figure shows"
    finally:
        plt.close(fig)


# ---- the measure can fail -------------------------------------------------------------------


def _panel_pair(width, height=2.0):
    with style_context():
        fig = figure(width, height=height, layout="constrained")
        axes = fig.subplots(1, 2)
        for ax in axes:
            ax.plot(np.arange(10), np.arange(10) ** 2)
            ax.set_xlabel("time (ms)")
            ax.set_ylabel("rate (Hz)")
    return fig


def test_a_clean_single_column_figure_passes():
    fig = _panel_pair("single")
    assert legibility_problems(fig) == []
    plt.close(fig)


def test_a_double_column_figure_is_too_wide():
    fig = _panel_pair("double")
    assert any("mm wide" in p for p in legibility_problems(fig))
    assert fig.get_figwidth() == pytest.approx(DOUBLE_COLUMN)
    plt.close(fig)


def test_a_figure_taller_than_a_page_allows_is_found():
    fig = _panel_pair("single")
    fig.set_figheight(180 / 25.4)
    assert any("mm tall" in p for p in legibility_problems(fig))
    plt.close(fig)


def test_small_text_is_found():
    fig = _panel_pair("single")
    fig.get_axes()[0].set_title("tiny", fontsize=4)
    problems = legibility_problems(fig)
    assert any("'tiny' is 4 pt" in p for p in problems), problems
    plt.close(fig)


def test_crowded_tick_labels_are_found():
    with style_context():
        fig = figure("single", height=1.5)
        ax = fig.add_subplot(111)
        ax.plot(np.arange(40), np.arange(40))
        ax.set_xticks(np.arange(40), [f"label {k}" for k in range(40)])
    problems = legibility_problems(fig)
    assert any(p.startswith("texts overlap: 'label") for p in problems), problems
    plt.close(fig)


def test_a_label_on_another_panel_and_overlapping_panels_are_found():
    with style_context():
        fig = figure("single", height=2.0)
        left = fig.add_axes([0.1, 0.2, 0.45, 0.7])
        right = fig.add_axes([0.5, 0.2, 0.45, 0.7])  # overlaps the left one
        right.set_ylabel("a long label on the left panel")
        left.plot([0, 1])
        right.plot([0, 1])
    problems = legibility_problems(fig)
    assert any(p.startswith("panels overlap") for p in problems), problems
    assert any("lies on another panel" in p for p in problems), problems
    plt.close(fig)


def test_text_off_the_page_is_found_and_the_quick_mark_is_not_judged():
    fig = _panel_pair("single")
    fig.text(0.95, 0.5, "a note that runs off the right edge")
    mark_quick(fig)  # laid over the panels on purpose
    problems = legibility_problems(fig)
    assert any("leaves the figure" in p for p in problems), problems
    assert not any("quick run" in p for p in problems), problems
    assert fig.get_figwidth() == pytest.approx(SINGLE_COLUMN)
    plt.close(fig)
