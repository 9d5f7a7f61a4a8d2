"""Pages the documentation generates at build time: model gallery, API pages, notebooks.

Run as a script to (re)draw the gallery's figures from run folders::

    .venv/bin/cortexlearn run MODEL --quick --target numpy --out /tmp/runs/MODEL
    .venv/bin/python docs/_gallery.py /tmp/runs/MODEL [...]

Each writes ``docs/figures/MODEL.png`` (89 mm wide, 150 dpi) and ``docs/figures/MODEL.txt``: the
figure's caption and which run drew it.
"""

from __future__ import annotations

import glob
import importlib
import os
import shutil

#: Modules documented with autodoc (see conf.py).
#: cortexlearn.model is left out for now: the docstring of Check writes |value - target| bare,
#: which reStructuredText reads as a substitution (an error under -W).
API_MODULES = {
    "Running models": ["cortexlearn.runner", "cortexlearn.results",
                       "cortexlearn.simulation", "cortexlearn.closedloop", "cortexlearn.resident",
                       "cortexlearn.registry"],
    "Circuits": ["cortexlearn.specs", "cortexlearn.neurons", "cortexlearn.build", "cortexlearn.fusion"],
    "Learning rules": ["cortexlearn.rules.stdp", "cortexlearn.rules.triplet",
                       "cortexlearn.rules.derivative", "cortexlearn.rules.inhibitory",
                       "cortexlearn.rules.credit", "cortexlearn.rules.eprop",
                       "cortexlearn.rules.balanced"],
    "Analysis and plotting": ["cortexlearn.analysis.spikes", "cortexlearn.analysis.decoding",
                              "cortexlearn.analysis.balance", "cortexlearn.analysis.alignment",
                              "cortexlearn.analysis.learning", "cortexlearn.analysis.stdp_window",
                              "cortexlearn.analysis.weights", "cortexlearn.plotting.style",
                              "cortexlearn.plotting.ensemble"],
    "Sweeps, export, progress": ["cortexlearn.sweep", "cortexlearn.sweep_unit", "cortexlearn.buildcache",
                                 "cortexlearn.export", "cortexlearn.progress"],
    "Units and errors": ["cortexlearn.units", "cortexlearn.errors"],
}


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
        return True
    except Exception:
        return False


def write_api(folder: str, sections: dict) -> None:
    """One page per importable module, and an index grouped by section."""
    os.makedirs(folder, exist_ok=True)
    lines = ["API reference", "=============", ""]
    for section, modules in sections.items():
        present = [m for m in modules if _importable(m)]
        if not present:
            continue
        lines += [section, "-" * len(section), "", ".. toctree::", "   :maxdepth: 1", ""]
        for module in present:
            lines.append(f"   {module}")
            title = f"``{module}``"
            with open(os.path.join(folder, f"{module}.rst"), "w") as fh:
                fh.write(f"{title}\n{'=' * len(title)}\n\n.. automodule:: {module}\n")
        lines.append("")
    with open(os.path.join(folder, "index.rst"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


def write_models(folder: str) -> None:
    """A gallery page per model: its methods table (parameters with sources), its checks, the
    command that reproduces it and, when the model folder holds one, its figure."""
    from cortexlearn.registry import get_model, list_models

    os.makedirs(folder, exist_ok=True)
    names = list_models()
    index = ["# Model gallery", "",
             "Each page lists a reproduction's parameters (with the paper each default comes from), "
             "the paper's numbers it is judged by, and how to run it.", "",
             "```{toctree}", ":maxdepth: 1", ""] + names + ["```", ""]
    with open(os.path.join(folder, "index.md"), "w") as fh:
        fh.write("\n".join(index))
    for name in names:
        model = get_model(name)
        table = model.methods_table().replace("\n# ", "\n## ")
        if table.startswith("# "):
            table = table[2:]
        title, _, rest = table.partition("\n")
        page = [f"# {title.strip()}", "", f"Model name: `{name}`", "", rest.strip(), "",
                "## Run it", "", "```bash",
                f"cortexlearn run {name} --out results/{name}          # full run",
                f"cortexlearn run {name} --quick --out results/{name}-quick   # smoke test", "```", "",
                "From Python:", "", "```python", "import cortexlearn",
                f'results = cortexlearn.run("{name}", seed=1, out="results/{name}")',
                "results.summary(); results.figure()", "```", ""]
        figure = _model_figure(name)
        if figure:
            shutil.copy(figure, os.path.join(folder, f"{name}.png"))
            page += ["## Figure", "", f"![figure of {name}]({name}.png)", ""]
            caption = os.path.splitext(figure)[0] + ".txt"
            if os.path.exists(caption):
                with open(caption, encoding="utf-8") as fh:
                    page += [fh.read().strip(), ""]
        else:
            page += ["## Figure", "", f"The figure is drawn from a run's saved data: "
                     f"`cortexlearn run {name}` writes `figure.pdf` and `figure.png`.", ""]
        with open(os.path.join(folder, f"{name}.md"), "w") as fh:
            fh.write(_escape("\n".join(page)))


def _escape(text: str) -> str:
    # a bare "|" or "*" in a table cell is fine in MyST; nothing to escape beyond what the
    # methods table produces, but keep a hook here for future markup clashes
    return text


FIGURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "figures")


def _model_figure(name: str) -> str | None:
    import cortexlearn.models

    stored = os.path.join(FIGURES, f"{name}.png")
    if os.path.exists(stored):
        return stored
    for base in cortexlearn.models.__path__:
        for candidate in ("figure.png", "docs/figure.png"):
            path = os.path.join(base, name, candidate)
            if os.path.exists(path):
                return path
    return None


def copy_notebooks(source: str, folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(source, "*.ipynb")))
    for name in names:
        shutil.copy(os.path.join(source, name), os.path.join(folder, name))
    lines = ["# Tutorials", "",
             "Each tutorial is a notebook in `notebooks/`, stored without outputs and run when these "
             "pages are built, so the outputs shown are those of the build; the test suite also runs "
             "every one of them.", "", "```{toctree}", ":maxdepth: 1", ""]
    lines += [n[:-len(".ipynb")] for n in names] + ["```", ""]
    with open(os.path.join(folder, "index.md"), "w") as fh:
        fh.write("\n".join(lines))


def save_figure(run_folder: str, out: str = FIGURES, dpi: int = 150) -> str:
    """Draw a run's figure for the gallery, with a caption that names the run.

    Parameters
    ----------
    run_folder : str
        A folder written by ``cortexlearn run``.
    out : str
        Where ``MODEL.png`` and ``MODEL.txt`` go (default ``docs/figures``).
    dpi : int
        Resolution of the PNG (150 keeps an 89-mm figure near 100 kB).

    Returns
    -------
    str
        The PNG's path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cortexlearn.plotting.style import get_caption, style_context
    from cortexlearn.results import load

    results = load(run_folder)
    manifest = results.manifest
    name = manifest["model"]
    os.makedirs(out, exist_ok=True)
    with style_context():
        fig = results.figure()  # a quick run's figure carries the quick-run mark
        path = os.path.join(out, f"{name}.png")
        fig.savefig(path, dpi=dpi)
    kind = "a quick run (`--quick`: shrunken sizes and durations, not judged)" if manifest.get("quick") \
        else "a full run"
    seeds = manifest.get("seeds") or [manifest.get("seed")]
    provenance = (f"Drawn from {kind} of `cortexlearn run {name}` on the {manifest.get('target')} target, "
                  f"seed{'s' if len(seeds) > 1 else ''} {', '.join(str(s) for s in seeds)}, cortexlearn "
                  f"{manifest.get('versions', {}).get('cortexlearn', '?')}.")
    with open(os.path.join(out, f"{name}.txt"), "w", encoding="utf-8") as fh:
        fh.write(f"{get_caption(fig) or ''}\n\n{provenance}\n")
    plt.close(fig)
    return path


if __name__ == "__main__":
    import sys

    for run_folder in sys.argv[1:]:
        print(save_figure(run_folder))
