"""What the two character-level language models share: the text (the docstrings of Python's standard library,
shipped with Python — nothing is downloaded), batches of windows, a training loop on a CPU-time budget with a
warm-up and cosine schedule and gradient clipping, the validation loss, sampling, the command line and the report.

``char_lstm.py`` and ``tiny_transformer.py`` differ only in their model. A model maps character ids (N, T) to
logits (N, T, V) for the next character at every position, seeing only the characters before it.

The budget is CPU time spent training (evaluations excluded), and the learning rate follows it, so both models get
exactly the same budget and a complete schedule within it, however fast a step is on the machine.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from example_tools import progress_bar, save_curves

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

MODULES = [
    "abc", "argparse", "ast", "asyncio", "base64", "bisect", "builtins", "calendar", "cmd", "codecs", "collections",
    "concurrent.futures", "configparser", "contextlib", "copy", "csv", "dataclasses", "datetime", "decimal",
    "difflib", "doctest", "email.message", "enum", "fractions", "ftplib", "functools", "getopt", "gettext", "glob",
    "gzip", "hashlib", "heapq", "hmac", "html", "http.client", "http.server", "imaplib", "inspect", "io",
    "ipaddress", "itertools", "json", "locale", "logging", "mailbox", "math", "numbers", "operator", "optparse", "os",
    "pathlib", "pdb", "pickle", "pickletools", "platform", "poplib", "pprint", "pydoc", "queue", "random", "re",
    "sched", "secrets", "selectors", "shlex", "shutil", "smtplib", "socket", "socketserver", "stat", "statistics",
    "string", "struct", "subprocess", "symtable", "tarfile", "tempfile", "textwrap", "threading", "tokenize",
    "trace", "traceback", "types", "typing", "unittest", "unittest.mock", "urllib.parse", "urllib.request", "uuid",
    "warnings", "wave", "weakref", "zipfile",
]
ALPHABET = "\n" + "".join(chr(c) for c in range(32, 127))  # printable ASCII; anything else becomes "?"


def stdlib_docstrings() -> str:
    """The docstrings of the modules above and of their public classes, functions and methods, each once."""
    seen: set[str] = set()
    parts = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a Python built without one of them: the text is a little shorter
            continue
        documented: list[Any] = [module]
        for attribute, value in sorted(vars(module).items()):
            if attribute.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(value) or inspect.isroutine(value):
                documented.append(value)
            if inspect.isclass(value):
                documented += [member for member_name, member in sorted(vars(value).items())
                               if not member_name.startswith("_") and inspect.isroutine(member)]
        for obj in documented:
            doc = inspect.getdoc(obj)
            if doc and doc not in seen:
                seen.add(doc)
                parts.append(doc)
    text = "\n\n".join(parts)
    return "".join(c if c in ALPHABET else "?" for c in text)


def encode(text: str) -> np.ndarray:
    index = {c: i for i, c in enumerate(ALPHABET)}
    return np.array([index[c] for c in text], dtype=np.int64)


def decode(ids: Any) -> str:
    return "".join(ALPHABET[int(i)] for i in ids)


def random_windows(ids: np.ndarray, batch: int, context: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """``batch`` random windows: inputs (batch, context) and the next character at each position."""
    starts = rng.integers(0, len(ids) - context - 1, size=batch)
    rows = starts[:, None] + np.arange(context + 1)
    windows = ids[rows]
    return windows[:, :-1], windows[:, 1:]


def validation_loss(logits_of: Callable[[np.ndarray], tg.Tensor], ids: np.ndarray, context: int,
                    batch: int = 64) -> float:
    """Mean cross-entropy (nats per character) over consecutive windows of the validation text, each predicted from
    its own start (the same windows for both models)."""
    count = (len(ids) - 1) // context
    inputs = ids[: count * context].reshape(count, context)
    targets = ids[1 : count * context + 1].reshape(count, context)
    total = 0.0
    with tg.no_grad():
        for start in range(0, count, batch):
            logits = logits_of(inputs[start : start + batch])
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(ALPHABET)),
                                               targets[start : start + batch].reshape(-1), reduction="sum")
            total += loss.item()
    return total / targets.size


def setup(description: str, defaults: dict[str, Any]) -> tuple[argparse.Namespace, str]:
    """The command line (``defaults``: each model's learning rate and output folder), the seed set, and the text
    (its first 30,000 characters with ``--fast``)."""
    args = arguments(description, defaults)
    tg.manual_seed(args.seed)
    text = stdlib_docstrings()
    return args, text[:30_000] if args.fast else text


def arguments(description: str, defaults: dict[str, Any]) -> argparse.Namespace:
    """The shared command line; ``defaults`` sets each model's own (learning rate, output folder)."""
    parser = argparse.ArgumentParser(description=description, epilog="The budget is CPU time spent training "
                                     "(not evaluating), so a busy machine shortchanges neither model; run with "
                                     "OMP_NUM_THREADS=1 so that CPU time is one core's time.")
    parser.add_argument("--minutes", type=float, default=5.0, help="training budget in CPU minutes (default: "
                        "%(default)s; 0.03 with --fast)")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per step (default: %(default)s)")
    parser.add_argument("--context", type=int, default=64, help="characters per window (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=defaults["lr"], help="peak learning rate of Adam (default: "
                        "%(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the batches (default: "
                        "%(default)s)")
    parser.add_argument("--out", type=Path, default=Path(defaults["out"]), help="folder for loss.png (default: "
                        "%(default)s)")
    parser.add_argument("--fast", action="store_true", help="a tiny model on a slice of the text for a few seconds "
                        "(for tests)")
    args = parser.parse_args()
    if args.fast and args.minutes == parser.get_default("minutes"):
        args.minutes = 0.03
    for name in ("batch_size", "context"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if not args.minutes > 0 or not args.lr > 0:
        parser.error("--minutes and --lr must be positive")
    return args


class Budget:
    """CPU seconds spent inside ``with budget:`` blocks (training steps), against a limit."""

    def __init__(self, seconds: float) -> None:
        self.limit, self.spent = seconds, 0.0

    def __enter__(self) -> None:
        self.started = time.process_time()

    def __exit__(self, *exc: Any) -> None:
        self.spent += time.process_time() - self.started

    @property
    def left(self) -> float:
        return self.limit - self.spent


def budget_schedule(budget: Budget, warmup: float = 0.05, floor: float = 0.05) -> Callable[[int], float]:
    """The learning-rate factor as a function of the budget spent: a linear warm-up from 0.1 over the first
    ``warmup`` of the CPU time, then a cosine down to ``floor`` at its end (for ``LambdaLR``)."""
    def factor(_: int) -> float:
        spent = min(budget.spent / budget.limit, 1.0)
        if spent < warmup:
            return 0.1 + 0.9 * spent / warmup
        return floor + (1 - floor) * (1 + math.cos(math.pi * (spent - warmup) / (1 - warmup))) / 2
    return factor


def train(model: nn.Module, logits_of: Callable[[np.ndarray], tg.Tensor], ids: np.ndarray, args: argparse.Namespace,
          train_fraction: float = 0.9) -> dict[str, Any]:
    """AdamW on random windows until the CPU-time budget is spent, the learning rate following the budget (warm-up,
    cosine), gradients clipped to norm 1; the validation loss at every tenth of the budget. Returns the history."""
    split = int(len(ids) * train_fraction)
    train_ids, val_ids = ids[:split], ids[split:]
    rng = np.random.default_rng(args.seed)
    opt = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    budget = Budget(args.minutes * 60)
    schedule = optim.lr_scheduler.LambdaLR(opt, budget_schedule(budget))
    history: dict[str, Any] = {"steps": [], "cpu_seconds": [], "validation": [], "train": []}
    bar = progress_bar(round(budget.limit), "CPU-seconds")
    while True:
        if budget.spent >= len(history["steps"]) * budget.limit / 10 or budget.left <= 0:
            model.eval()
            history["steps"].append(len(history["train"]))
            history["cpu_seconds"].append(budget.spent)
            history["validation"].append(validation_loss(logits_of, val_ids[:20_000], args.context))
        if budget.left <= 0:
            break
        spent = budget.spent
        with budget:
            model.train()
            x, y = random_windows(train_ids, args.batch_size, args.context, rng)
            opt.zero_grad()
            loss = nn.functional.cross_entropy(logits_of(x).reshape(-1, len(ALPHABET)), y.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            schedule.step()
        history["train"].append(loss.item())
        bar.set_postfix_str(f"loss={np.mean(history['train'][-20:]):.3f} step={len(history['train'])}")
        bar.update(min(budget.spent, budget.limit) - min(spent, budget.limit))
    bar.close()
    model.eval()
    history.update(total_steps=len(history["train"]), budget_spent=budget.spent,
                   final_validation=validation_loss(logits_of, val_ids, args.context), train_chars=len(train_ids),
                   validation_chars=len(val_ids))
    return history


def sample(next_logits: Callable[[np.ndarray], np.ndarray], prompt: str, length: int, temperature: float,
           rng: np.random.Generator) -> str:
    """``length`` characters after ``prompt``, each drawn from softmax(logits / temperature) of the text so far."""
    ids = list(encode(prompt))
    for _ in range(length):
        logits = next_logits(np.array(ids)) / temperature
        p = np.exp(logits - logits.max())
        ids.append(int(rng.choice(len(p), p=p / p.sum())))
    return decode(ids)


def report(name: str, history: dict[str, Any], text: str, args: argparse.Namespace) -> None:
    """The final metric, a sample, and loss.png."""
    final = history["final_validation"]
    print(f"{name}: {history['total_steps']} steps of {args.batch_size}×{args.context} characters in "
          f"{history['budget_spent']:.0f} CPU-seconds")
    print(f"validation loss {final:.4f} nats/char ({final / math.log(2):.3f} bits/char) on the last "
          f"{history['validation_chars']} characters")
    print("sample:\n" + text)
    args.out.mkdir(parents=True, exist_ok=True)
    train = np.array(history["train"])
    smooth = np.convolve(train, np.ones(20) / 20, mode="valid") if len(train) >= 20 else train
    path = save_curves(args.out / "loss.png", {
        "training (mean of 20 steps)": (np.arange(len(smooth)) + len(train) - len(smooth), smooth),
        "validation": (history["steps"], history["validation"])},
        xlabel="step", ylabel="cross-entropy (nats/char)", title=f"{name} on the standard library's docstrings")
    print(f"wrote {path}")
