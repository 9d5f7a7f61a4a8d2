"""models/jaderberg_2016: a quick run writes the results folder, and its numbers are those the reference gives."""


import pytest

import cortexlearn
from quick_folder import assert_quick_results_folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("jaderberg_2016"))
    return cortexlearn.run("jaderberg_2016", quick=True, out=out, target="numpy", progress=False), out


def test_quick_run_writes_manifest_metrics_and_figure(quick_run):
    results, out = quick_run
    assert_quick_results_folder(out, "jaderberg_2016")
