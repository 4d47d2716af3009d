"""PyTorch's device spellings for the one device there is: ``tg.device("cpu")``, and ``tg.cuda``, which says there is
no GPU — so ``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")`` picks the CPU here."""

from __future__ import annotations

from types import SimpleNamespace


def device(type: str, index: int | None = None) -> str:
    """The device's name, as ``Tensor.device`` reads it: ``"cpu"`` holds tensors; any other is refused where used."""
    if not isinstance(type, str):
        raise TypeError(f"device: expected a name such as 'cpu', got {type!r}")
    return type if index is None else f"{type}:{index}"


def _no_gpu() -> bool:
    """False: tinygrad_edu computes with numpy on the CPU."""
    return False


def _no_gpus() -> int:
    return 0


def _nothing_to_seed(seed: int) -> None:
    """Seeds nothing: there is no GPU generator (``tg.manual_seed`` seeds the one there is)."""


cuda = SimpleNamespace(is_available=_no_gpu, device_count=_no_gpus, manual_seed=_nothing_to_seed,
                       manual_seed_all=_nothing_to_seed)
