"""Differential fuzzing: random graphs of every differentiable op, checked against numpy and finite differences.

Hypothesis writes small programs over a pool of values: float64 leaves (one may share another's array), constants,
detached aliases, views, and the results of ops applied to any pool members (so values are reused). Each program
runs twice, side by side: in tinygrad_edu, and as plain numpy written independently in ``CATALOG``. Then:
- forward values agree with numpy;
- every leaf's gradient of a random weighting of the results agrees with central finite differences of the numpy
  program (detached values held at their unperturbed value), in a plain backward and with ``create_graph=True``;
- for a sample, a Hessian-vector product from the recorded backward agrees with finite differences of gradients;
- a program that changes a saved value in place (through a detached alias) raises instead of differentiating.
Kinks where PyTorch's convention is not the symmetric difference (relu, clip, leaky_relu) are kept at a distance.
``--hypothesis-profile=long`` runs many more programs (tests/conftest.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.gradcheck import finite_difference_jacobians
from tinygrad_edu.nn import functional as F  # noqa: N812

KINK_MARGIN = 1e-4  # ≫ the finite-difference step 1e-6
FUZZ = settings(max_examples=3 * settings.default.max_examples)  # the profile's count, tripled
_erf = np.vectorize(math.erf)


@dataclass(frozen=True)
class Op:
    """An op of the catalog: tinygrad_edu's spelling and an independent numpy one, with what its inputs need."""

    arity: int
    ours: Callable
    numpy: Callable
    kinks: Callable | None = None  # numpy inputs → distances to points where the op isn't smooth
    fits: Callable = lambda *shapes: True


def _broadcastable(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


def _softmax(a: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _gap(a: np.ndarray, axis: int | None) -> np.ndarray:
    """Distance between the largest value and the next one. A tie is a kink too: where tied values come from
    different leaves, a one-sided perturbation is not PyTorch's half-and-half (tested as a closed form instead)."""
    values = np.sort(np.moveaxis(a, axis, -1) if axis is not None else a.reshape(-1), axis=-1)
    return values[..., -1] - values[..., -2] if values.shape[-1] > 1 else np.array([np.inf])


def _last_axis(*shapes: tuple[int, ...]) -> bool:
    return len(shapes[0]) >= 1


CATALOG: dict[str, Op] = {
    "add": Op(2, lambda a, b: a + b, np.add, fits=_broadcastable),
    "sub": Op(2, lambda a, b: a - b, np.subtract, fits=_broadcastable),
    "mul": Op(2, lambda a, b: a * b, np.multiply, fits=_broadcastable),
    "div": Op(2, lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5), fits=_broadcastable),
    "pow": Op(2, lambda a, b: (a * a + 0.5) ** b, lambda a, b: (a * a + 0.5) ** b, fits=_broadcastable),
    "rpow": Op(1, lambda a: 1.7**a, lambda a: 1.7**a),
    "square": Op(1, lambda a: a**2, lambda a: a**2),
    "cube": Op(1, lambda a: a**3.0, lambda a: a**3),
    "root": Op(1, lambda a: (a * a + 0.2) ** 0.5, lambda a: np.sqrt(a * a + 0.2)),
    "neg": Op(1, lambda a: -a, np.negative),
    "exp": Op(1, lambda a: a.tanh().exp(), lambda a: np.exp(np.tanh(a))),
    "log": Op(1, lambda a: (a * a + 0.1).log(), lambda a: np.log(a * a + 0.1)),
    "log1p": Op(1, lambda a: (a * a).log1p(), lambda a: np.log1p(a * a)),
    "sqrt": Op(1, lambda a: (a * a + 0.1).sqrt(), lambda a: np.sqrt(a * a + 0.1)),
    "abs": Op(1, lambda a: a.abs(), np.abs),
    "tanh": Op(1, lambda a: a.tanh(), np.tanh),
    "sigmoid": Op(1, lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    "erf": Op(1, lambda a: a.erf(), _erf),
    "gelu": Op(1, F.gelu, lambda a: a * 0.5 * (1 + _erf(a / math.sqrt(2)))),
    "gelu_tanh": Op(1, lambda a: F.gelu(a, "tanh"),
                    lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))),
    "softplus": Op(1, F.softplus, lambda a: np.logaddexp(0, a)),
    "relu": Op(1, lambda a: a.relu(), lambda a: np.maximum(a, 0), kinks=np.abs),
    "leaky_relu": Op(1, lambda a: F.leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a), kinks=np.abs),
    "clip": Op(1, lambda a: a.clip(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7),
               kinks=lambda a: np.minimum(np.abs(a + 0.5), np.abs(a - 0.7))),
    "maximum": Op(2, lambda a, b: a.maximum(b), np.maximum, fits=_broadcastable, kinks=lambda a, b: np.abs(a - b)),
    "minimum": Op(2, lambda a, b: tg.minimum(a, b), np.minimum, fits=_broadcastable, kinks=lambda a, b: np.abs(a - b)),
    "where": Op(2, lambda a, b: tg.where(a.data > 0, a, b), lambda a, b: np.where(a > 0, a, b), fits=_broadcastable,
                kinks=lambda a, b: np.abs(a)),
    "matmul": Op(2, lambda a, b: a @ b, np.matmul,
                 fits=lambda s, t: len(s) >= 1 and len(t) >= 1 and s[-1] == t[-2 if len(t) > 1 else 0]
                 and _broadcastable(s[:-2], t[:-2])),
    "linear": Op(2, lambda a, w: F.linear(a, w), lambda a, w: a @ w.T,
                 fits=lambda s, t: len(s) >= 2 and len(t) == 2 and s[-1] == t[-1]),
    "sum": Op(1, lambda a: a.sum(), np.sum),
    "sum_axis": Op(1, lambda a: a.sum(axis=-1, keepdims=True), lambda a: a.sum(axis=-1, keepdims=True),
                   fits=_last_axis),
    "mean_axis0": Op(1, lambda a: a.mean(axis=0), lambda a: a.mean(axis=0), fits=_last_axis),
    "mean": Op(1, lambda a: a.mean(), np.mean),
    "max": Op(1, lambda a: a.max(), np.max, kinks=lambda a: _gap(a, None)),
    "max_axis": Op(1, lambda a: a.max(axis=-1), lambda a: a.max(axis=-1), kinks=lambda a: _gap(a, -1),
                   fits=_last_axis),
    "min_axis0": Op(1, lambda a: a.min(axis=0, keepdims=True), lambda a: a.min(axis=0, keepdims=True),
                    kinks=lambda a: _gap(-a, 0), fits=_last_axis),
    "var": Op(1, lambda a: a.var(axis=-1), lambda a: a.var(axis=-1, ddof=1),
              fits=lambda s: len(s) >= 1 and s[-1] >= 2),
    "var_biased": Op(1, lambda a: a.var(ddof=0), np.var),
    "std": Op(1, lambda a: a.std(correction=0), np.std, kinks=lambda a: np.atleast_1d(a.std())),
    "softmax": Op(1, lambda a: a.softmax(axis=-1), lambda a: _softmax(a, -1), fits=_last_axis),
    "log_softmax": Op(1, lambda a: a.log_softmax(axis=0), lambda a: np.log(_softmax(a, 0)), fits=_last_axis),
    "reshape": Op(1, lambda a: a.reshape(-1), lambda a: a.reshape(-1)),
    "transpose": Op(1, lambda a: a.T, lambda a: a.T),
    "mT": Op(1, lambda a: a.mT, lambda a: np.swapaxes(a, -1, -2), fits=lambda s: len(s) >= 2),
    "unsqueeze": Op(1, lambda a: a.unsqueeze(0), lambda a: a[None]),
    "squeeze": Op(1, lambda a: a.squeeze(), np.squeeze),
    "expand": Op(1, lambda a: a.broadcast_to((2, *a.shape)), lambda a: np.broadcast_to(a, (2, *a.shape))),
    "flip": Op(1, lambda a: a[::-1], lambda a: a[::-1], fits=_last_axis),
    "slice": Op(1, lambda a: a[..., 1:], lambda a: a[..., 1:], fits=lambda s: len(s) >= 1 and s[-1] >= 2),
    "gather": Op(1, lambda a: a[np.array([0, 0, -1])], lambda a: a[np.array([0, 0, -1])], fits=_last_axis),
    "mask": Op(1, lambda a: a[a.data > 0], lambda a: a[a > 0], fits=_last_axis, kinks=np.abs),
    "cat": Op(2, lambda a, b: tg.cat([a, b], axis=-1), lambda a, b: np.concatenate([a, b], axis=-1),
              fits=lambda s, t: len(s) == len(t) >= 1 and s[:-1] == t[:-1]),
    "stack": Op(2, lambda a, b: tg.stack([a, b], axis=0), lambda a, b: np.stack([a, b]),
                fits=lambda s, t: s == t),
    "clone": Op(1, lambda a: a.clone(), np.copy),
    # in-place, where legal: on a fresh intermediate, recorded in the graph
    "iadd": Op(2, lambda a, b: _changed(a, lambda x: x.__iadd__(b)), np.add,
               fits=lambda s, t: _broadcastable(s, t) and np.broadcast_shapes(s, t) == s),
    "imul": Op(2, lambda a, b: _changed(a, lambda x: x.mul_(b)), np.multiply,
               fits=lambda s, t: _broadcastable(s, t) and np.broadcast_shapes(s, t) == s),
    "setitem": Op(2, lambda a, b: _changed(a, lambda x: x.__setitem__(0, b.sum())),
                  lambda a, b: np.concatenate([np.full((1, *a.shape[1:]), b.sum()), a[1:]]), fits=_last_axis),
}


def _changed(a: tg.Tensor, change: Callable) -> tg.Tensor:
    """A fresh copy of ``a`` changed in place (an intermediate of the graph, as ``y = x * 1; y += …`` makes)."""
    x = a * 1.0
    change(x)
    return x

LEAF_SHAPES = [(3,), (2, 3), (1, 3), (2, 1), (3, 2), (2, 2, 3), ()]


@dataclass
class Program:
    """A pool of values, each known by how to compute it in tinygrad_edu and in numpy from the leaves' values."""

    leaf_values: list[np.ndarray]
    constants: list[np.ndarray]
    twin: int | None = None  # the last leaf is a second leaf over this leaf's array
    steps: list[tuple] = field(default_factory=list)  # (kind, op name, operand indices)
    shapes: list[tuple[int, ...]] = field(default_factory=list)

    def run_ours(self, leaves: list[tg.Tensor], held: list[np.ndarray] | None = None) -> list[tg.Tensor]:
        """The program in tinygrad_edu; with ``held``, a detached value is that constant (the unperturbed run's)."""
        pool: list[tg.Tensor] = [*leaves, *(tg.Tensor(c) for c in self.constants)]
        for kind, name, operands in self.steps:
            if kind == "detach":
                pool.append(pool[operands[0]].detach() if held is None else tg.Tensor(held[operands[0]]))
            else:
                pool.append(CATALOG[name].ours(*(pool[i] for i in operands)))
        return pool

    def run_numpy(self, leaf_values: list[np.ndarray], held: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """The same program in numpy. A detached value is a constant: taken from ``held`` (the unperturbed run)."""
        pool: list[np.ndarray] = [*leaf_values, *self.constants]
        for kind, name, operands in self.steps:
            if kind == "detach":
                pool.append((pool if held is None else held)[operands[0]])
            else:
                pool.append(np.asarray(CATALOG[name].numpy(*(pool[i] for i in operands)), dtype=np.float64))
        return pool

    def leaves(self) -> list[tg.Tensor]:
        """Fresh float64 leaves; a twin is a second leaf over its partner's array (``x.detach().requires_grad_()``)."""
        leaves = [tg.Tensor(v, requires_grad=True) for v in self.leaf_values]
        if self.twin is not None:
            leaves[-1] = leaves[self.twin].detach().requires_grad_()
        return leaves

    def numeric_gradients(self, take: list[int], weights: list[np.ndarray]) -> list[np.ndarray]:
        """∂/∂leaf of Σ w·result by central differences of the numpy program."""
        held = self.run_numpy(self.leaf_values)

        def scalar(values: list[np.ndarray]) -> float:
            pool = self.run_numpy(values, held)
            return float(sum((pool[i] * w).sum() for i, w in zip(take, weights)))

        return [j.reshape(v.shape) for j, v in
                zip(finite_difference_jacobians(scalar, self.leaf_values), self.leaf_values)]


@st.composite
def programs(draw: st.DrawFn) -> Program:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_leaves = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(LEAF_SHAPES)) for _ in range(n_leaves)]
    leaf_values = [rng.standard_normal(s) for s in shapes]
    twin = 0 if n_leaves > 1 and draw(st.booleans()) else None  # a second leaf over the first one's memory
    if twin is not None:
        shapes[-1], leaf_values[-1] = shapes[0], leaf_values[0].copy()
    constants = [rng.standard_normal(draw(st.sampled_from(LEAF_SHAPES)))]
    program = Program(leaf_values, constants, twin, shapes=[*shapes, constants[0].shape])
    names = sorted(CATALOG)
    for _ in range(draw(st.integers(1, 7))):
        if draw(st.integers(0, 9)) == 0:
            program.steps.append(("detach", "detach", (draw(st.integers(0, len(program.shapes) - 1)),)))
            program.shapes.append(program.shapes[program.steps[-1][2][0]])
            continue
        name = draw(st.sampled_from(names))
        op = CATALOG[name]
        first = draw(st.integers(0, len(program.shapes) - 1))
        operands = [first]
        if op.arity == 2:
            partners = [i for i, s in enumerate(program.shapes) if op.fits(program.shapes[first], s)]
            assume(partners)
            operands.append(draw(st.sampled_from(partners)))
        elif not op.fits(program.shapes[first]):
            continue
        values = program.run_numpy(program.leaf_values)
        inputs = [values[i] for i in operands]
        if op.kinks is not None:
            assume(np.all(op.kinks(*inputs) > KINK_MARGIN))
        try:
            result = np.asarray(op.numpy(*inputs))
        except (ValueError, IndexError):
            continue
        assume(np.all(np.isfinite(result)) and np.all(np.abs(result) < 1e4))
        program.steps.append(("op", name, tuple(operands)))
        program.shapes.append(result.shape)
    assume(program.steps)
    return program


def objective(results: list, weights: list[np.ndarray], take: list[int]) -> tg.Tensor:
    total = None
    for i, w in zip(take, weights):
        term = (results[i] * tg.Tensor(w)).sum()
        total = term if total is None else total + term
    return total


@FUZZ
@given(programs(), st.integers(0, 2**32 - 1), st.booleans())
def test_random_graphs_match_numpy_and_finite_differences(program: Program, seed: int, check_second: bool):
    note(f"steps: {program.steps}, twin: {program.twin}")
    rng = np.random.default_rng(seed)
    n_leaves = len(program.leaf_values)
    take = sorted({len(program.shapes) - 1, int(rng.integers(n_leaves, len(program.shapes)))})
    expected = program.run_numpy(program.leaf_values)
    weights = [rng.standard_normal(expected[i].shape) for i in take]
    numeric = program.numeric_gradients(take, weights)
    for create_graph in (False, True):
        leaves = program.leaves()
        results = program.run_ours(leaves)
        for ours, theirs in zip(results, expected):
            np.testing.assert_allclose(ours.data, theirs, rtol=1e-10, atol=1e-12, err_msg="forward")
        total = objective(results, weights, take)
        if not total.requires_grad:
            assert all(np.all(g == 0) for g in numeric)
            return
        total.backward(create_graph=create_graph)
        for index, (leaf, expected_grad) in enumerate(zip(leaves, numeric)):
            got = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
            np.testing.assert_allclose(got, expected_grad, rtol=1e-4, atol=1e-6,
                                       err_msg=f"leaf {index}, create_graph={create_graph}")
    if check_second:
        _check_hessian_vector_product(program, weights, take, rng)


def _check_hessian_vector_product(program: Program, weights: list[np.ndarray], take: list[int],
                                  rng: np.random.Generator) -> None:
    """d/dx ⟨v, ∂C/∂x⟩ from a recorded backward against finite differences of plain-backward gradients."""
    vs = [rng.standard_normal(v.shape) for v in program.leaf_values]
    held = program.run_numpy(program.leaf_values)

    def first_derivative(values: list[np.ndarray]) -> float:
        leaves = [tg.Tensor(v, requires_grad=True) for v in values]
        objective(program.run_ours(leaves, held), weights, take).backward()
        return float(sum((leaf.grad.data * v).sum() for leaf, v in zip(leaves, vs) if leaf.grad is not None))

    numeric = finite_difference_jacobians(first_derivative, program.leaf_values, eps=1e-5)
    leaves = [tg.Tensor(v, requires_grad=True) for v in program.leaf_values]
    total = objective(program.run_ours(leaves), weights, take)
    grads = tg.transforms.vjp_grads([total], [tg.Tensor(np.ones(()))], leaves, create_graph=True)
    terms = [(g * tg.Tensor(v)).sum() for g, v in zip(grads, vs) if g.requires_grad]
    if not terms:
        return
    inner = terms[0]
    for term in terms[1:]:
        inner = inner + term
    for leaf in leaves:
        leaf.grad = None
    inner.backward()
    for index, (leaf, expected) in enumerate(zip(leaves, numeric)):
        got = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
        np.testing.assert_allclose(got.reshape(-1), expected.reshape(-1), rtol=1e-3, atol=1e-5,
                                   err_msg=f"second derivative, leaf {index}")


@FUZZ
@given(programs(), st.integers(0, 2**32 - 1))
def test_changing_a_saved_value_in_place_raises_or_leaves_the_gradient_right(program: Program, seed: int):
    """Zeroing a leaf's memory (through a detached alias) after the graph is built: backward either refuses (an op
    saved the leaf) or gives the gradient of the function as it was built (no op needed the leaf's values)."""
    rng = np.random.default_rng(seed)
    take = [len(program.shapes) - 1]
    weights = [rng.standard_normal(program.shapes[take[0]])]
    numeric = program.numeric_gradients(take, weights)
    leaves = program.leaves()
    total = objective(program.run_ours(leaves), weights, take)
    assume(total.requires_grad)
    leaves[int(rng.integers(len(leaves)))].detach().zero_()
    try:
        total.backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return
    for leaf, expected_grad in zip(leaves, numeric):
        got = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad.data
        np.testing.assert_allclose(got, expected_grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_catalog_op_is_reachable(name):
    """The fuzzer's catalog runs each op at least once on a shape it accepts (a typo would hide an op forever)."""
    op = CATALOG[name]
    rng = np.random.default_rng(0)
    for shapes in [((2, 3),) * op.arity, ((3,),) * op.arity, ((2, 3), (3, 2)), ((2, 3), (2, 3))]:
        if len(shapes) == op.arity and op.fits(*shapes):
            values = [rng.standard_normal(s) + 0.3 for s in shapes]
            ours = op.ours(*(tg.Tensor(v) for v in values))
            np.testing.assert_allclose(ours.data, op.numpy(*values), rtol=1e-10)
            return
    pytest.fail(f"no test shape fits {name}")
