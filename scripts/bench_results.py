"""Put one benchmark's figures into bench/RESULTS.md, keeping the others.

`scripts/bench` runs the benchmarks it is named (all by default) and calls this
once for each with what it printed. The sections of the benchmarks not run this
time stay as they were; each section says when, at which commit and on which
machine its figures were taken, so a file put together from several runs still
tells where each figure comes from.

    bench_results.py RESULTS NAME OUTCOME FIGURES_FILE RUN_LINE

NAME is the benchmark's; a run on the newest Home Assistant has a section of its
own, `NAME@newest`, after the floor's.
"""

from __future__ import annotations

from pathlib import Path
import sys

# Every benchmark (bench/<name>.py), in the order `scripts/bench` runs them
# and RESULTS.md shows them.
ORDER = (
    "push_parse",
    "push_ingest",
    "bulk_send",
    "fleet",
    "memory",
    "push_load",
    "messages",
)

TITLE = (
    "# Benchmark results\n"
    "\n"
    "Written by `scripts/bench`. What each benchmark measures and its targets: "
    "the docstring of its script. Each section says when, at which commit and "
    "on which machine its figures were taken.\n"
)


def section(name: str, outcome: str, run: str, figures: str) -> str:
    """The section of benchmark `name`."""
    return f"## {name} ({outcome})\n\n{run}\n\n```\n{figures.rstrip()}\n```\n"


def sections(text: str) -> dict[str, str]:
    """The sections of a RESULTS.md by benchmark name, in the file's order;
    what stands before the first one (the title) is left out."""
    found: dict[str, str] = {}
    name = None
    in_figures = False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            in_figures = not in_figures
        elif line.startswith("## ") and not in_figures:
            name = (line[3:].split() or [""])[0]
            found[name] = ""
        if name is not None:
            found[name] += line
    return {key: value.rstrip("\n") + "\n" for key, value in found.items()}


def merge(text: str, name: str, new: str) -> str:
    """`text` (a RESULTS.md, or "") with the section of `name` now `new`."""
    kept = sections(text)
    kept[name] = new
    rank = {key: index for index, key in enumerate(ORDER)}

    def place(key: str) -> tuple[int, str]:
        # a run on the newest Home Assistant ("push_ingest@newest") after the floor's
        base, _, version = key.partition("@")
        return rank.get(base, len(ORDER)), version

    ordered = sorted(kept, key=place)
    return "\n".join([TITLE, *(kept[key] for key in ordered)])


def main(argv: list[str]) -> int:
    """Write the section given on the command line into the results file."""
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    results, name, outcome, figures, run = Path(argv[1]), *argv[2:]
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    new = section(name, outcome, run, Path(figures).read_text(encoding="utf-8"))
    results.write_text(merge(text, name, new), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
