"""One publication style for every figure.

Journal column widths (89 mm single, 183 mm double), 5–7 pt fonts, TrueType (Type 42) fonts in
PDF and PostScript so that no Type 3 font is embedded, and the colour-blind-safe palette of
Wong (2011, Nature Methods 8:441).
"""

from __future__ import annotations

import contextlib

import matplotlib as mpl

__all__ = ["apply", "style_context", "figure", "mark_quick", "QUICK_MARK", "plain_log_ticks", "wrap_titles", "set_caption", "get_caption", "MM", "SINGLE_COLUMN", "DOUBLE_COLUMN", "PALETTE", "rc"]

MM = 1 / 25.4
SINGLE_COLUMN = 89 * MM
DOUBLE_COLUMN = 183 * MM

#: Wong (2011) colour-blind-safe palette: black, orange, sky blue, bluish green, yellow, blue,
#: vermillion, reddish purple.
PALETTE = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Conventional colours for excitatory and inhibitory populations.
EXCITATORY = "#D55E00"
INHIBITORY = "#0072B2"

rc = {
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "figure.titlesize": 7,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.0,
    "lines.markersize": 3,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE[1:]) + [PALETTE[0]]),
    "legend.frameon": False,
    "figure.dpi": 150,
    "savefig.dpi": 300,
    "savefig.bbox": "standard",
}


def apply() -> None:
    """Apply the style globally (for scripts); prefer :func:`style_context` in library code."""
    mpl.rcParams.update(rc)


@contextlib.contextmanager
def style_context():
    """A context in which the style is active; the caller's settings come back afterwards."""
    with mpl.rc_context(rc):
        yield


def figure(width: str | float = "double", height: float | None = None, **kwargs):
    """A new figure of a journal width.

    The style is applied to the figure's creation; draw inside :func:`style_context` to keep
    the fonts for later artists too.

    Parameters
    ----------
    width : {"single", "double"} or float, optional
        ``"single"`` 89 mm, ``"double"`` 183 mm, or inches.
    height : float, optional
        Inches; default 0.6 of the width.
    **kwargs
        Passed to ``matplotlib.pyplot.figure``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    w = {"single": SINGLE_COLUMN, "double": DOUBLE_COLUMN}.get(width, width)
    h = height if height is not None else w * 0.6
    with mpl.rc_context(rc):
        return plt.figure(figsize=(w, h), **kwargs)


def plain_log_ticks(ax, which: str = "both"):
    """Label a logarithmic axis at 1, 2 and 5 per decade in plain numbers (0.2, 1, 50).

    Call it after the data are drawn: an axis spanning less than a factor of 5 gets labels at
    1, 1.5, 2, 3, 5 and 7 per decade instead.

    Matplotlib labels minor decades in scientific notation when a log axis spans less than a
    decade or two; at single-column width those labels (``2×10⁻¹``) run into each other.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    which : {"x", "y", "both"}
        The logarithmic axes to relabel.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for name in ("x", "y") if which == "both" else (which,):
        axis = ax.xaxis if name == "x" else ax.yaxis
        if axis.get_scale() != "log":
            continue
        lo, hi = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())
        narrow = lo > 0 and hi / lo < 5  # under a factor of 5, 1-2-5 leaves one label or none
        subs = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0) if narrow else (1.0, 2.0, 5.0)
        axis.set_major_locator(LogLocator(base=10, subs=subs))
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    return ax


def wrap_titles(fig, fontsize: float | None = None, share: float = 0.8):
    """Break every axes title that is wider than its panel into lines that fit.

    The panel's width is estimated from its place in the grid (columns it spans over columns in
    the grid, times the figure's width, times ``share`` for the axis labels); a character is taken
    as 0.55 of the font size wide. Constrained layout then makes room for the extra lines.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    fontsize : float, optional
        Also set every title to this size (points).
    share : float, optional
        Fraction of a grid cell that the plotting area takes.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.
    """
    import textwrap

    width_pt = fig.get_figwidth() * 72
    for ax in fig.get_axes():
        spec = ax.get_subplotspec()
        if spec is None:
            continue
        cols = spec.colspan
        n_cols = spec.get_gridspec().ncols
        outer = spec.get_gridspec()
        frac = len(cols) / n_cols
        parent = getattr(outer, "_subplot_spec", None)  # a nested grid: its share of the parent
        while parent is not None:
            frac *= len(parent.colspan) / parent.get_gridspec().ncols
            parent = getattr(parent.get_gridspec(), "_subplot_spec", None)
        for loc in ("left", "center", "right"):
            title = ax.get_title(loc=loc)
            if not title:
                continue
            artist = {"left": ax._left_title, "center": ax.title, "right": ax._right_title}[loc]
            size = fontsize or artist.get_fontsize()
            chars = max(8, int(frac * width_pt * share / (0.55 * size)))
            lines = [textwrap.fill(line, chars) for line in title.split("\n")]
            ax.set_title("\n".join(lines), loc=loc, fontsize=size)
    return fig


#: Text stamped on figures of ``--quick`` smoke runs.
QUICK_MARK = "quick run \u2014 not judged"


def mark_quick(fig, text: str = QUICK_MARK):
    """Stamp a smoke-run figure so it cannot be mistaken for a reproduction.

    A translucent diagonal watermark across the middle of the figure (over the data, never hiding
    it): quick runs use shrunken sizes and durations, so their panels need not look like the
    paper's.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    text : str
        The mark (default :data:`QUICK_MARK`).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``, marked.
    """
    width_in = fig.get_size_inches()[0]
    fig.text(0.5, 0.5, text, transform=fig.transFigure, ha="center", va="center", rotation=25,
             fontsize=max(9.0, 2.8 * width_in), color="#D55E00", alpha=0.35, zorder=1000,
             fontweight="bold", gid="quick-mark")
    return fig


def set_caption(fig, text: str):
    """Attach a caption (what is shown: neurons, bins, windows, seeds) to a figure.

    The caption is not drawn; :func:`cortexlearn.run` saves it as ``figure.txt`` beside
    ``figure.pdf``/``.png``, one paragraph a reader can paste under the figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    text : str
        The caption; runs of white space become one space.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.
    """
    fig._cortexlearn_caption = " ".join(str(text).split())
    return fig


def get_caption(fig) -> str | None:
    """The caption set with :func:`set_caption`, or None.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str or None
    """
    return getattr(fig, "_cortexlearn_caption", None)
