"""PyTorch's ``torch.nn.utils.parametrizations``: weight normalisation and spectral normalisation as
parametrizations (``parametrize.register_parametrization``), composed from Tensor ops."""

from __future__ import annotations

import numpy as np

from ... import engine, grad_mode, linalg
from ..._tensor import Tensor, cat, eye, generator, solve
from .. import conv
from .. import functional as F  # noqa: N812 - PyTorch's customary alias
from ..module import Module
from . import parametrize

__all__ = ["norm_except_dim", "orthogonal", "spectral_norm", "weight_norm"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of ``v`` over every axis but ``dim``, keeping the axes (PyTorch's ``norm_except_dim``);
    NOTE: ``dim=-1`` means the norm of the whole tensor (a 0-d result), as PyTorch, not the last axis."""
    if dim == -1:
        return v.norm(pow)
    axis = dim % v.ndim
    return v.norm(pow, tuple(a for a in range(v.ndim) if a != axis), keepdim=True)


class _WeightNorm(Module):
    """w = g · v / ‖v‖ (the norm over every axis but ``dim``): the direction v and the length g trained apart
    (Salimans & Kingma), from originals (g, v) = (‖w‖, w)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / norm_except_dim(weight_v, 2, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as g · v / ‖v‖, originals ``parametrizations.<name>.original0`` (g) and
    ``original1`` (v), as PyTorch; ``dim=None`` normalises the whole tensor. Returns the module."""
    return parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    """w / σ(w), σ the largest singular value of w as a matrix (``dim`` first, the rest flattened), estimated by power
    iteration on the buffers ``_u``, ``_v`` (``n_power_iterations`` steps per call in training, none in eval);
    a 1-D weight is normalised instead, as PyTorch."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < ndim:
            raise IndexError(f"spectral_norm: dim must be in [-{ndim}, {ndim - 1}] for a {ndim}-D weight, got {dim}")
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, got {n_power_iterations}")
        self.dim, self.eps, self.n_power_iterations = dim % ndim, eps, n_power_iterations
        if ndim > 1:
            rows, columns = self.as_matrix(weight).shape
            for name, size in (("_u", rows), ("_v", columns)):
                start = generator().normal(0.0, 1.0, size).astype(weight.dtype)
                self.register_buffer(name, F.normalize(Tensor(start), dim=0, eps=eps))
            self.power_method(self.as_matrix(weight), 15)

    def as_matrix(self, weight: Tensor) -> Tensor:
        return weight.movedim(self.dim, 0).flatten(1)

    def power_method(self, weight_mat: Tensor, iterations: int) -> None:
        """u ← normalize(W v), v ← normalize(Wᵀ u), ``iterations`` times, in place and untracked (PyTorch's order)."""
        with grad_mode.no_grad():
            matrix = weight_mat.detach()
            for _ in range(iterations):
                self._u.data[...] = F.normalize(matrix @ self._v, dim=0, eps=self.eps).data
                self._v.data[...] = F.normalize(matrix.T @ self._u, dim=0, eps=self.eps).data  # from the new u
            engine.bump_version(self._u)
            engine.bump_version(self._v)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self.as_matrix(weight)
        if self.training:
            self.power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        return weight / (u * (weight_mat @ v)).sum()

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


TRANSPOSED = (conv.ConvTranspose1d, conv.ConvTranspose2d, conv.ConvTranspose3d)


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Reparametrize ``module.<name>`` as w / σ(w) (``_SpectralNorm``); ``dim`` defaults to 1 for transposed
    convolutions and 0 otherwise, as PyTorch. Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module {type(module).__name__} has no parameter or buffer with name {name!r}")
    if dim is None:
        dim = 1 if isinstance(module, TRANSPOSED) else 0
    return parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))


ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _make_orthogonal(A: np.ndarray) -> np.ndarray:
    """The Q of A's QR decomposition with R's diagonal made positive (PyTorch's choice of sign)."""
    Q, R = np.linalg.qr(A)
    return Q * np.sign(np.diagonal(R, axis1=-2, axis2=-1))[..., None, :]


class _Orthogonal(Module):
    """An orthogonal matrix (or batch, or the first k columns of one) as a function of an unconstrained one: the
    matrix exponential or the Cayley map of the skew-symmetric A − Aᵀ built from its lower triangle, or a product
    of Householder reflections; with ``use_trivialization`` it multiplies a buffer ``base``, the orthogonal matrix
    the parametrization started from (PyTorch's dynamic trivialization)."""

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape, self.orthogonal_map = weight.shape, orthogonal_map
        self.use_trivialization = use_trivialization
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X, n, k = X.mT, k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:
                X = cat([X, Tensor.wrap(np.zeros((*X.shape[:-2], n, n - k), X.dtype))], axis=-1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = A.matrix_exp()
            else:
                identity = eye(n, dtype=A.dtype)
                Q = solve(identity - A * 0.5, identity + A * 0.5)
            Q = Q[..., :k] if n != k else Q
        else:
            A = X.tril(-1)
            Q = linalg.householder_product(A, 2.0 / (1.0 + (A * A).sum(axis=-2)))
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if self.use_trivialization:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        """With ``use_trivialization``: ``base`` ← Q (made orthogonal, completed to a square one), original ← −I."""
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape "
                             f"{Q.shape}.")
        if not self.use_trivialization:
            raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                      "parametrizations when use_trivialization=False.")
        values = Q.data
        n, k = values.shape[-2:]
        if n < k:
            values, n, k = np.swapaxes(values, -1, -2), k, n
        if n == k:
            product = np.swapaxes(values, -1, -2) @ values
            tolerance = 10 * n * np.finfo(values.dtype).eps
            orthogonal_already = np.allclose(product, np.eye(n), rtol=1e-5, atol=tolerance)
            base = values.copy() if orthogonal_already else _make_orthogonal(values)
        else:
            completion = generator().standard_normal((*values.shape[:-2], n, n - k)).astype(values.dtype)
            base = _make_orthogonal(np.concatenate([values, completion], axis=-1))
        self.base = Tensor(base.astype(Q.dtype))
        minus_identity = np.zeros(self.shape, Q.dtype)
        diagonal = np.arange(min(self.shape[-2:]))
        minus_identity[..., diagonal, diagonal] = -1.0
        return Tensor(minus_identity)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Reparametrize ``module.<name>`` (a matrix or batch of them) to be orthogonal (orthonormal columns or rows):
    ``orthogonal_map`` matrix_exp (the default for square matrices), cayley, or householder (the default
    otherwise), as PyTorch. Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module {type(module).__name__} has no parameter or buffer with name {name!r}")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in ORTHOGONAL_MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f"{orthogonal_map}")
    if orthogonal_map == "householder" and not use_trivialization:
        raise NotImplementedError("orthogonal: householder with use_trivialization=False starts from LAPACK's geqrf "
                                  "factors, which tinygrad_edu lacks; keep use_trivialization=True")
    return parametrize.register_parametrization(module, name, _Orthogonal(weight, orthogonal_map,
                                                                          use_trivialization=use_trivialization),
                                                unsafe=True)
