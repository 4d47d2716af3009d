"""From measurements to verdicts and tables: paired ratios per row, targets judged, Markdown to read, JSON to keep."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .harness import Measurement, Settings
from .stats import Spread, paired_ratios, spread
from .targets import MemoryTarget, Target, Verdict
from .workloads import LABELS, MEMORY, REFERENCE, Workload

NOT_INSTALLED = "{} is not installed"


@dataclass(frozen=True)
class Row:
    """One timed workload's summary: the reference's own time, every other candidate's paired ratios to it."""

    workload: Workload
    measurement: Measurement
    reference_seconds: Spread  # gc on
    ratios: dict[str, dict[bool, Spread]]  # candidate -> gc on/off -> ratio to the reference (same gc setting)
    verdicts: list[tuple[Target, Verdict]]


def summarise(workload: Workload, measurement: Measurement) -> Row:
    """Paired ratios to the reference per candidate (gc on against gc on, off against off), and the verdicts."""
    seconds = measurement.seconds
    ratios = {candidate: {gc: spread(paired_ratios(seconds[candidate][gc], seconds[REFERENCE][gc]))
                          for gc in (True, False)}
              for candidate in seconds if candidate != REFERENCE}
    verdicts = [(target, judge(target, measurement, ratios)) for target in workload.targets]
    return Row(workload, measurement, spread(seconds[REFERENCE][True]), ratios, verdicts)


def judge(target: Target, measurement: Measurement, ratios: dict[str, dict[bool, Spread]]) -> Verdict:
    """A limit is met by the median ratio (gc on); a comparison by the median of the two candidates' paired
    per-round ratio, at most 1."""
    missing = [c for c in (target.candidate, target.versus) if c is not None and c not in measurement.seconds]
    if missing:
        return Verdict(None, NOT_INSTALLED.format(LABELS[missing[0]]))
    if target.versus is None:
        median = ratios[target.candidate][True].median
        close = f"{median:.2f}" == f"{target.limit:.2f}"  # the table's rounding hides which side it fell on
        return Verdict(median <= target.limit, f"{median:.4f}×" if close else "")
    seconds = measurement.seconds
    relative = spread(paired_ratios(seconds[target.candidate][True], seconds[target.versus][True])).median
    return Verdict(relative <= 1, f"{relative:.2f}× {LABELS[target.versus]}'s time")


def judge_memory(target: MemoryTarget, memory: dict[str, dict[str, float | None]]) -> Verdict:
    """Growth below the limit; not judged where the candidate didn't run or the system hides resident memory."""
    if target.candidate not in memory:
        return Verdict(None, NOT_INSTALLED.format(LABELS[target.candidate]))
    growth = resident_growth(memory[target.candidate])
    if growth is None:
        return Verdict(None, "resident memory is not readable on this system")
    return Verdict(growth < target.limit_mib)


def resident_growth(use: dict[str, float | None]) -> float | None:
    """MiB gained over the measured steps (None where the system doesn't expose resident memory)."""
    before, after = use["rss_before_mib"], use["rss_after_mib"]
    return None if before is None or after is None else after - before


def duration(seconds: float) -> str:
    """Seconds in the unit that reads best (s, ms or µs), to three significant digits."""
    unit, scale = next(((unit, scale) for unit, scale in (("s", 1.0), ("ms", 1e-3)) if seconds >= scale), ("µs", 1e-6))
    value = seconds / scale
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def _ratio(value: Spread) -> str:
    return f"{value.median:.2f}× [{value.q1:.2f}–{value.q3:.2f}]"


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    """A Markdown table with its columns padded, readable in a terminal too."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |"

    return [line(header), "|" + "|".join("-" * (width + 2) for width in widths) + "|", *map(line, lines)]


def timing_table(rows: list[Row], candidates: list[str]) -> list[str]:
    """Markdown: the reference's time per call, then each candidate's ratio [IQR] with gc on and, after it, gc off."""
    others = [c for c in candidates if c != REFERENCE]
    header = ["workload", f"{LABELS[REFERENCE]} per call [IQR]", *(LABELS[c] for c in others),
              "rounds", "target", "met"]
    lines = []
    for row in rows:
        cells = [row.workload.title, f"{duration(row.reference_seconds.median)} "
                 f"[{duration(row.reference_seconds.q1)}–{duration(row.reference_seconds.q3)}]"]
        cells += [f"{_ratio(row.ratios[c][True])}, gc off {row.ratios[c][False].median:.2f}×"
                  if c in row.ratios else "—" for c in others]
        cells += [str(row.measurement.rounds), "; ".join(t.describe(LABELS) for t, _ in row.verdicts),
                  "; ".join(v.text for _, v in row.verdicts)]
        lines.append(cells)
    return _table(header, lines)


def memory_table(workload: Workload, memory: dict[str, dict[str, float | None]],
                 verdicts: list[tuple[MemoryTarget, Verdict]], steps: int) -> list[str]:
    """Markdown: resident memory growth per candidate over ``steps`` steps, and one step's traced peak."""
    candidates = [c for c in workload.candidates if c in memory]
    growth = [resident_growth(memory[c]) for c in candidates]
    peaks = [memory[c]["peak_mib"] for c in candidates]
    header = [workload.title, *(LABELS[c] for c in candidates), "target", "met"]
    lines = [
        [f"resident memory growth over {steps} steps", *("—" if g is None else f"{g:+.2f} MiB" for g in growth),
         "; ".join(t.describe(LABELS) for t, _ in verdicts), "; ".join(v.text for _, v in verdicts)],
        ["peak array memory in one step (tracemalloc)", *("—" if p is None else f"{p:.1f} MiB" for p in peaks),
         "", ""],
    ]
    return _table(header, lines)


@dataclass(frozen=True)
class Run:
    """One run of the suite: where it ran, how the machine's speed stood at its start and end, every row."""

    facts: dict[str, str]
    settings: Settings
    load_average: tuple[float, float]  # 1-minute load average at the start and at the end
    calibration: tuple[Spread, Spread]  # the probe's seconds per call at the start and at the end
    rows: list[Row]
    memory: dict[str, dict[str, float | None]]  # empty when W4 didn't run

    @property
    def memory_verdicts(self) -> list[tuple[MemoryTarget, Verdict]]:
        return [(t, judge_memory(t, self.memory)) for t in MEMORY.targets] if self.memory else []

    @property
    def missed(self) -> int:
        verdicts = [v for row in self.rows for _, v in row.verdicts] + [v for _, v in self.memory_verdicts]
        return sum(verdict.met is False for verdict in verdicts)


def render(run: Run) -> str:
    """The run as text: the machine and its state, then Markdown tables (they paste into docs as they are)."""
    settings = run.settings
    probe = ", ".join(f"{duration(c.median)} [{duration(c.q1)}–{duration(c.q3)}] at the {when}"
                      for c, when in zip(run.calibration, ("start", "end")))
    lines = [
        "machine: " + "; ".join(f"{name} {value}" for name, value in run.facts.items()),
        f"settings: {settings.threads} BLAS/PyTorch thread(s) per worker; allocator: "
        + ("glibc keeps freed memory (--keep-freed-memory)" if settings.keep_freed_memory else "the system's default")
        + f"; blocks of about {settings.block_seconds * 1e3:.0f} ms",
        f"load average (1 min): {run.load_average[0]:.1f} at the start, {run.load_average[1]:.1f} at the end",
        f"calibration probe (a fixed numpy workload; median [IQR] per call): {probe}",
        "ratios: candidate ÷ numpy reference, median of the per-round paired ratios [interquartile range], gc on; "
        "then the median with gc off",
        "",
    ]
    if run.rows:
        candidates = list(dict.fromkeys(c for row in run.rows for c in row.measurement.seconds))
        lines += [*timing_table(run.rows, candidates), ""]
    if run.memory:
        lines += [*memory_table(MEMORY, run.memory, run.memory_verdicts, settings.memory_steps), ""]
    return "\n".join(lines)


def _targets_json(verdicts: list[tuple[Target | MemoryTarget, Verdict]]) -> list[dict]:
    return [{"target": t.describe(LABELS), "met": v.met, "note": v.note} for t, v in verdicts]


def _row_json(row: Row) -> dict:
    """Everything measured for a row: raw seconds per call per round, the summaries, the verdicts."""
    gc_name = {True: "gc_on", False: "gc_off"}
    return {
        "title": row.workload.title, "description": row.workload.description, "rounds": row.measurement.rounds,
        "calls_per_block": row.measurement.calls_per_block,
        "seconds_per_call": {c: {gc_name[gc]: values for gc, values in by_gc.items()}
                             for c, by_gc in row.measurement.seconds.items()},
        "reference_seconds_gc_on": asdict(row.reference_seconds),
        "ratio_to_reference": {c: {gc_name[gc]: asdict(value) for gc, value in by_gc.items()}
                               for c, by_gc in row.ratios.items()},
        "targets": _targets_json(row.verdicts),
    }


def to_json(run: Run, command: list[str]) -> dict:
    """The whole run for ``--json``: facts, settings, the machine's state, every row and the memory probe."""
    return {
        "command": command, "machine": run.facts, "settings": asdict(run.settings),
        "load_average_1min": dict(zip(("start", "end"), run.load_average)),
        "calibration_seconds_per_call": dict(zip(("start", "end"), map(asdict, run.calibration))),
        "workloads": {row.workload.key: _row_json(row) for row in run.rows},
        "memory": {"steps": run.settings.memory_steps, "per_candidate": run.memory,
                   "targets": _targets_json(run.memory_verdicts)} if run.memory else None,
        "targets_missed": run.missed,
    }
