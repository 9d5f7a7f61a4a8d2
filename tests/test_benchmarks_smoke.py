"""The benchmark suite's entry point and report schema (never its timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
KEYS = {"name", "value", "baseline", "ratio", "goal", "met"}


@pytest.mark.slow
def test_quick_floor_kernel_writes_the_report(tmp_path):
    """``python -m benchmarks --quick --only floor_kernel --json`` (a g++ build, no Brian2 build)
    writes the documented schema with numbers that are measured, not made up."""
    path = tmp_path / "report.json"
    env = dict(os.environ, CORTEXLEARN_BENCH_ROOT=str(tmp_path / "work"))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "floor_kernel",
                           "--json", str(path)], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(path.read_text())
    assert set(report) >= {"machine", "benchmarks"}
    assert report["machine"]["cpus"] >= 1 and report["machine"]["brian2"]
    (entry,) = report["benchmarks"]
    assert KEYS <= set(entry)
    assert entry["name"] == "floor_kernel" and entry["status"] == "ok"
    assert entry["goal"] == "report" and entry["met"] is None
    # value = plastic, baseline = static ns per event: positive, finite, ratio consistent
    assert 0 < entry["baseline"] < 1e6 and 0 < entry["value"] < 1e6
    assert entry["ratio"] == pytest.approx(entry["value"] / entry["baseline"])
    samples = entry["details"]["samples"]
    assert len(samples["static"]) == len(samples["plastic"]) == 3
    assert "floor_kernel" in proc.stdout and "ratio" in proc.stdout
    assert not os.listdir(tmp_path / "work")  # build folders removed


def test_unknown_benchmark_is_refused():
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "no_such_benchmark"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr and "floor_kernel" in proc.stderr


def test_memory_estimate_refuses_sizes_that_do_not_fit():
    from benchmarks.coba import estimate_bytes
    from benchmarks.harness import MemoryRefused, available_memory, check_memory

    # 10^9 neurons at 80 synapses each cannot fit on any machine this runs on
    with pytest.raises(MemoryRefused, match="GiB"):
        check_memory(estimate_bytes(10**9), "COBA with 10^9 neurons")
    check_memory(1e6, "a small network")  # 1 MB fits
    assert available_memory() > 0


def test_judge_compares_with_the_goal():
    from benchmarks.harness import judge

    r = judge("x", 1.0, 2.0, "ratio <= 1.05")
    assert r.ratio == 0.5 and r.met is True
    assert judge("x", 3.0, 2.0, "ratio <= 1.05").met is False
    assert judge("x", 1.0, 10.0, "ratio >= 8", ratio=10.0).met is True
    assert judge("x", 0.02, 5.0, "value <= 0.015").met is False
    assert judge("x", 1.0, 1.0, "report").met is None


def test_paired_ratio_is_the_median_of_per_round_ratios():
    from benchmarks.harness import paired_ratio

    # a slow spell in round 2 doubles both programs: per round the ratio stays 1.1
    assert paired_ratio([1.1, 2.2, 1.1], [1.0, 2.0, 1.0]) == pytest.approx(1.1)
    assert paired_ratio([1.0, 3.0, 2.0], [1.0, 1.0, 1.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        paired_ratio([1.0], [1.0, 2.0])


def test_alternate_reverses_every_other_round():
    from benchmarks.harness import alternate

    calls = []
    out = alternate({"a": lambda: calls.append("a") or 1.0, "b": lambda: calls.append("b") or 2.0},
                    repeats=3, warmup=1)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert out == {"a": [1.0, 1.0, 1.0], "b": [2.0, 2.0, 2.0]}
