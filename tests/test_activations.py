"""Activations (issue 14), functional and as modules: forwards against their definitions written out in numpy,
gradients against finite differences in both backward modes, second derivatives, PyTorch's values at the kinks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradients import check_gradients

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812

NAN = float("nan")
ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(x))


# name: (functional, module, the definition in numpy)
ACTIVATIONS = {
    "silu": (F.silu, nn.SiLU(), lambda x: x * sigmoid(x)),
    "elu": (lambda x: F.elu(x, 0.7), nn.ELU(0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    "selu": (F.selu, nn.SELU(), lambda x: SCALE * np.where(x > 0, x, ALPHA * (np.exp(x) - 1))),
    "celu": (lambda x: F.celu(x, 2.0), nn.CELU(2.0), lambda x: np.where(x > 0, x, 2.0 * (np.exp(x / 2) - 1))),
    "mish": (F.mish, nn.Mish(), lambda x: x * np.tanh(softplus(x))),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 1.5), nn.Hardtanh(-0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5)),
    "relu6": (F.relu6, nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    "hardsigmoid": (F.hardsigmoid, nn.Hardsigmoid(), lambda x: np.clip(x + 3, 0, 6) / 6),
    "hardswish": (F.hardswish, nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "logsigmoid": (F.logsigmoid, nn.LogSigmoid(), lambda x: np.log(sigmoid(x))),
    "softplus": (lambda x: F.softplus(x, 2.0, 5.0), nn.Softplus(2.0, 5.0),
                 lambda x: np.where(2 * x > 5, x, softplus(2 * x) / 2)),
    "softsign": (F.softsign, nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    "tanhshrink": (F.tanhshrink, nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    "glu": (lambda x: F.glu(x, 1), nn.GLU(1), lambda x: x[:, :2] * sigmoid(x[:, 2:])),
    "softmin": (lambda x: F.softmin(x, 1), nn.Softmin(1),
                lambda x: np.exp(-x) / np.exp(-x).sum(axis=1, keepdims=True)),
}
KINKS = {"elu": [0.0], "selu": [0.0], "celu": [0.0], "hardtanh": [-0.5, 1.5], "relu6": [0.0, 6.0],
         "hardsigmoid": [-3.0, 3.0], "hardswish": [-3.0, 3.0], "softplus": [2.5], "softsign": [0.0]}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_forward_module_and_gradients(name):
    functional, module, definition = ACTIVATIONS[name]
    x = np.random.default_rng(0).uniform(-7, 7, (3, 4))
    for kink in KINKS.get(name, []):  # finite differences straddling a kink measure its average slope
        x[np.abs(x - kink) < 1e-3] += 0.01
    np.testing.assert_allclose(functional(tg.Tensor(x)).data, definition(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(module(tg.Tensor(x)).data, functional(tg.Tensor(x)).data)
    check_gradients(functional, x)
    if name not in ("hardtanh", "relu6", "hardsigmoid"):  # piecewise linear: no second derivative to speak of
        assert tg.gradgradcheck(functional, [tg.Tensor(x, requires_grad=True)], atol=1e-6, rtol=1e-4)


def test_prelu_per_channel_and_its_weight_gradient():
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    weight = np.array([0.1, 0.25, 0.5])
    expected = np.where(x > 0, x, weight[None, :, None] * x)
    np.testing.assert_allclose(F.prelu(tg.Tensor(x), tg.Tensor(weight)).data, expected)
    check_gradients(F.prelu, x, weight)
    check_gradients(F.prelu, x, np.array([0.3]))
    module = nn.PReLU(3)
    assert module.weight.tolist() == pytest.approx([0.25] * 3) and len(list(module.parameters())) == 1
    with pytest.raises(ValueError, match="3 weights for 1 channel"):
        F.prelu(tg.Tensor(np.ones(4)), tg.Tensor(weight))


def grads_at(f, values):
    leaf = tg.Tensor(np.array(values, dtype=np.float64), requires_grad=True)
    f(leaf).sum().backward()
    return leaf.grad.tolist()


def test_values_at_the_kinks_are_pytorchs():
    """Closed forms of PyTorch's backward formulas (FunctionsManual.cpp / derivatives.yaml) at the kinks and NaN."""
    assert grads_at(lambda x: F.elu(x, 2.0), [0.0]) == [2.0]  # the left branch: α·e⁰
    assert grads_at(F.selu, [0.0]) == [pytest.approx(SCALE * ALPHA)]
    assert grads_at(lambda x: F.celu(x, 2.0), [0.0]) == [1.0]
    assert grads_at(F.hardtanh, [-1.0, 1.0, 0.0, -2.0, NAN]) == [0, 0, 1, 0, 1]  # 0 at the bounds, unlike clamp
    assert grads_at(F.relu6, [0.0, 6.0, 3.0, NAN]) == [0, 0, 1, 1]
    assert grads_at(F.hardsigmoid, [-3.0, 3.0, 0.0, NAN]) == [0, 0, pytest.approx(1 / 6), 0]
    assert grads_at(F.hardswish, [-3.0, 3.0, 0.0, NAN]) == [0, 1, 0.5, 1]
    assert grads_at(F.softsign, [0.0]) == [1.0]
    assert grads_at(lambda x: F.prelu(x, tg.Tensor(np.array([0.25]))), [0.0]) == [0.25]
    assert grads_at(F.logsigmoid, [-800.0, 800.0]) == [1.0, 0.0]
    assert F.logsigmoid(tg.Tensor([-800.0])).item() == -800.0 and math.isfinite(F.logsigmoid(tg.Tensor([800.0])).item())
    assert F.hardswish(tg.Tensor([-4.0])).item() == 0.0


def test_activations_refuse_integers_and_bad_arguments():
    for f in (F.silu, F.elu, F.mish, F.hardswish, F.logsigmoid):
        with pytest.raises(TypeError, match="floating-point"):
            f(tg.Tensor([1, 2]))
    assert F.relu6(tg.Tensor([7, -1])).tolist() == [6, 0]  # PyTorch clamps integers
    for call, message in [(lambda: F.celu(tg.Tensor([1.0]), 0.0), "alpha must not be 0"),
                          (lambda: F.hardtanh(tg.Tensor([1.0]), 1.0, -1.0), "must not be larger"),
                          (lambda: F.glu(tg.Tensor(np.ones(3))), "must be even")]:
        with pytest.raises(ValueError, match=message):
            call()


def test_pytorchs_inplace_flag_is_taken_as_false_and_refused_as_true():
    x = tg.Tensor([-1.0, 2.0])
    assert F.elu(x, 1.0, False).tolist() == F.elu(x).tolist() and F.relu6(x, inplace=False).tolist() == [0, 2]
    for call in (lambda: F.silu(x, inplace=True), lambda: F.mish(x, inplace=True), lambda: nn.SiLU(True),
                 lambda: nn.ELU(inplace=True), lambda: nn.Hardtanh(inplace=True), lambda: nn.ReLU6(inplace=True)):
        with pytest.raises(NotImplementedError, match="inplace=True is not supported"):
            call()


def test_modules_print_their_arguments():
    assert repr(nn.ELU(0.5)) == "ELU(alpha=0.5)" and repr(nn.Softmin(1)) == "Softmin(dim=1)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)" and repr(nn.SiLU()) == "SiLU()"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
