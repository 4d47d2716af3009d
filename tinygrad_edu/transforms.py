"""Functional transforms in JAX's style: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, ``vjp``, ``jvp``.

Each transform takes a function of Tensors and returns a function (or values) built on the same reverse-mode
engine as ``backward()``: a gradient is a vector-Jacobian product, a Jacobian is one vector-Jacobian product per
output element, a Hessian is the Jacobian of the gradient, and a Jacobian-vector product is the derivative of a
vector-Jacobian product with respect to its (linear) cotangent — the "double-vjp trick".

Differentiated arguments may be Tensors, ndarrays or Python numbers (the others are passed as given, ndarrays
becoming Tensors); results are Tensors. Transforms nest (``grad(grad(f))``):
when an argument already requires grad, the result stays differentiable with respect to it.
The ``.grad`` of tensors the function closes over (e.g. a model's weights) is left untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._tensor import Tensor, stack, zeros_like
from .engine import live_tensors

ArgNums = int | tuple[int, ...]


# ----------------------------------------------------------------------------------------------- the one primitive
def vjp_grads(outputs: Sequence[Tensor], cotangents: Sequence[Tensor], wrt: Sequence[Tensor],
              create_graph: bool = False) -> list[Tensor]:
    """Σₖ cotangentₖ · ∂outputₖ/∂w for each ``w`` in ``wrt`` (zeros where w is unused); see ``reached_grads``."""
    grads = reached_grads(outputs, cotangents, wrt, create_graph, retain_graph=True)
    return [zeros_like(w) if g is None else g for w, g in zip(wrt, grads)]


def reached_grads(outputs: Sequence[Tensor], cotangents: Sequence[Tensor], wrt: Sequence[Tensor],
                  create_graph: bool, retain_graph: bool, fill_retained: bool = False) -> list[Tensor | None]:
    """Σₖ cotangentₖ · ∂outputₖ/∂w for each ``w`` in ``wrt``, None where backward never reaches w.

    Runs ``backward`` once, towards ``wrt`` only (``inputs=``); ``.grad`` of every tensor it fills is restored
    after, except, with ``fill_retained``, that a non-leaf the caller marked ``retain_grad`` on the way adds its
    gradient (``torch.autograd.grad`` does). ``wrt`` must be tensors that require grad (leaves, or non-leaves that
    this call may mark ``retain_grad``).
    """
    terms = [(out * seed).sum() for out, seed in zip(outputs, cotangents) if out.requires_grad]
    if not terms:
        return [None for _ in wrt]
    root = terms[0]
    for term in terms[1:]:
        root = root + term
    unique = {id(w): w for w in wrt}
    ours = {key for key, w in unique.items() if w.grad_fn is not None and not w.retains_grad}  # the walk retains
    # these for itself (inputs=); only wrt and the retained tensors on the way get a .grad, to be put back after
    kept = [(w, w.grad) for w in unique.values()] + [
        (t, t.grad) for t in live_tensors(root) if t.retains_grad and id(t) not in unique]
    hooked = [(t, t.post_accumulate_grad_hooks) for t, _ in kept if t.post_accumulate_grad_hooks]
    for tensor, _ in kept:
        tensor.grad = None
    for tensor, _ in hooked:  # they see .grad filled by a backward; this one's .grad is put back
        tensor.post_accumulate_grad_hooks = None
    try:
        root.backward(retain_graph=retain_graph, create_graph=create_graph, inputs=list(wrt))
        return [w.grad for w in wrt]
    finally:
        for tensor, hooks in hooked:
            tensor.post_accumulate_grad_hooks = hooks
        for tensor, previous in kept:
            new = tensor.grad if fill_retained and tensor.grad_fn is not None and id(tensor) not in ours else None
            tensor.grad = previous if new is None else new if previous is None else previous + new


# ----------------------------------------------------------------------------------------------- argument handling
def _argnum_tuple(argnums: ArgNums, nargs: int, name: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or any(not isinstance(n, int) or not -nargs <= n < nargs for n in nums):
        raise ValueError(f"{name}: argnums={argnums!r} does not index the {nargs} positional argument(s) given")
    return tuple(n % nargs for n in nums)


def _as_input(value: Any, position: int, name: str) -> tuple[Tensor, bool]:
    """A differentiable stand-in for an argument, and whether the caller is differentiating through it."""
    if isinstance(value, Tensor) and value.requires_grad:
        return value.reshape(value.shape), True  # a non-leaf alias: its gradient stays connected to ``value``
    data = value.data.copy() if isinstance(value, Tensor) else value
    tensor = Tensor(data)
    if tensor.dtype.kind != "f":
        raise TypeError(
            f"{name}: argument {position} has dtype {tensor.dtype}; only floating-point arguments can be "
            "differentiated (write 2.0 instead of 2, or pass a float array)"
        )
    return tensor.requires_grad_(), False


def _prepare(args: tuple, argnums: ArgNums, name: str) -> tuple[list, list[Tensor], bool]:
    """Arguments with the differentiated ones replaced by fresh inputs; those inputs; whether nested."""
    nums = _argnum_tuple(argnums, len(args), name)
    call_args = [Tensor(a) if isinstance(a, np.ndarray) else a for a in args]  # other arguments: as given
    wrt, nested = [], False
    for n in nums:
        call_args[n], outer = _as_input(args[n], n, name)
        wrt.append(call_args[n])
        nested = nested or outer
    return call_args, wrt, nested


def _as_output(value: Any, name: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (tuple, list)):
        raise TypeError(f"{name}: the function returned a {type(value).__name__}; it must return one Tensor here")
    return Tensor(value)


def _finish(tensor: Tensor, nested: bool) -> Tensor:
    return tensor if nested else tensor.detach()


def _pick(values: list, argnums: ArgNums) -> Any:
    """One value for an int ``argnums``, a tuple for a tuple ``argnums`` (JAX's convention)."""
    return values[0] if isinstance(argnums, int) else tuple(values)


# ----------------------------------------------------------------------------------------------- the transforms
def value_and_grad(f: Callable, argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """``f`` → a function returning ``(f(*args), ∇f(*args))``; with ``has_aux``, f returns ``(value, aux)``.

    ``f`` must return a single-element Tensor. The gradient has each argument's shape; a tuple ``argnums``
    gives a tuple of gradients.
    """

    def value_and_grad_f(*args: Any) -> tuple:
        call_args, wrt, nested = _prepare(args, argnums, "value_and_grad")
        result = f(*call_args)
        if has_aux:
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise TypeError("value_and_grad(has_aux=True): the function must return a pair (value, aux)")
            result, aux = result
        value = _as_output(result, "value_and_grad")
        if value.size != 1:
            raise TypeError(
                f"value_and_grad: the function must return a single-element Tensor, got shape {value.shape}; "
                "use jacobian() or vjp() for non-scalar outputs"
            )
        grads = vjp_grads([value], [Tensor.wrap(np.ones_like(value.data))], wrt, create_graph=nested)
        grads = _pick([_finish(g, nested) for g in grads], argnums)
        value = _finish(value, nested)
        return ((value, aux), grads) if has_aux else (value, grads)

    return value_and_grad_f


def grad(f: Callable, argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """``f`` → ``∇f``: a function returning the gradient of scalar ``f`` w.r.t. the arguments in ``argnums``."""
    value_and_grad_f = value_and_grad(f, argnums, has_aux)

    def grad_f(*args: Any) -> Any:
        (value_or_pair, grads) = value_and_grad_f(*args)
        return (grads, value_or_pair[1]) if has_aux else grads

    return grad_f


def jacobian_of(output: Tensor, wrt: list[Tensor], create_graph: bool) -> list[Tensor]:
    """∂output/∂w for each w, of shape ``output.shape + w.shape``: one vector-Jacobian product per output element."""
    rows: list[list[Tensor]] = [[] for _ in wrt]
    for m in range(output.size):
        seed = np.zeros(output.size, dtype=output.dtype)
        seed[m] = 1
        seed_tensor = Tensor.wrap(seed.reshape(output.shape))
        for row, g in zip(rows, vjp_grads([output], [seed_tensor], wrt, create_graph)):
            row.append(g)
    return [
        stack(row).reshape(*output.shape, *w.shape) if row else Tensor.wrap(
            np.zeros((*output.shape, *w.shape), dtype=w.dtype))
        for row, w in zip(rows, wrt)
    ]


def jacobian(f: Callable, argnums: ArgNums = 0) -> Callable:
    """``f`` → a function returning ∂f/∂x of shape ``f(x).shape + x.shape`` (reverse mode, one row at a time)."""

    def jacobian_f(*args: Any) -> Any:
        call_args, wrt, nested = _prepare(args, argnums, "jacobian")
        output = _as_output(f(*call_args), "jacobian")
        jacobians = jacobian_of(output, wrt, create_graph=nested)
        return _pick([_finish(j, nested) for j in jacobians], argnums)

    return jacobian_f


def hessian(f: Callable, argnums: ArgNums = 0) -> Callable:
    """``f`` → a function returning ∂²f/∂x² of shape ``x.shape + x.shape`` (the Jacobian of the gradient).

    With a tuple ``argnums``, block ``[i][j]`` is ∂²f/∂xᵢ∂xⱼ.
    """
    gradient = grad(f, argnums)
    if isinstance(argnums, int):
        return jacobian(gradient, argnums)

    def hessian_f(*args: Any) -> tuple:
        call_args, wrt, nested = _prepare(args, argnums, "hessian")
        blocks = tuple(jacobian_of(g, wrt, create_graph=nested) for g in gradient(*call_args))
        return tuple(tuple(_finish(b, nested) for b in row) for row in blocks)

    return hessian_f


def vjp(f: Callable, *primals: Any) -> tuple[Tensor, Callable]:
    """``(f(*primals), vjp_fn)`` where ``vjp_fn(v)`` returns the tuple ``vᵀ·∂f/∂primalᵢ`` (one per primal).

    ``vjp_fn`` may be called many times (the graph is kept while it is alive).
    """
    call_args, wrt, nested = _prepare(primals, tuple(range(len(primals))), "vjp")
    output = _as_output(f(*call_args), "vjp")

    def vjp_fn(cotangent: Any) -> tuple[Tensor, ...]:
        v = cotangent if isinstance(cotangent, Tensor) else Tensor(np.asarray(cotangent, dtype=output.dtype))
        if v.shape != output.shape:
            raise ValueError(f"vjp: the cotangent has shape {v.shape} but the output has shape {output.shape}")
        grads = vjp_grads([output], [v], wrt, create_graph=nested or v.requires_grad)
        return tuple(_finish(g, nested or v.requires_grad) for g in grads)

    return _finish(output, nested), vjp_fn


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Tensor]:
    """``(f(*primals), J·tangents)``: the forward-mode product, by the double-vjp trick.

    u ↦ uᵀJ is linear in the cotangent u, so differentiating ⟨uᵀJ, t⟩ with respect to u gives J·t.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent per primal")
    call_args, wrt, nested = _prepare(primals, tuple(range(len(primals))), "jvp")
    ts = []
    for i, (w, t) in enumerate(zip(wrt, tangents)):
        t = t if isinstance(t, Tensor) else Tensor(np.asarray(t, dtype=w.dtype))
        if t.shape != w.shape:
            raise ValueError(f"jvp: tangent {i} has shape {t.shape} but primal {i} has shape {w.shape}")
        ts.append(t)
    output = _as_output(f(*call_args), "jvp")
    u = Tensor(np.zeros_like(output.data), requires_grad=True)  # any value works: uᵀJ is linear in u
    transposed = vjp_grads([output], [u], wrt, create_graph=True)
    inner = [g for g in transposed if g.requires_grad]
    if not inner:
        return _finish(output, nested), zeros_like(output)
    (tangent_out,) = vjp_grads(inner, [t for g, t in zip(transposed, ts) if g.requires_grad], [u],
                               create_graph=nested)
    return _finish(output, nested), _finish(tangent_out, nested)
