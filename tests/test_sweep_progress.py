"""Progress displays: plain lines for logs, Brian2's standalone text report followed into a bar."""

from __future__ import annotations

import io
import threading
import time

from cortexlearn.progress import LineProgress, ReportFollower, parse_brian_report, progress_bar


def test_plain_lines_in_logs():
    stream = io.StringIO()
    bar = progress_bar(total=20, desc="sweep m", unit="run", stream=stream)
    assert isinstance(bar, LineProgress)
    for _ in range(20):
        bar.update(1)
    bar.close()
    lines = stream.getvalue().splitlines()
    # no carriage returns; the last line reports completion; at most one line per 10 % (+ the end)
    assert "\r" not in stream.getvalue()
    assert lines[-1].startswith("sweep m: 20/20 run (100%)")
    assert 1 <= len(lines) <= 11


def test_wrapping_an_iterable_and_disabling():
    stream = io.StringIO()
    assert list(progress_bar(range(5), desc="epochs", stream=stream)) == [0, 1, 2, 3, 4]
    assert "epochs: 5/5" in stream.getvalue()
    silent = progress_bar(range(3), enabled=False)
    assert list(silent) == [0, 1, 2]


def test_parse_brian_report_lines():
    # the formats written by Brian2's cpp_standalone report (devices/cpp_standalone/device.py)
    assert parse_brian_report("Starting simulation at t=0 s for duration 2 s") == {"start": 0.0, "duration": 2.0}
    assert parse_brian_report("1.5 s (75%) simulated in 3s, estimated 1s remaining.") == {
        "simulated": 1.5, "fraction": 0.75}
    assert parse_brian_report("2 s (100%) simulated in 4s") == {"simulated": 2.0, "fraction": 1.0}
    assert parse_brian_report("compiling ...") is None


def test_report_follower_reads_a_growing_file(tmp_path):
    path = tmp_path / "results" / "stdout.txt"
    path.parent.mkdir()
    lines = ["Starting simulation at t=0 s for duration 1 s", "0.25 s (25%) simulated in 1s, estimated 3s remaining.",
             "0.5 s (50%) simulated in 2s, estimated 2s remaining.", "1 s (100%) simulated in 4s"]

    def writer():
        with open(path, "w") as fh:
            for line in lines:
                fh.write(line + "\n")
                fh.flush()
                time.sleep(0.05)

    follower = ReportFollower(str(path), poll=0.01, enabled=False)
    with follower:
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
    assert follower.fraction == 1.0 and follower.bar.n == 100
