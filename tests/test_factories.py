"""Factories (issue 14): the deterministic ones against numpy, the random ones for shape, dtype, range and (loosely)
their distributions, and tg.Generator streams independent of each other and of tg.manual_seed."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def test_linspace_logspace_empty_full_like():
    np.testing.assert_allclose(tg.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])
    assert tg.linspace(0, 1, 5).dtype == np.float32 and tg.linspace(2, 2, 1).tolist() == [2.0]
    assert tg.linspace(0, 10, 5, dtype=tg.int64).tolist() == [0, 2, 5, 7, 10]  # truncated, as PyTorch
    np.testing.assert_allclose(tg.logspace(0, 2, 3).data, [1, 10, 100])
    np.testing.assert_allclose(tg.logspace(0, 2, 3, base=2).data, [1, 2, 4])
    assert tg.empty(2, 3).shape == (2, 3) and tg.empty((2,), dtype=tg.int32).dtype == np.int32
    like = tg.Tensor(np.zeros((2, 2), np.int64))
    assert tg.full_like(like, 2.7).tolist() == [[2, 2], [2, 2]]  # cast to the tensor's dtype
    assert tg.full_like(like, 2.7, dtype=tg.float64).dtype == np.float64
    assert tg.empty_like(like).shape == (2, 2)
    with pytest.raises(ValueError, match="steps"):
        tg.linspace(0, 1, -1)


def test_random_factories_shapes_dtypes_and_ranges():
    tg.manual_seed(0)
    x = tg.Tensor(np.zeros((200, 50), np.float32))
    uniform, normal = tg.rand_like(x), tg.randn_like(x)
    assert uniform.shape == normal.shape == (200, 50) and uniform.dtype == normal.dtype == np.float32
    assert uniform.data.min() >= 0 and uniform.data.max() < 1 and abs(uniform.data.mean() - 0.5) < 0.01
    assert abs(normal.data.mean()) < 0.02 and abs(normal.data.std() - 1) < 0.02
    integers = tg.randint(3, 7, (1000,))
    assert integers.dtype == np.int64 and set(integers.tolist()) == {3, 4, 5, 6}
    assert set(tg.randint(2, (100,)).tolist()) == {0, 1}
    assert sorted(tg.randperm(10).tolist()) == list(range(10)) and tg.randperm(3).dtype == np.int64
    with pytest.raises(ValueError, match="larger than low"):
        tg.randint(5, 5, (2,))


def test_normal_bernoulli_multinomial():
    tg.manual_seed(1)
    samples = tg.normal(tg.Tensor([0.0, 10.0]), tg.Tensor([1.0, 0.1]), generator=None)
    assert samples.shape == (2,)
    many = tg.normal(3.0, 2.0, (20000,))
    assert abs(many.data.mean() - 3) < 0.05 and abs(many.data.std() - 2) < 0.05
    assert tg.normal(tg.zeros(2), tg.ones(3, 2)).shape == (3, 2)
    assert tg.bernoulli(tg.Tensor([0.0, 1.0, 1.0])).tolist() == [0, 1, 1]
    assert abs(tg.bernoulli(tg.full((20000,), 0.3)).data.mean() - 0.3) < 0.02
    assert tg.bernoulli(tg.zeros(3), p=1.0).tolist() == [1, 1, 1]
    draws = tg.multinomial(tg.Tensor([0.0, 3.0, 1.0]), 4000, replacement=True)
    assert draws.dtype == np.int64 and abs((draws.data == 1).mean() - 0.75) < 0.03 and 0 not in draws.tolist()
    rows = tg.multinomial(tg.Tensor([[1.0, 1.0, 0.0], [0.0, 2.0, 5.0]]), 2)
    assert rows.shape == (2, 2) and sorted(rows.tolist()[0]) == [0, 1]
    with pytest.raises(ValueError, match="without replacement"):
        tg.multinomial(tg.Tensor([0.0, 1.0, 0.0]), 2)
    with pytest.raises(ValueError, match="\\[0, 1\\]"):
        tg.bernoulli(tg.Tensor([1.5]))


def test_generators_are_independent_reproducible_streams():
    first, second = tg.Generator().manual_seed(7), tg.Generator().manual_seed(7)
    a = tg.randn(5, generator=first)
    tg.manual_seed(123)
    tg.randn(100)  # the global stream moves; the generators don't notice
    b = tg.randn(5, generator=second)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(tg.randn(5, generator=first).data, a.data)
    state = first.get_state()
    c = tg.rand(3, generator=first)
    first.set_state(state)
    np.testing.assert_array_equal(tg.rand(3, generator=first).data, c.data)
    assert first.initial_seed() == 7 and isinstance(tg.Generator().seed(), int)
    for factory in (lambda g: tg.randint(10, (3,), generator=g), lambda g: tg.randperm(5, generator=g),
                    lambda g: tg.normal(0.0, 1.0, (3,), generator=g), lambda g: tg.rand_like(tg.ones(3), generator=g),
                    lambda g: tg.bernoulli(tg.full((3,), 0.5), generator=g),
                    lambda g: tg.multinomial(tg.ones(4), 2, generator=g)):
        np.testing.assert_array_equal(factory(tg.Generator().manual_seed(3)).data,
                                      factory(tg.Generator().manual_seed(3)).data)
    with pytest.raises(TypeError, match=r"tg\.Generator"):
        tg.randn(2, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="CPU"):
        tg.Generator("cuda")
