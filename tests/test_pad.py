"""F.pad: PyTorch's semantics (amounts from the last axis backwards, asymmetric, negative amounts crop) in four
modes, checked against numpy's np.pad, hand-derived cases, finite differences and, where installed, PyTorch."""

import contextlib
import itertools

import numpy as np
import pytest
from gradients import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F  # noqa: N812

NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def numpy_widths(ndim: int, pad: tuple[int, ...]) -> list[tuple[int, int]]:
    """PyTorch's pad tuple as np.pad's per-axis widths: the pairs name the last axis first."""
    pairs = [(pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)]
    return [(0, 0)] * (ndim - len(pairs)) + pairs[::-1]


@settings(max_examples=40, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=4, min_side=2, max_side=4), data=st.data())
def test_non_negative_padding_is_numpys_pad_in_every_mode(shape, data):
    mode = data.draw(st.sampled_from(sorted(NUMPY_MODE)))
    axes = data.draw(st.integers(1, len(shape)))
    most = 1 if mode == "reflect" else 2  # reflect needs amounts below the axis' size (≥ 2 here)
    pad = tuple(data.draw(st.integers(0, most)) for _ in range(2 * axes))
    x = np.random.default_rng(0).standard_normal(shape)
    expected = np.pad(x, numpy_widths(x.ndim, pad), mode=NUMPY_MODE[mode])
    np.testing.assert_array_equal(F.pad(tg.Tensor(x), pad, mode=mode).data, expected)
    check_gradients(lambda t: F.pad(t, pad, mode=mode), x)


def test_hand_derived_cases_with_negative_amounts():
    x = tg.Tensor(np.arange(4.0))
    # constant and circular crop first: [1, 2, 3] padded; reflect and replicate count on the uncropped axis
    assert F.pad(x, (-1, 2)).tolist() == [1, 2, 3, 0, 0]
    assert F.pad(x, (-1, 2), mode="circular").tolist() == [1, 2, 3, 1, 2]
    assert F.pad(x, (-1, 2), mode="reflect").tolist() == [1, 2, 3, 2, 1]
    assert F.pad(x, (2, -1), mode="reflect").tolist() == [2, 1, 0, 1, 2]
    assert F.pad(x, (2, -1), mode="replicate").tolist() == [0, 0, 0, 1, 2]
    m = tg.Tensor(np.arange(12.0).reshape(3, 4))
    # the last axis cropped by one on the left, the first reflected by one above and cropped by one below
    assert F.pad(m, (-1, 0, 1, -1), mode="reflect").tolist() == [[5, 6, 7], [1, 2, 3], [5, 6, 7]]
    assert F.pad(x, (-2, -2)).shape == (0,)
    check_gradients(lambda t: F.pad(t, (-1, 2, 1, -1), mode="reflect"), np.arange(12.0).reshape(3, 4) / 7)
    check_gradients(lambda t: F.pad(t, (-1, 2, 1, -1), mode="circular"), np.arange(12.0).reshape(3, 4) / 7)
    check_gradients(lambda t: F.pad(t, (-1, 2, 1, -1), value=3.0), np.arange(12.0).reshape(3, 4) / 7)


def test_the_gradient_of_a_reflected_element_sums_its_copies():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    F.pad(x, (2, 2), mode="reflect").sum().backward()  # [3, 2, 1, 2, 3, 2, 1]: 1 twice, 2 three times, 3 twice
    assert x.grad.tolist() == [2, 3, 2]


def test_constant_value_dtype_and_new_memory():
    ints = tg.Tensor(np.array([1, 2, 3], dtype=np.int32))
    padded = F.pad(ints, (1, 1), value=2.7)
    assert padded.dtype == np.int32 and padded.tolist() == [2, 1, 2, 3, 2]  # the value cast, as PyTorch
    floats = tg.Tensor(np.ones((2, 2), np.float32))
    out = F.pad(floats, (0, 0))
    assert out.dtype == np.float32 and not np.shares_memory(out.data, floats.data)
    assert F.pad(floats, (1, 0, 0, 1), value=-np.inf).tolist() == [[-np.inf, 1, 1], [-np.inf, 1, 1],
                                                                 [-np.inf, -np.inf, -np.inf]]
    assert F.pad(tg.Tensor(np.array([True])), (1, 0)).tolist() == [False, True]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda x: F.pad(x, (1,)), ValueError, "even number of amounts"),
    (lambda x: F.pad(x, (1, 1) * 3), ValueError, "at most 2 per axis"),
    (lambda x: F.pad(x, (1.5, 1)), TypeError, "must be ints"),
    (lambda x: F.pad(x, (1, 1), mode="zeros"), ValueError, "mode must be one of"),
    (lambda x: F.pad(x, (1, 1), mode="reflect", value=1.0), ValueError, "takes no value"),
    (lambda x: F.pad(x, (3, 0), mode="reflect"), ValueError, "smaller than the axis"),
    (lambda x: F.pad(x, (4, 0), mode="circular"), ValueError, "at most once"),
    (lambda x: F.pad(x, (-2, -2)), ValueError, "leaves less than nothing"),
])
def test_bad_arguments_raise_naming_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call(tg.Tensor(np.ones((2, 3))))


def test_every_small_case_matches_pytorch_where_pytorch_defines_it():
    """Every pad of a (2, 3, 4) tensor's last two axes with amounts in [-3, 4] and every mode. PyTorch's circular
    mode wraps more than once or reads past the cropped tensor when an amount exceeds the cropped size: there we
    raise or keep wrapping, so those cases are left out; where PyTorch raises for an empty result, we give it."""
    torch = require_module("torch", "pip install torch==2.13.0 (the CPU build)")
    x = np.arange(24.0).reshape(2, 3, 4)
    compared = 0
    for mode, pad in itertools.product(NUMPY_MODE, itertools.product(range(-3, 5), repeat=4)):
        cropped = [4 + min(pad[0], 0) + min(pad[1], 0), 3 + min(pad[2], 0) + min(pad[3], 0)]
        if min(cropped) < 0 or (mode == "circular" and (max(pad[:2]) > cropped[0] or max(pad[2:]) > cropped[1])):
            continue
        try:
            expected = torch.nn.functional.pad(torch.tensor(x), pad, mode=mode).numpy()
        except RuntimeError:  # refused by PyTorch: refused here too, or (reflect, replicate) an empty result
            with contextlib.suppress(ValueError):
                assert F.pad(tg.Tensor(x), pad, mode=mode).size == 0, f"{mode} {pad}"
            continue
        np.testing.assert_array_equal(F.pad(tg.Tensor(x), pad, mode=mode).data, expected, err_msg=f"{mode} {pad}")
        compared += 1
    assert compared > 5000


@pytest.mark.parametrize("name", ["ZeroPad1d", "ZeroPad2d", "ReflectionPad1d", "ReplicationPad2d", "CircularPad1d"])
def test_pads_without_a_value_refuse_a_second_argument_as_pytorch(name):
    """Only ConstantPad*d takes a fill value: a value given to the others was silently ignored (or, for ZeroPad,
    used); PyTorch refuses it."""
    with pytest.raises(TypeError, match="positional argument"):
        getattr(tg.nn, name)(1, 5.0)
    assert getattr(tg.nn, name)(1)(tg.ones(1, 1, 3, 3)).shape[-1] == 5
