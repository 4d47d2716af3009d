"""``python -m benchmarks``: tinygrad_edu against an efficient hand-written numpy step, PyTorch beside it.

Every candidate runs in its own worker process and first checks its answer against a float64 truth; then the
candidates are timed in short interleaved blocks, in a random order each round, and each row reports the median of
the per-round ratios to the numpy reference, with their interquartile range, gc on (gc off beside it).
Exit status: 0, or 1 with --check when a target is missed, 2 for a usage error, 3 when a candidate fails its check.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from .harness import QUICK, ROOT, Settings, WorkerError, measure, measure_memory
from .report import Run, render, summarise, to_json
from .stats import Spread, spread
from .workloads import (
    ARRAYS_SEEN_BY_TRACEMALLOC,
    BY_KEY,
    CALIBRATION,
    GROUPS,
    LABELS,
    MEMORY,
    REFERENCE,
    TIMED,
    Workload,
    installed,
    select,
)

CALIBRATION_ROUNDS = 10
MISSED, FAILED = 1, 3  # exit statuses (argparse's usage errors are 2)


def workload_list() -> str:
    lines = ["workloads (--only takes a group or a name):"]
    for group, keys in GROUPS.items():
        lines.append(f"  {group}")
        lines += [f"    {key:<11} {BY_KEY[key].description}" for key in keys]
    return "\n".join(lines)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def json_path(text: str) -> Path:
    """A path whose folder exists, checked before the run rather than after it."""
    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"no folder {str(path.parent)!r} to write {path.name!r} into")
    return path


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__, epilog=workload_list(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[*GROUPS, *TIMED, MEMORY.key],
                        default=list(GROUPS), help="workloads to run: groups (W1 ... W4) or names (W1-tiny ...)")
    parser.add_argument("--candidates", nargs="+", metavar="NAME", choices=list(LABELS), default=list(LABELS),
                        help=f"candidates to time: {', '.join(LABELS)} (default: all installed; "
                             f"the numpy reference always runs)")
    parser.add_argument("--quick", action="store_true", help="shorter blocks and fewer rounds (noisier)")
    parser.add_argument("--rounds", type=positive, help="exactly this many rounds per workload")
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 if a target is missed (without it the exit status ignores targets)")
    parser.add_argument("--json", metavar="PATH", type=json_path,
                        help="also save every measurement and verdict as JSON")
    parser.add_argument("--threads", type=positive, default=1,
                        help="BLAS and PyTorch threads per worker (default 1: one core for every candidate)")
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="every worker asks glibc's malloc to keep freed memory (no page faults; "
                             "changes the allocator for the whole worker process)")
    return parser.parse_args(argv)


def machine() -> dict[str, str]:
    """The facts a reader needs to compare runs: CPU, system, and the versions of what is timed."""
    model = platform.processor() or platform.machine()
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                            text=True, check=False).stdout.strip() if shutil.which("git") else ""
    facts = {"code": f"commit {commit}" if commit else "not a git checkout", "cpu": f"{model}, {os.cpu_count()} cores",
             "system": platform.platform(), "python": platform.python_version(), "numpy": f"{np.__version__} ({blas})"}
    if installed("torch"):
        facts["torch"] = importlib.metadata.version("torch")
    return facts


def calibrate(settings: Settings) -> Spread:
    """The fixed numpy workload's seconds per call over a few rounds: where the machine's speed stands right now."""
    measurement = measure(CALIBRATION, list(CALIBRATION.candidates), replace(settings, rounds=CALIBRATION_ROUNDS))
    return spread(measurement.seconds[CALIBRATION.candidates[0]][True])


def run(keys: list[str], chosen: list[str], settings: Settings, progress: Callable[[str], None]) -> Run:
    """Measure the chosen workloads' chosen candidates (and the reference) between two calibration probes."""

    def candidates_of(workload: Workload) -> list[str]:
        return [c for c in workload.candidates if (c == REFERENCE or c in chosen) and installed(c)]

    facts, load_start = machine(), os.getloadavg()[0]
    progress("calibration probe")
    calibration_start = calibrate(settings)
    rows = []
    for workload in (TIMED[key] for key in keys if key in TIMED):
        rows.append(summarise(workload, measure(workload, candidates_of(workload), settings, progress)))
    memory = {}
    if MEMORY.key in keys:
        progress(f"{MEMORY.title}: {settings.memory_steps} steps per candidate")
        memory = measure_memory(MEMORY, candidates_of(MEMORY), ARRAYS_SEEN_BY_TRACEMALLOC, settings)
    progress("calibration probe")
    calibration_end = calibrate(settings)
    return Run(facts, settings, (load_start, os.getloadavg()[0]), (calibration_start, calibration_end), rows, memory)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    settings = replace(QUICK if args.quick else Settings(), rounds=args.rounds, threads=args.threads,
                       keep_freed_memory=args.keep_freed_memory)
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:4.0f} s] {message}", file=sys.stderr, flush=True)

    try:
        result = run(select(args.only), args.candidates, settings, progress)
    except WorkerError as failure:
        print(f"benchmark stopped: {failure}", file=sys.stderr)
        return FAILED
    print(render(result))
    if args.json:
        command = ["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)]
        args.json.write_text(json.dumps(to_json(result, command), indent=1))
    progress("done")
    return MISSED if args.check and result.missed else 0
