"""What the examples share: a progress bar that suits terminals and logs, and a loss-curve picture.

    from example_tools import progress_bar, save_curves

(The examples run as scripts, so this file, beside them, is importable by its name.)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


class PlainProgress:
    """Progress as a line every tenth of the way: for output that is not a terminal, or when tqdm is missing."""

    def __init__(self, total: float, unit: str = "step") -> None:
        self.total, self.unit, self.done, self.postfix, self.tenths_shown = total, unit, 0, "", 0

    def update(self, n: float = 1) -> None:
        self.done += n
        tenths = 10 if self.done >= self.total else int(10 * self.done / self.total) if self.total else 10
        if tenths > self.tenths_shown:
            self.tenths_shown = tenths
            done = self.done if isinstance(self.done, int) else f"{min(self.done, self.total):.0f}"  # seconds
            print(f"{self.unit} {done}/{self.total} {self.postfix}".rstrip(), flush=True)

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def close(self) -> None:
        pass


def progress_bar(total: float, unit: str = "step", description: str = "training") -> PlainProgress:
    """tqdm's bar on a terminal when installed (the optional ``examples`` extra), else ``PlainProgress``.

    A redirected stdout gets ten plain lines, not the bar's hundreds of carriage-return updates.
    """
    try:
        from tqdm import tqdm
    except ImportError:
        return PlainProgress(total, unit)
    if not sys.stdout.isatty():
        return PlainProgress(total, unit)
    return tqdm(total=total, desc=description, unit=unit, file=sys.stdout, mininterval=0.5, ascii=True)


def save_curves(path: Path, curves: dict[str, tuple[Sequence[float], Sequence[float]]], xlabel: str, ylabel: str,
                title: str, log_y: bool = False) -> Path:
    """A PNG of one or more curves (label → (x, y)) with matplotlib's headless backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for label, (x, y) in curves.items():
        ax.plot(x, y, label=label, marker="." if len(x) < 30 else None)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title, yscale="log" if log_y else "linear")
    if len(curves) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
