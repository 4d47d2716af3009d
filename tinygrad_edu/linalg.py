"""``tg.linalg``: PyTorch's ``torch.linalg`` names for the linear-algebra ops (their calculus is in ``ops``)."""

from ._tensor import det, inv, matrix_norm, slogdet, solve, vector_norm
from ._tensor import linalg_norm as norm

__all__ = ["det", "inv", "matrix_norm", "norm", "slogdet", "solve", "vector_norm"]
