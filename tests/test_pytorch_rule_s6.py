"""PyTorch lines that used to mean something else here, or fail unhelpfully: ``requires_grad`` assignment, PyTorch's
keyword names, torch.Tensor's linear-algebra methods, logaddexp's limits, all-or-nothing scheduler loading, and
out-of-range dims. Each checked against PyTorch 2.13 (skips without torch; under CI=true a missing torch fails) or a
closed form."""

from __future__ import annotations

import numpy as np
import pytest
from gradients import check_gradients
from optional_tools import require_module

import tinygrad_edu as tg

torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")


# ------------------------------------------------------------------------------ requires_grad assignment
def test_setting_requires_grad_false_on_a_non_leaf_raises_as_in_pytorch_and_changes_nothing():
    ours = tg.ones(2, requires_grad=True) * 2
    theirs = torch.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf") as their_error:
        theirs.requires_grad = False
    with pytest.raises(RuntimeError, match=r"only change requires_grad flags of leaf.*detach") as our_error:
        ours.requires_grad = False
    assert str(our_error.value) in str(their_error.value) + "."
    assert ours.requires_grad and not ours.is_leaf
    (ours * 3).sum().backward()  # the graph still reaches the leaf


def test_setting_requires_grad_on_a_leaf_follows_pytorch():
    for requires_grad in (True, False, True):
        ours, theirs = tg.ones(2), torch.ones(2)
        ours.requires_grad = theirs.requires_grad = requires_grad
        assert ours.requires_grad is theirs.requires_grad is requires_grad and ours.is_leaf
    made_without_grad = tg.ones(2, requires_grad=True)
    with tg.no_grad():
        made_without_grad = made_without_grad * 2  # a leaf: no op was recorded
    made_without_grad.requires_grad = True
    made_without_grad.sum().backward()
    np.testing.assert_array_equal(made_without_grad.grad.data, [1.0, 1.0])


def test_an_integer_leaf_refuses_requires_grad_true_and_accepts_false():
    ours, theirs = tg.tensor([1, 2]), torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="floating point"):
        theirs.requires_grad = True
    with pytest.raises(TypeError, match=r"only floating-point tensors can require gradients.*int64"):
        ours.requires_grad = True
    ours.requires_grad = theirs.requires_grad = False
    assert not ours.requires_grad and not theirs.requires_grad


@pytest.mark.parametrize("value", [1, 0.0, None, "yes", np.bool_(True)])
def test_requires_grad_must_be_a_bool_as_in_pytorch(value):
    theirs = torch.ones(2)
    with pytest.raises(RuntimeError, match="requires_grad must be a bool"):
        theirs.requires_grad = value
    ours = tg.ones(2)
    with pytest.raises(TypeError, match="requires_grad must be a bool"):
        ours.requires_grad = value
    assert ours.requires_grad is False


def test_a_non_leaf_accepts_requires_grad_true_which_changes_nothing():
    """PyTorch refuses even True on a non-leaf; here it is accepted, as a non-leaf always requires grad already."""
    ours = tg.ones(2, requires_grad=True) * 2
    ours.requires_grad = True
    assert ours.requires_grad and not ours.is_leaf


# ------------------------------------------------------------------------------ PyTorch's keyword names
# Each line as a PyTorch user writes it, with PyTorch's keyword names (T is the library, F its nn.functional); it runs
# in both libraries and must give the same values. A line PyTorch itself refuses is a mistake in this table.
KEYWORD_LINES = [
    'x.pow(exponent=2)',
    'T.pow(input=x, exponent=3)',
    'T.pow(x, exponent=2)',
    'x.float_power(exponent=2)',
    'x.add(other=y, alpha=2)',
    'T.add(input=x, other=y, alpha=0.5)',
    'x.sub(other=y, alpha=2)',
    'T.sub(input=x, other=y)',
    'x.mul(other=y)',
    'T.mul(input=x, other=y)',
    'x.div(other=p)',
    'x.div(other=p, rounding_mode="floor")',
    'T.div(input=x, other=p, rounding_mode="trunc")',
    'x.true_divide(other=p)',
    'x.floor_divide(other=p)',
    'x.fmod(other=p)',
    'x.remainder(other=p)',
    'T.remainder(input=x, other=p)',
    'T.fmod(input=x, other=p)',
    'x.maximum(other=y)',
    'T.maximum(input=x, other=y)',
    'T.minimum(input=x, other=y)',
    'x.fmax(other=y)',
    'x.atan2(other=y)',
    'x.hypot(other=y)',
    'x.lerp(end=y, weight=0.25)',
    'T.lerp(input=x, end=y, weight=0.25)',
    'x.addcmul(tensor1=y, tensor2=p, value=0.5)',
    'x.addcdiv(tensor1=y, tensor2=p, value=0.5)',
    'x.clamp(min=0)',
    'x.clamp(max=0.5)',
    'x.clamp(min=-0.5, max=0.5)',
    'T.clamp(input=x, min=-0.5)',
    'x.clip(min=0)',
    'x.xlogy(other=p)',
    'x.logaddexp(other=y)',
    'x.copysign(other=y)',
    'x.heaviside(values=y)',
    'x.round(decimals=1)',
    'x.nan_to_num(nan=0.0, posinf=1.0, neginf=-1.0)',
    'p.logit(eps=0.1)',
    'x.sum(dim=1, keepdim=True)',
    'T.sum(input=x, dim=0)',
    'x.mean(dim=1, keepdim=True)',
    'T.mean(input=x, dim=(0, 1))',
    'x.prod(dim=1, keepdim=True)',
    'x.std(dim=1, correction=0, keepdim=True)',
    'x.var(dim=0, correction=2)',
    'T.var(input=x, dim=1)',
    'T.std_mean(input=x, dim=1, correction=0)',
    'T.var_mean(x, dim=0, keepdim=True)',
    'x.amax(dim=1, keepdim=True)',
    'x.amin(dim=0)',
    'x.max(dim=1, keepdim=True)',
    'x.min(dim=0)',
    'x.max(other=y)',
    'T.max(input=x, dim=1)',
    'x.argmax(dim=1, keepdim=True)',
    'x.argmin(dim=0)',
    'T.argmax(input=x, dim=1)',
    'x.logsumexp(dim=1, keepdim=True)',
    'T.logsumexp(input=x, dim=0)',
    'x.norm(p=1, dim=1, keepdim=True)',
    'x.cumsum(dim=1)',
    'T.cumsum(input=x, dim=0)',
    'x.cumprod(dim=1)',
    'x.cummax(dim=1)',
    'x.cummin(dim=0)',
    'x.logcumsumexp(dim=1)',
    'x.median(dim=1, keepdim=True)',
    'x.nanmedian(dim=1)',
    'x.mode(dim=1)',
    'x.kthvalue(k=2, dim=1, keepdim=True)',
    'x.topk(k=3, dim=1, largest=False, sorted=True)',
    'T.topk(input=x, k=2, dim=0)',
    'x.sort(dim=1, descending=True)',
    'x.sort(dim=0, descending=False, stable=True)',
    'x.argsort(dim=1, descending=True)',
    'T.sort(input=x, dim=0)',
    'x.quantile(q=0.3, dim=1, keepdim=True, interpolation="lower")',
    'x.nanquantile(q=0.3, dim=1)',
    'x.count_nonzero(dim=1)',
    'x.aminmax(dim=1, keepdim=True)',
    'x.all(dim=1)',
    'x.any(dim=0, keepdim=True)',
    'x.nansum(dim=1)',
    'x.nanmean(dim=0, keepdim=True)',
    'x.diff(n=1, dim=0)',
    'x.renorm(p=2, dim=0, maxnorm=1.0)',
    'x.transpose(dim0=0, dim1=1)',
    'T.transpose(input=x, dim0=1, dim1=0)',
    'x.swapaxes(axis0=0, axis1=1)',
    'x.swapdims(dim0=0, dim1=1)',
    'T.swapaxes(input=x, axis0=1, axis1=0)',
    'x.permute(dims=(1, 0))',
    'T.permute(input=x, dims=(1, 0))',
    'x.reshape(shape=(4, 3))',
    'T.reshape(input=x, shape=(2, 6))',
    'x.view(size=(4, 3))',
    'x.view(2, 6)',
    'x.expand(size=(2, 3, 4))',
    'v.expand(size=(3, 4))',
    'x.repeat(repeats=(2, 1))',
    'x.tile(dims=(2, 1))',
    'x.flatten(start_dim=0, end_dim=1)',
    'b.flatten(start_dim=1)',
    'T.flatten(input=b, start_dim=1)',
    'x.unsqueeze(dim=0)',
    'T.unsqueeze(input=x, dim=1)',
    'x[None].squeeze(dim=0)',
    'x.unflatten(dim=1, sizes=(2, 2))',
    'x.movedim(source=0, destination=1)',
    'x.moveaxis(source=0, destination=1)',
    'x.narrow(dim=1, start=1, length=2)',
    'x.select(dim=1, index=2)',
    'x.flip(dims=(0,))',
    'T.flip(input=x, dims=(1,))',
    'x.roll(shifts=1, dims=1)',
    'x.rot90(k=1, dims=(0, 1))',
    'x.chunk(chunks=2, dim=1)',
    'x.split(split_size=2, dim=1)',
    'T.split(tensor=x, split_size_or_sections=2, dim=1)',
    'x.tensor_split(sections=2, dim=1)',
    'x.tensor_split(indices=[1, 3], dim=1)',
    'x.tensor_split(2, dim=0)',
    'x.unbind(dim=1)',
    'x.tril(diagonal=1)',
    'x.triu(diagonal=-1)',
    'x.diagonal(offset=1, dim1=0, dim2=1)',
    'x.diag(diagonal=1)',
    'v.diag_embed(offset=1)',
    'x.broadcast_to(size=(2, 3, 4))',
    'x.repeat_interleave(repeats=2, dim=0)',
    'x.expand_as(other=b)',
    'x.reshape_as(other=x.T)',
    'x.view_as(other=x.T)',
    'x.type_as(other=i)',
    'x.gather(dim=1, index=j)',
    'T.gather(input=x, dim=1, index=j)',
    'x.take_along_dim(indices=j, dim=1)',
    'x.take(index=i)',
    'x.index_select(dim=1, index=i)',
    'T.index_select(input=x, dim=0, index=i[:2])',
    'x.masked_fill(mask=m, value=0.0)',
    'T.masked_fill(input=x, mask=m, value=1.0)',
    'x.masked_select(mask=m)',
    'x.where(condition=m, other=y)',
    'T.where(condition=m, input=x, other=y)',
    'T.where(m, input=x, other=0.0)',
    'x.scatter(dim=1, index=j, src=y)',
    'x.scatter(dim=1, index=j, value=2.0)',
    'x.scatter_add(dim=1, index=j, src=y)',
    'x.scatter_reduce(dim=1, index=j, src=y, reduce="amax", include_self=False)',
    'x.index_add(dim=1, index=i, source=y[:, :3], alpha=2)',
    'x.index_copy(dim=1, index=i, source=y[:, :3])',
    'x.index_fill(dim=1, index=i, value=-1.0)',
    'x.masked_scatter(mask=m, source=y)',
    'x.matmul(other=x.T)',
    'T.matmul(input=x, other=x.T)',
    'x.mm(mat2=x.T)',
    'T.mm(input=x, mat2=x.T)',
    'b.bmm(mat2=b.transpose(1, 2))',
    'T.bmm(input=b, mat2=b.transpose(1, 2))',
    'v.dot(tensor=v)',
    'T.dot(input=v, tensor=v)',
    'v.outer(vec2=v)',
    'x.mv(vec=v)',
    'T.kron(input=x, other=y)',
    'x.kron(other=y)',
    'x.cross(other=y, dim=0)',
    'T.tensordot(a=x, b=x.T, dims=1)',
    'T.cdist(x1=x, x2=y, p=1.0)',
    'x.isclose(other=y, rtol=1e-5, atol=1e-8, equal_nan=True)',
    'x.allclose(other=y, rtol=1e-5, atol=1e-8)',
    'x.equal(other=y)',
    'x.eq(other=y)',
    'x.lt(other=y)',
    'T.ge(input=x, other=y)',
    'x.softmax(dim=1)',
    'x.log_softmax(dim=0)',
    'T.softmax(input=x, dim=1)',
    'T.log_softmax(input=x, dim=0)',
    'T.cat(tensors=[x, y], dim=1)',
    'T.concat(tensors=[x, y], dim=0)',
    'T.stack(tensors=[x, y], dim=1)',
    'T.hstack(tensors=[x, y])',
    'T.vstack(tensors=[x, y])',
    'T.full(size=(2, 3), fill_value=1.5)',
    'T.zeros(size=(2, 3))',
    'T.ones(size=(2,))',
    'T.arange(start=0, end=5, step=2)',
    'T.linspace(start=0.0, end=1.0, steps=5)',
    'T.eye(n=3, m=2)',
    'T.zeros_like(input=x)',
    'T.ones_like(input=x)',
    'T.full_like(input=x, fill_value=2.0)',
    'x.new_zeros(size=(2, 3))',
    'x.new_ones(size=(2,))',
    'x.new_full(size=(2, 3), fill_value=3.0)',
    'x.new_tensor(data=[1.0, 2.0])',
    'T.tensor(data=[1.0, 2.0])',
    'T.einsum("ij,kj->ik", x, y)',
    'T.diag_embed(input=v, offset=-1)',
    'T.tril(input=x, diagonal=0)',
    'T.trace(input=sq)',
    'T.det(input=sq)',
    'T.logdet(input=sq)',
    'T.inverse(input=sq)',
    'T.matrix_power(input=sq, n=2)',
    'T.matrix_exp(input=sq)',
    'T.linalg.inv(A=sq)',
    'T.linalg.det(A=sq)',
    'T.linalg.solve(A=sq, B=sq)',
    'T.linalg.norm(input=x, ord=2)',
    'T.linalg.vector_norm(x=x, ord=3, dim=1)',
    'T.linalg.matrix_norm(input=sq, ord="fro")',
    'T.linalg.cholesky(input=sq)',
    'T.linalg.eigvalsh(input=sq)',
    'T.linalg.svdvals(A=sq)',
    'T.linalg.pinv(input=x)',
    'T.linalg.matrix_power(input=sq, n=3)',
    'T.linalg.cross(input=x[:, :3], other=y[:, :3], dim=1)',
    'T.linalg.eigh(input=sq)',
    'T.linalg.slogdet(A=sq)',
    'T.linalg.qr(A=sq, mode="complete")',
    'T.linalg.svd(A=x, full_matrices=False)',
    'T.linalg.matrix_rank(input=x)',
    'T.linalg.cond(input=sq)',
    'T.slogdet(input=sq)',
    'T.matrix_power(sq, n=-2)',
    'sq.matrix_power(n=3)',
    'sq.det()',
    'sq.logdet()',
    'sq.inverse()',
    'sq.matrix_exp()',
    'sq.cholesky(upper=True)',
    'T.cholesky(input=sq, upper=False)',
    'x.pinverse(rcond=1e-10)',
    'T.pinverse(input=x)',
    'x.qr(some=False)',
    'T.qr(input=x, some=True)',
    'x.svd(some=True, compute_uv=True)',
    'T.svd(input=x, some=False)',
    'x.repeat_interleave(repeats=2)',
    'x.repeat_interleave(repeats=2, dim=0, output_size=6)',
    'x.clone().copy_(other=y, non_blocking=True)',
    'x.split(split_size=[1, 3], dim=1)',
    'T.split(x, [2, 1])',
    'T.broadcast_to(input=v, size=(3, 4))',
    'T.tile(input=x, dims=(2,))',
    'T.reshape(x, shape=(12,))',
    'T.swapdims(input=x, dim0=0, dim1=1)',
    'x.swapaxes(1, 0)',
    'T.max(x, other=y)',
    'x.min(other=y)',
    'T.empty_like(input=x).shape',
    'T.rand_like(input=x).shape',
    'T.randn_like(input=x).shape',
    'F.softmax(input=x, dim=1)',
    'F.log_softmax(input=x, dim=1)',
    'F.softmin(input=x, dim=1)',
    'F.relu(input=x)',
    'F.gelu(input=x, approximate="tanh")',
    'F.leaky_relu(input=x, negative_slope=0.2)',
    'F.elu(input=x, alpha=0.5)',
    'F.celu(input=x, alpha=0.5)',
    'F.selu(input=x)',
    'F.silu(input=x)',
    'F.mish(input=x)',
    'F.sigmoid(input=x)',
    'F.tanh(input=x)',
    'F.softplus(input=x, beta=2.0, threshold=10.0)',
    'F.softsign(input=x)',
    'F.logsigmoid(input=x)',
    'F.hardtanh(input=x, min_val=-0.5, max_val=0.5)',
    'F.hardsigmoid(input=x)',
    'F.hardswish(input=x)',
    'F.relu6(input=x)',
    'F.tanhshrink(input=x)',
    'F.hardshrink(input=x, lambd=0.5)',
    'F.softshrink(input=x, lambd=0.5)',
    'F.glu(input=x, dim=1)',
    'F.normalize(input=x, p=1.0, dim=0)',
    'F.linear(input=x, weight=y, bias=v[:3])',
    'F.layer_norm(input=x, normalized_shape=(4,))',
    'F.rms_norm(input=x, normalized_shape=(4,))',
    'F.group_norm(input=b, num_groups=1)',
    'F.dropout(input=x, p=0.0, training=True)',
    'F.mse_loss(input=x, target=y, reduction="sum")',
    'F.l1_loss(input=x, target=y)',
    'F.smooth_l1_loss(input=x, target=y, beta=0.5)',
    'F.huber_loss(input=x, target=y, delta=0.5)',
    'F.cross_entropy(input=x, target=i[:3], label_smoothing=0.1)',
    'F.nll_loss(input=x, target=i[:3])',
    'F.binary_cross_entropy_with_logits(input=x, target=q, pos_weight=v)',
    'F.binary_cross_entropy(input=q, target=q.flip(0))',
    'F.kl_div(input=x, target=q, reduction="batchmean")',
    'F.cosine_similarity(x1=x, x2=y, dim=1)',
    'F.pairwise_distance(x1=x, x2=y, p=1.0)',
    'F.one_hot(input=i, num_classes=5)',
    'F.pad(input=x, pad=(1, 1), mode="constant", value=0.5)',
    'F.avg_pool1d(input=b, kernel_size=2)',
    'F.max_pool1d(input=b, kernel_size=2)',
    'F.conv1d(input=b, weight=b[:, :3, :2], bias=None, stride=1, padding=1)',
    'F.embedding(input=i, weight=x.T)',
]
ARRAYS = {
    "x": np.random.default_rng(0).standard_normal((3, 4)), "y": np.random.default_rng(1).standard_normal((3, 4)),
    "p": np.random.default_rng(2).uniform(0.5, 2.0, (3, 4)), "q": np.random.default_rng(3).uniform(0.1, 0.9, (3, 4)),
    "v": np.random.default_rng(4).standard_normal(4), "b": np.random.default_rng(5).standard_normal((2, 3, 4)),
    "sq": np.array([[4.0, 1.0, -0.5], [1.0, 3.0, 0.5], [-0.5, 0.5, 2.0]]),
    "j": np.array([[0, 2, 2, 1], [1, 0, 3, 3], [3, 3, 1, 0]]), "i": np.array([2, 0, 1]),
}


def scope(library):
    names = {name: library.tensor(array) for name, array in ARRAYS.items()}
    return {**names, "m": names["x"] > 0, "T": library, "F": library.nn.functional}


def flat(value) -> list:
    return [leaf for item in value for leaf in flat(item)] if isinstance(value, (tuple, list)) else [value]


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch.qr and torch.cholesky are deprecated in PyTorch
@pytest.mark.parametrize("line", KEYWORD_LINES)
def test_pytorchs_keyword_names_mean_the_same_here(line):
    theirs, ours = flat(eval(line, scope(torch))), flat(eval(line, scope(tg)))
    assert len(ours) == len(theirs)
    for mine, expected in zip(ours, theirs):
        expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
        mine = mine.data if isinstance(mine, tg.Tensor) else np.asarray(mine)
        assert mine.shape == expected.shape
        np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("line", "error"), [
    ("x.max(other=1)", "max\\(other=...\\) takes one tensor"),  # an int there would be read as a dim
    ("x.min(1, other=y)", "min\\(other=...\\) takes one tensor and no dim"),
    ("x.tensor_split(indices=2)", "indices= takes a sequence"),  # an int there would be a number of pieces
    ("x.tensor_split(sections=[1, 2])", "sections= takes an int"),
    ("x.tensor_split(2, sections=2)", "pass one of"),
    ("x.reshape(3, 4, shape=(4, 3))", "pass the shape once, positionally or as shape="),
    ("x.view(3, 4, size=(4, 3))", "pass the shape once"),
    ("x.repeat(2, 1, repeats=(2, 1))", "repeats="),
    ("x.swapaxes(0)", "takes two axes"),
    ("x.split(2, split_size=2)", "not both"),
])
def test_a_keyword_that_could_be_misread_is_refused(line, error):
    with pytest.raises(TypeError, match=error):
        eval(line, scope(tg))


def test_repeat_interleaves_output_size_is_checked_as_in_pytorch():
    with pytest.raises(RuntimeError, match="output_size"):
        torch.ones(3, 4).repeat_interleave(2, 0, output_size=5)
    with pytest.raises(ValueError, match="output_size 5 is not the result's size 6"):
        tg.ones(3, 4).repeat_interleave(2, 0, output_size=5)


# ------------------------------------------------------------------------------ torch.Tensor's linear-algebra methods
SQUARE = np.array([[4.0, 1.0, -0.5], [1.0, 3.0, 0.5], [-0.5, 0.5, 2.0]])
WIDE = np.random.default_rng(6).standard_normal((3, 4))
GRADIENT_CASES = {  # each a function of one float64 tensor, differentiable at the values it is given
    "svd: U·Vᵀ (free of the columns' signs) and S": (
        lambda a: (lambda usv: tg.cat([(usv.U @ usv.V.mT).flatten(), usv.S]))(a.svd()), WIDE.T),
    "svd compute_uv=False": (lambda a: a.svd(compute_uv=False).S, WIDE),
    "qr": (lambda a: (lambda qr: tg.cat([qr.Q.flatten(), qr.R.flatten()]))(a.qr()), WIDE.T),
    "qr some=False": (lambda a: (lambda qr: qr.R)(a.qr(some=False)), WIDE),  # tall: no gradient, as PyTorch
    "cholesky": (lambda a: (a @ a.mT + tg.eye(3, dtype=tg.float64)).cholesky(), SQUARE),
    "cholesky upper": (lambda a: (a @ a.mT + tg.eye(3, dtype=tg.float64)).cholesky(upper=True), SQUARE),
    "matrix_power 3": (lambda a: a.matrix_power(3), SQUARE),
    "matrix_power -2": (lambda a: a.matrix_power(-2), SQUARE),
    "pinverse": (lambda a: a.pinverse(), WIDE),
    "kron": (lambda a: a.kron(a[:2, :2]), SQUARE),
    "det": (lambda a: a.det(), SQUARE),
    "logdet": (lambda a: a.logdet(), SQUARE),
    "inverse": (lambda a: a.inverse(), SQUARE),
    "matrix_exp": (lambda a: a.matrix_exp(), SQUARE * 0.3),
}


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_linear_algebra_methods_gradients_match_finite_differences(name):
    op, values = GRADIENT_CASES[name]
    check_gradients(op, values, atol=1e-6, rtol=1e-5)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch.cholesky is deprecated in PyTorch
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_reads_the_triangle_pytorchs_older_cholesky_reads(upper):
    """torch.cholesky(A, upper=True) reads A's upper triangle (LAPACK's): here too, for an A that is not symmetric."""
    lopsided = np.triu(SQUARE) + np.tril(SQUARE, -1) * 0.1
    theirs = torch.tensor(lopsided).cholesky(upper=upper).numpy()
    np.testing.assert_allclose(tg.tensor(lopsided).cholesky(upper=upper).data, theirs, rtol=1e-12)
    np.testing.assert_allclose(tg.cholesky(tg.tensor(lopsided), upper).data, theirs, rtol=1e-12)
    triangle = np.triu(lopsided) if upper else np.tril(lopsided)
    symmetric = triangle + triangle.T - np.diag(np.diag(lopsided))
    factor = np.linalg.cholesky(symmetric)  # the closed form: the factor of the matrix the triangle describes
    np.testing.assert_allclose(theirs, factor.T if upper else factor, rtol=1e-12)


def test_pinverse_cuts_singular_values_below_rcond_times_the_largest():
    """A rank-1 matrix plus 1e-8 noise: rcond=1e-6 drops the noise's singular values, the default 1e-15 keeps them."""
    rank_one = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5]) + 1e-8 * np.eye(3)
    u, s, vt = np.linalg.svd(rank_one)
    truncated = vt[:1].T @ np.diag(1 / s[:1]) @ u[:, :1].T
    np.testing.assert_allclose(tg.tensor(rank_one).pinverse(rcond=1e-6).data, truncated, rtol=1e-9)
    np.testing.assert_allclose(tg.pinverse(tg.tensor(rank_one)).data, np.linalg.inv(rank_one), rtol=1e-6)


def test_lstsq_and_solve_stay_absent_as_in_pytorch():
    """PyTorch 2.13 removed Tensor.lstsq, Tensor.solve (they raise there): not added here."""
    a = torch.eye(2, dtype=torch.float64)
    for name in ("lstsq", "solve"):
        with pytest.raises(RuntimeError, match="removed"):
            getattr(a, name)(a)
        assert not hasattr(tg.Tensor, name)


# ------------------------------------------------------------------------------ logaddexp and logaddexp2 at the limits
INF = float("inf")
BASES = {"logaddexp": np.e, "logaddexp2": 2.0}


def sigmoid_of_gap(a: float, b: float, base: float) -> float:
    """∂z/∂a = σ((a − b)·ln base), its limit where a − b is ±inf (½ for equal infinities: our choice, no limit)."""
    if a == b:
        return 0.5
    gap = a - b
    return 1.0 if gap == INF else 0.0 if gap == -INF else 1 / (1 + base ** -gap)


@pytest.mark.parametrize("name", BASES)
@pytest.mark.parametrize(("a", "b"), [(INF, INF), (INF, -INF), (-INF, INF), (-INF, -INF), (1.5, -INF), (-INF, 1.5),
                                      (INF, 1.5), (1.5, INF), (-2.0, -2.0), (3.0, -1.0)])
def test_logaddexp_values_and_gradients_are_the_limits(name, a, b):
    base = BASES[name]
    infinite = INF in (a, b) or -INF in (a, b)
    expected = max(a, b) if infinite else max(a, b) + np.log1p(base ** -abs(a - b)) / np.log(base)
    x, y = tg.tensor(a, dtype=tg.float64, requires_grad=True), tg.tensor(b, dtype=tg.float64, requires_grad=True)
    z = getattr(x, name)(y)
    z.backward()
    assert z.item() == pytest.approx(expected, rel=1e-14)
    assert x.grad.item() == pytest.approx(sigmoid_of_gap(a, b, base), rel=1e-14)
    assert y.grad.item() == pytest.approx(sigmoid_of_gap(b, a, base), rel=1e-14)
    tx, ty = torch.tensor(a, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64,
                                                                                    requires_grad=True)
    tz = getattr(torch, name)(tx, ty)
    tz.backward()
    assert tz.item() == z.item() or (np.isnan(tz.item()) and np.isnan(z.item()))
    if a == b and abs(a) == INF:  # PyTorch: nan where no limit exists
        assert np.isnan(tx.grad.item()) and np.isnan(ty.grad.item())
    else:
        assert (tx.grad.item(), ty.grad.item()) == pytest.approx((x.grad.item(), y.grad.item()), rel=1e-14)


@pytest.mark.parametrize("name", BASES)
def test_logaddexp_forward_and_gradients_away_from_the_limits(name):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 4)) * 30
    b = np.concatenate([a[:1], rng.standard_normal((2, 4)) * 30])  # a first row of ties
    expected = getattr(np, name)(a, b)
    np.testing.assert_allclose(getattr(tg, name)(tg.tensor(a), tg.tensor(b)).data, expected, rtol=1e-14)
    np.testing.assert_allclose(getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy(), expected, rtol=1e-14)
    check_gradients(lambda x, y: getattr(x, name)(y), a / 10, b / 10)
    check_gradients(lambda x, y: getattr(x, name)(y), a[0] / 10, b[:, :1] / 10)  # broadcasting


@pytest.mark.parametrize("name", BASES)
def test_logaddexp_second_derivative_at_a_tie_is_the_closed_form(name):
    """∂²z/∂a² = ln(base)·σ(1 − σ) with σ = σ((a − b)·ln base): ln(base)/4 at a = b (smooth there, no kink)."""
    ln_base = np.log(BASES[name])
    x = tg.tensor([0.7, 0.7], dtype=tg.float64, requires_grad=True)
    (gradient,) = tg.autograd.grad(getattr(x[0], name)(x[1]), x, create_graph=True)
    (second,) = tg.autograd.grad(gradient[0], x)
    np.testing.assert_allclose(gradient.data, [0.5, 0.5], rtol=1e-14)
    np.testing.assert_allclose(second.data, [ln_base / 4, -ln_base / 4], rtol=1e-14)


# ------------------------------------------------------------------------------ composed schedules load all or nothing
def composed_schedules(kind: str):
    optimizer = tg.optim.SGD([tg.nn.Parameter(tg.zeros(2))], lr=1.0)
    step = tg.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    exponential = tg.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    if kind == "SequentialLR":
        return tg.optim.lr_scheduler.SequentialLR(optimizer, [step, exponential], milestones=[3])
    return tg.optim.lr_scheduler.ChainedScheduler([step, exponential])


@pytest.mark.parametrize("kind", ["SequentialLR", "ChainedScheduler"])
def test_a_composed_schedule_with_one_bad_inner_state_changes_nothing(kind):
    schedule, trained = composed_schedules(kind), composed_schedules(kind)
    for _ in range(5):
        trained.step()
    good = trained.state_dict()
    bad = {**good, "_schedulers": [good["_schedulers"][0], {**good["_schedulers"][1], "gamma": "not a number"}]}
    before = schedule.state_dict()
    with pytest.raises(ValueError, match=r"ExponentialLR\.load_state_dict"):
        schedule.load_state_dict(bad)
    assert schedule.state_dict() == before  # the StepLR, loaded before the bad state was met, is restored
    untouched = composed_schedules(kind)
    for _ in range(4):  # the schedule goes on as one that never saw the bad state
        schedule.step()
        untouched.step()
        assert schedule.get_last_lr() == untouched.get_last_lr()
    schedule.load_state_dict(good)
    assert schedule.state_dict() == good


def test_embedding_bag_names_itself_when_refusing_max_norm():
    with pytest.raises(NotImplementedError, match=r"^EmbeddingBag: max_norm"):
        tg.nn.EmbeddingBag(5, 3, max_norm=1.0)
    with pytest.raises(NotImplementedError, match=r"^Embedding: max_norm"):
        tg.nn.Embedding(5, 3, max_norm=1.0)


# ------------------------------------------------------------------------------ out-of-range dims and negative sizes
OUT_OF_RANGE = [
    "x.roll(1, 5)", "x.flip(5)", "x.movedim(5, 0)", "x.movedim(0, -3)", "x.narrow(5, 0, 1)", "x.diagonal(0, 5, 1)",
    "x.cumsum(5)", "x.cumprod(-3)", "x.logcumsumexp(5)", "x.cummax(5)", "x.sort(5)", "x.argsort(5)", "x.topk(2, 5)",
    "x.kthvalue(1, 5)", "x.unbind(5)", "x.split(2, 5)", "x.chunk(2, 5)", "x.tensor_split(2, 5)",
    "x.index_select(5, i)", "x.gather(5, j)", "x.scatter(5, j, y)", "x.take_along_dim(j, 5)", "x.nanmedian(5)",
    "x.quantile(0.5, 5)", "x.renorm(2, 5, 1.0)", "b[:, :, :3].cross(b[:, :, :3], 5)", "x.rot90(1, (0, 5))",
    "v.diag_embed(0, 5, 0)", "x.swapaxes(0, 2)", "x.swapdims(dim0=-3, dim1=0)", "x.unsqueeze(-4)",
]


@pytest.mark.parametrize("line", OUT_OF_RANGE)
def test_an_out_of_range_dim_raises_index_error_as_in_pytorch(line):
    with pytest.raises(IndexError):
        eval(line, scope(torch))
    with pytest.raises(IndexError):
        eval(line, scope(tg))


@pytest.mark.parametrize("line", ["x.reshape(-2, 6)", "x.view(-3, 4)", "x.reshape(shape=(6, -2))",
                                  "T.meshgrid(x, v, indexing='ij')"])
def test_what_numpy_would_take_and_pytorch_refuses_is_refused(line):
    """numpy reads any negative size as -1 and flattens meshgrid's inputs; PyTorch refuses both: so does this."""
    with pytest.raises(RuntimeError):
        eval(line, scope(torch))
    with pytest.raises(ValueError, match=r"reshape: invalid size|meshgrid: expects 0-D or 1-D"):
        eval(line, scope(tg))
