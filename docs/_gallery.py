"""Pages the documentation generates at build time: model gallery, API pages, notebooks."""

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
        else:
            page += ["## Figure", "", f"The figure is drawn from a run's saved data: "
                     f"`cortexlearn run {name}` writes `figure.pdf` and `figure.png`.", ""]
        with open(os.path.join(folder, f"{name}.md"), "w") as fh:
            fh.write(_escape("\n".join(page)))


def _escape(text: str) -> str:
    # a bare "|" or "*" in a table cell is fine in MyST; nothing to escape beyond what the
    # methods table produces, but keep a hook here for future markup clashes
    return text


def _model_figure(name: str) -> str | None:
    import cortexlearn.models

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
             "Each tutorial is a notebook in `notebooks/`, shown here without outputs; the test suite "
             "runs every one of them.", "", "```{toctree}", ":maxdepth: 1", ""]
    lines += [n[:-len(".ipynb")] for n in names] + ["```", ""]
    with open(os.path.join(folder, "index.md"), "w") as fh:
        fh.write("\n".join(lines))
