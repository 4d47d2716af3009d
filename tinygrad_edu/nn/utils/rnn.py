"""``torch.nn.utils.rnn``'s padding helper: sequences of different lengths as one padded batch."""

from __future__ import annotations

from collections.abc import Sequence

from ..._tensor import Tensor, cat, full, stack

__all__ = ["pad_sequence"]


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Tensors of shapes (Lᵢ, *) as one (L_max, B, *) tensor — (B, L_max, *) with ``batch_first`` — each padded with
    ``padding_value`` on the ``padding_side``; differentiable with respect to every sequence."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    sequences = [s if isinstance(s, Tensor) else Tensor(s) for s in sequences]
    if not sequences:
        raise ValueError("pad_sequence: needs at least one sequence")
    trailing = {s.shape[1:] for s in sequences}
    if len(trailing) > 1 or any(s.ndim == 0 for s in sequences):
        raise ValueError(f"pad_sequence: sequences must share their shape after the first axis, got "
                         f"{[s.shape for s in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        fill = full((longest - s.shape[0], *s.shape[1:]), padding_value, dtype=s.dtype)
        padded.append(cat([s, fill] if padding_side == "right" else [fill, s], dim=0))
    return stack(padded, dim=0 if batch_first else 1)
