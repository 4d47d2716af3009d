"""Bytecodes per call: a deterministic map of where each candidate's Python work goes, by file or by line.

Timing on a shared machine moves by 2× within seconds; the number of bytecodes the interpreter runs for one call
does not. ``python -m benchmarks.bytecodes W1-tiny`` counts them for one call of each candidate (after two warm-up
calls) and splits them by source file; ``--lines tinygrad_edu/engine.py`` splits that file's share by line. numpy's
C code runs no bytecodes and is not counted: this maps the Python overhead that separates the candidates at small
sizes, piece by piece. Counting runs under ``sys.settrace``, so it is slow: use it on the small workloads.
"""

from __future__ import annotations

import argparse
import linecache
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from . import workloads

ROOT = Path(__file__).resolve().parent.parent
WARM_UP_CALLS = 2


def where(filename: str) -> str:
    """A source file as the report names it: relative to the repository, or the last two parts of its path."""
    path = Path(filename)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else "/".join(path.parts[-2:])


def count(call: Callable[[], object], lines_of: str | None = None) -> Counter:
    """The bytecodes one ``call()`` runs, by file; with ``lines_of`` (a file as ``where`` names it), that file's
    bytecodes by line number instead."""
    counts: Counter = Counter()

    def trace(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            name = where(frame.f_code.co_filename)
            if lines_of is None:
                counts[name] += 1
            elif name == lines_of:
                counts[frame.f_lineno] += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(previous)
    return counts


def _line(lines_of: str, number: int | None) -> str:
    if number is None:  # a jump the compiler added, e.g. the loop's back-edge after a short-circuited ``and``
        return "no line: jumps the compiler added"
    path = ROOT / lines_of if (ROOT / lines_of).exists() else Path(lines_of)
    return f"line {number}: {linecache.getline(str(path), number).strip()[:90]}"


def report(key: str, candidates: list[str], lines_of: str | None, top: int) -> str:
    """One workload's counts for each candidate: the total, then the files (or lines) with the most."""
    workload = workloads.BY_KEY[key]
    out = [f"{workload.title}: bytecodes per call (one call, after {WARM_UP_CALLS} warm-up calls)"]
    for candidate in candidates:
        call = workload.build(candidate)
        for _ in range(WARM_UP_CALLS):
            call()
        counts = count(call, lines_of)
        out.append(f"\n{workloads.LABELS[candidate]}: {sum(counts.values()):,}"
                   + (f" in {lines_of}" if lines_of else ""))
        for place, n in counts.most_common(top):
            source = _line(lines_of, place) if lines_of else place
            out.append(f"  {n:>8,}  {source}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bytecodes", description=__doc__.splitlines()[0])
    parser.add_argument("workload", nargs="?", default="W1-tiny", choices=[k for k in workloads.TIMED],
                        help="a timed workload (default W1-tiny)")
    parser.add_argument("--candidates", nargs="+", default=["floor", "tinygrad_edu"],
                        help="candidates to count (default: floor tinygrad_edu)")
    parser.add_argument("--lines", metavar="FILE", help="split FILE's bytecodes by line, e.g. tinygrad_edu/engine.py")
    parser.add_argument("--top", type=int, default=12, help="how many files or lines to list per candidate")
    args = parser.parse_args(argv)
    candidates = workloads.BY_KEY[args.workload].candidates
    unknown = [c for c in args.candidates if c not in candidates or not workloads.installed(c)]
    if unknown:
        parser.error(f"unknown or not installed for {args.workload}: {', '.join(unknown)}; choose from "
                     + ", ".join(c for c in candidates if workloads.installed(c)))
    print(report(args.workload, args.candidates, args.lines, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
