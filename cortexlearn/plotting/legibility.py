"""Is a figure legible at journal column width? Width, font sizes and overlaps, measured.

Nature's figure guide asks for figures drawn at their printed size, 89 mm wide for one column
(183 mm for two) and at most 170 mm tall (room for the legend below), with text of 5–7 pt at that
size. A figure drawn at that size can still be
illegible when tick labels run into each other, a title sits on a neighbouring panel or text falls
off the page; :func:`legibility_problems` measures all of these on the rendered figure.
"""

from __future__ import annotations

import numpy as np

__all__ = ["legibility_problems", "MIN_FONT_PT"]

#: Smallest font size (points, at the printed size) that stays legible (Nature's figure guide: 5 pt).
MIN_FONT_PT = 5.0

#: Marks laid over the data on purpose (the quick-run watermark); not judged for overlaps.
_OVERLAYS = ("quick-mark",)


def _hidden_tick_labels(fig):
    """Tick and axis labels that exist but are not drawn (their tick lies outside the view, or
    their axes are switched off)."""
    hidden = set()
    for ax in fig.get_axes():
        for axis in ax._axis_map.values():
            if not ax.axison or not ax.get_visible():
                hidden.update(id(t) for t in axis.findobj(lambda a: hasattr(a, "get_text")))
                continue
            drawn = {id(tick) for tick in axis._update_ticks()}
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if id(tick) not in drawn:
                    hidden.update((id(tick.label1), id(tick.label2)))
    return hidden


def _texts(fig):
    import matplotlib.text

    hidden = _hidden_tick_labels(fig)
    out = []
    for t in fig.findobj(matplotlib.text.Text):
        if not t.get_visible() or not t.get_text().strip() or t.get_gid() in _OVERLAYS:
            continue
        if t.get_alpha() == 0 or id(t) in hidden:
            continue
        out.append(t)
    return out


def _shrunk(box, px):
    """``box`` made smaller by ``px`` on every side (touching boxes are not overlapping)."""
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(box.x0 + px, box.y0 + px, box.x1 - px, box.y1 - px)


def _overlap(a, b, px):
    a, b = _shrunk(a, px), _shrunk(b, px)
    return a.width > 0 and a.height > 0 and b.width > 0 and b.height > 0 and a.overlaps(b)


def _outline(t, box, renderer, px):
    """Corners of the rectangle a text covers: its box, or for slanted text the turned rectangle
    (a slanted label's upright box is much larger than the label, so neighbours would seem to
    overlap)."""
    angle = np.deg2rad(t.get_rotation())
    if np.isclose(np.sin(2 * angle), 0) or "\n" in t.get_text():
        corners = [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
        return np.array(corners) + np.array([[px, px], [-px, px], [-px, -px], [px, -px]])
    text, ismath = t._preprocess_math(t.get_text())
    w, h, _ = renderer.get_text_width_height_descent(text, t.get_fontproperties(), ismath=ismath)
    w, h = w - 2 * px, h - 2 * px  # pixels
    centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
    u, v = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
    return np.array([centre + su * w / 2 * u + sv * h / 2 * v for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1))])


def _polygons_overlap(p, q):
    """Separating-axis test for two convex quadrilaterals."""
    for poly in (p, q):
        for k in range(4):
            edge = poly[(k + 1) % 4] - poly[k]
            normal = np.array([-edge[1], edge[0]])
            a, b = p @ normal, q @ normal
            if a.max() <= b.min() or b.max() <= a.min():
                return False
    return True


def _inside(a, b):
    """Whether box ``a`` lies wholly inside box ``b``."""
    return a.x0 >= b.x0 and a.x1 <= b.x1 and a.y0 >= b.y0 and a.y1 <= b.y1


def _label(t):
    s = " ".join(t.get_text().split())
    return s if len(s) <= 40 else s[:37] + "..."


def _owners(fig):
    """The axes each text belongs to (tick and axis labels, titles, legends in an axes), by id."""
    import matplotlib.text

    owners = {}
    for ax in fig.get_axes():
        for t in ax.findobj(matplotlib.text.Text):
            owners.setdefault(id(t), ax)
    return owners


def _main_axes(fig):
    """Axes drawn as panels: visible, with an area, not an inset placed inside another panel."""
    axes = [ax for ax in fig.get_axes() if ax.get_visible() and ax.axison]
    return axes


def legibility_problems(fig, max_width_mm: float = 89.0, tolerance_mm: float = 0.5,
                        min_font_pt: float = MIN_FONT_PT, overlap_px: float = 0.5,
                        max_height_mm: float = 170.0) -> list[str]:
    """Everything that makes ``fig`` illegible at ``max_width_mm``.

    The figure is drawn (at 100 dpi) and its artists measured:

    - the figure is at most ``max_width_mm`` (+ ``tolerance_mm``) wide and ``max_height_mm``
      (+ ``tolerance_mm``) tall;
    - every visible text is at least ``min_font_pt`` tall;
    - no two texts overlap (tick labels, axis labels, titles, legends, annotations), except the
      quick-run watermark, which is laid over the figure on purpose;
    - no text of one panel lies on another panel's plotting area;
    - no two panels' plotting areas overlap (twinned axes share one area; an inset lies wholly
      inside its panel);
    - no text leaves the figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, at the size it is saved at.
    max_width_mm : float, optional
        Column width (89 mm: one column of Nature's layout).
    tolerance_mm : float, optional
        Allowance on the width and the height.
    min_font_pt : float, optional
        Smallest legible font size in points.
    overlap_px : float, optional
        Boxes are shrunk by this many pixels (at 100 dpi) before comparing, so that texts that only
        touch do not count.
    max_height_mm : float, optional
        Tallest figure (170 mm: Nature's limit, which leaves room for the legend on the page).

    Returns
    -------
    list of str
        One line per problem; empty when the figure is legible.
    """
    problems = []
    width_mm = fig.get_figwidth() * 25.4
    if width_mm > max_width_mm + tolerance_mm:
        problems.append(f"figure is {width_mm:.1f} mm wide (> {max_width_mm:g} mm)")
    height_mm = fig.get_figheight() * 25.4
    if height_mm > max_height_mm + tolerance_mm:
        problems.append(f"figure is {height_mm:.1f} mm tall (> {max_height_mm:g} mm)")
    dpi = fig.dpi
    fig.set_dpi(100)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        texts = _texts(fig)
        for t in texts:
            if t.get_fontsize() < min_font_pt - 1e-9:
                problems.append(f"text {_label(t)!r} is {t.get_fontsize():.2g} pt (< {min_font_pt:g} pt)")
        boxes = [t.get_window_extent(renderer) for t in texts]
        page = fig.bbox
        for t, b in zip(texts, boxes):
            if b.x0 < page.x0 - 1 or b.x1 > page.x1 + 1 or b.y0 < page.y0 - 1 or b.y1 > page.y1 + 1:
                problems.append(f"text {_label(t)!r} leaves the figure")
        outlines = [_outline(t, b, renderer, overlap_px) for t, b in zip(texts, boxes)]
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                if _overlap(boxes[i], boxes[j], overlap_px) and _polygons_overlap(outlines[i], outlines[j]):
                    problems.append(f"texts overlap: {_label(texts[i])!r} and {_label(texts[j])!r}")
        axes = _main_axes(fig)
        areas = [ax.get_window_extent(renderer) for ax in axes]
        owners = _owners(fig)
        for t, b in zip(texts, boxes):
            owner = owners.get(id(t))
            for ax, area in zip(axes, areas):
                if owner is None or ax is owner or np.allclose(area.extents, owner.bbox.extents):
                    continue
                if _inside(owner.bbox, area) or _inside(area, owner.bbox):
                    continue  # an inset and its panel
                if _overlap(b, area, overlap_px):
                    problems.append(f"text {_label(t)!r} lies on another panel")
        for i in range(len(axes)):
            for j in range(i + 1, len(axes)):
                a, b = areas[i], areas[j]
                if np.allclose(a.extents, b.extents):
                    continue  # twinned axes
                if not (_inside(a, b) or _inside(b, a)) and _overlap(a, b, overlap_px):
                    problems.append(f"panels overlap: {axes[i].get_title(loc='left') or i} and "
                                    f"{axes[j].get_title(loc='left') or j}")
    finally:
        fig.set_dpi(dpi)
    return problems
