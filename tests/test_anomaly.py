"""detect_anomaly: the first NaN/inf in a forward output or a backward gradient names the op and the user's line."""

import inspect
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Function, Tensor

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's own divide/invalid warnings

THIS_FILE = __file__


def next_line() -> int:
    """The line number after the caller's: where the op under test is created."""
    return inspect.currentframe().f_back.f_lineno + 1


def test_nan_in_forward_names_the_op_and_the_line():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        line = next_line()
        y = x.log()  # log(-1) = nan
        y.sum().backward()
    message = str(info.value)
    assert "LogBackward produced nan in its forward output" in message
    assert f"{THIS_FILE}:{line}" in message and "y = x.log()" in message


@pytest.mark.parametrize("create_graph", [False, True])
def test_inf_first_appearing_in_backward_names_the_op_and_where_it_was_created(create_graph):
    """√x at 0 is finite in forward; its derivative 1/(2√x) is inf — the error must blame SqrtBackward."""
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    with tg.detect_anomaly():
        line = next_line()
        root = x.sqrt()
        loss = (root * 2).sum()
        with pytest.raises(FloatingPointError) as info:
            loss.backward(create_graph=create_graph)
    message = str(info.value)
    if create_graph:  # the backward ran as recorded Tensor ops: the inf appears inside it, and is blamed on Sqrt
        assert "SqrtBackward produced a non-finite value while computing its backward" in message
    else:  # the backward ran on arrays: the inf is caught in the gradient it returned
        assert "SqrtBackward produced inf in its backward gradient for input 0" in message
    assert f"{THIS_FILE}:{line}" in message and "root = x.sqrt()" in message


def test_nan_in_a_user_ops_backward_names_it():
    class BadGrad(Function):
        @staticmethod
        def forward(ctx, a):
            return a.data * 2

        @staticmethod
        def backward(ctx, grad):
            return Tensor(np.full(grad.shape, np.nan))

    x = Tensor(np.ones(3), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        line = next_line()
        y = BadGrad.apply(x)
        y.sum().backward()
    assert "BadGradBackward produced nan in its backward gradient for input 0" in str(info.value)
    assert f"created at {THIS_FILE}:{line}" in str(info.value)


def test_first_anomaly_wins_when_several_ops_would_fail():
    x = Tensor(np.array([-1.0]), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(FloatingPointError, match="SqrtBackward produced nan in its forward"):
        (x.sqrt().log() / 0.0).sum()


def test_ops_recording_no_graph_are_checked_too():
    with tg.detect_anomaly(), tg.no_grad(), pytest.raises(FloatingPointError, match="DivBackward produced inf"):
        Tensor(np.array([1.0])) / Tensor(np.array([0.0]))


def test_without_detect_anomaly_nan_propagates_silently():
    x = Tensor(np.array([0.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.numpy()).all()


def test_integer_results_and_finite_values_are_fine():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with tg.detect_anomaly():
        (x * x).sum().backward()
        assert Tensor(np.array([1, 2])).sum().item() == 3
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_graph_built_outside_anomaly_mode_still_reports_the_op():
    x = Tensor(np.array([0.0]), requires_grad=True)
    loss = x.sqrt().sum()
    with tg.detect_anomaly(), pytest.raises(FloatingPointError, match=r"SqrtBackward.*outside detect_anomaly"):
        loss.backward()


def test_mode_is_restored_after_an_error_and_nesting():
    with pytest.raises(FloatingPointError), tg.detect_anomaly():
        Tensor(np.array([-1.0])).log()
    assert Tensor(np.array([-1.0])).log().numpy()[0] != Tensor(np.array([-1.0])).log().numpy()[0]  # nan, no raise
    with tg.detect_anomaly():
        with tg.detect_anomaly():
            pass
        with pytest.raises(FloatingPointError):
            Tensor(np.array([0.0])).log()


def test_check_nan_false_checks_nothing_as_pytorchs_keyword_says():
    """torch.autograd.detect_anomaly(check_nan=False): no NaN error, in forward or backward; the default checks."""
    x = Tensor(np.array([-1.0]), requires_grad=True)
    with tg.autograd.detect_anomaly(check_nan=False):
        y = x.sqrt()
        y.sum().backward()
    assert np.isnan(y.item()) and np.isnan(x.grad.item())
    with tg.autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="nan"):
        x.sqrt()
