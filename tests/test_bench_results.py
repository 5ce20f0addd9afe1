"""`scripts/bench_results.py` replaces one benchmark's section of RESULTS.md."""

from __future__ import annotations

from pathlib import Path
import re
from types import ModuleType

import pytest

from .scripts import ROOT, load_script

RESULTS = ROOT / "bench" / "RESULTS.md"


@pytest.fixture(name="results")
def fixture_results() -> ModuleType:
    return load_script("bench_results")


def run(results: ModuleType, path: Path, name: str, figures: str, when: str) -> None:
    log = path.parent / f"{name}.log"
    log.write_text(figures)
    args = [str(path), name, "targets met", str(log), f"Run on {when}."]
    assert results.main(["bench_results.py", *args]) == 0


def test_a_benchmark_run_alone_keeps_the_others(
    results: ModuleType, tmp_path: Path
) -> None:
    """`scripts/bench fleet` replaces the fleet section only: the other
    sections, each with its own run line, stay as they were and in order."""
    path = tmp_path / "RESULTS.md"
    run(results, path, "memory", "heap 1 MiB\n", "monday")
    run(results, path, "push_parse", "goip 5 µs\n## not a heading\n", "monday")
    run(results, path, "fleet", "2 requests a poll\n", "monday")
    run(results, path, "fleet", "1 request a poll\n", "tuesday")

    text = path.read_text()
    parts = results.sections(text)
    assert list(parts) == ["push_parse", "fleet", "memory"]
    assert "Run on tuesday." in parts["fleet"]
    assert "1 request a poll" in parts["fleet"]
    assert "2 requests" not in text
    assert "Run on monday." in parts["memory"]
    assert "heap 1 MiB" in parts["memory"]
    # A line of figures that looks like a heading stays in its section.
    assert "## not a heading" in parts["push_parse"]
    assert text.startswith(results.TITLE)
    assert text.count("# Benchmark results") == 1


def test_a_run_on_the_newest_version_keeps_the_floors(
    results: ModuleType, tmp_path: Path
) -> None:
    """`scripts/bench --newest push_ingest` writes `push_ingest@newest`, after
    the floor's section, which stays."""
    path = tmp_path / "RESULTS.md"
    run(results, path, "fleet", "2 requests a poll\n", "monday")
    run(results, path, "push_ingest@newest", "goip 0.96\n", "tuesday")
    run(results, path, "push_ingest", "goip 0.92\n", "wednesday")
    run(results, path, "push_parse", "goip 5 µs\n", "wednesday")
    parts = results.sections(path.read_text())
    assert list(parts) == ["push_parse", "push_ingest", "push_ingest@newest", "fleet"]
    assert "goip 0.96" in parts["push_ingest@newest"]
    assert "goip 0.92" in parts["push_ingest"]


def test_a_section_it_does_not_know_stays_last(
    results: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text("# old title\n\n## scratch (targets met)\n\nnotes\n")
    run(results, path, "bulk_send", "4 requests\n", "today")
    assert list(results.sections(path.read_text())) == ["bulk_send", "scratch"]
    assert "# old title" not in path.read_text()


def test_the_order_is_every_benchmark(results: ModuleType) -> None:
    """Each benchmark script has its place in the file, and the checked-in
    results have a section for each."""
    scripts = {
        path.stem
        for path in (ROOT / "bench").glob("*.py")
        # helpers, and the crash test (`scripts/test` runs it, not `scripts/bench`)
        if path.stem not in {"harness", "gateways", "crash", "crash_hass"}
    }
    assert set(results.ORDER) == scripts
    sections = results.sections(RESULTS.read_text())
    assert {name.partition("@")[0] for name in sections} == scripts
    assert "push_ingest@newest" in sections  # its target holds on both versions


def test_each_section_names_where_it_ran(results: ModuleType) -> None:
    """Each checked-in section's run line names its commit, Python and Home
    Assistant version: figures of the floor and of the newest version differ."""
    for name, text in results.sections(RESULTS.read_text()).items():
        assert re.search(
            r"^Run on .*, commit \w+; .*Python 3\.\d+\.\d+; Home Assistant 20\d\d\.\d+\.\d+\.$",
            text,
            re.MULTILINE,
        ), name


def test_wrong_arguments_say_how(
    results: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert results.main(["bench_results.py"]) == 2
    assert "RESULTS NAME OUTCOME" in capsys.readouterr().err
