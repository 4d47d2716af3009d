"""The nn benchmark workloads' correctness (no timing here: ``python -m benchmarks.nn_workloads`` times them):
tinygrad_edu's float32 steps track the hand-written float64 steps, and the hand-written steps are gradient
descent (checked against central differences)."""

import numpy as np
import pytest
from gradients import numerical_gradients

from benchmarks import nn_workloads as w

SMALL_LSTM = {"batch": 3, "length": 4, "input": 5, "hidden": 6}
SMALL_LAYER = {"batch": 2, "length": 3, "d_model": 8, "nhead": 2, "feedforward": 12}


def test_library_steps_track_the_hand_written_steps():
    w.check_lstm(SMALL_LSTM)
    w.check_transformer(SMALL_LAYER)


def numerical_step(loss, state, lr):
    """θ − lr·∂loss/∂θ for every entry of ``state`` (float64), by the package's central differences."""
    keys = list(state)

    def loss_of(*arrays):
        return loss(dict(zip(keys, arrays)))

    return {key: state[key] - lr * grad for key, grad in zip(keys, numerical_gradients(loss_of, list(state.values())))}


@pytest.mark.parametrize("workload", ["lstm", "transformer_layer"])
def test_hand_written_steps_are_gradient_descent(workload):
    if workload == "lstm":
        state, x, target = w.lstm_data(SMALL_LSTM)
        step = lambda s, lr: w.numpy_lstm_step(s, x.astype(np.float64), target.astype(np.float64), lr)  # noqa: E731
    else:
        state, x, target = w.transformer_data(SMALL_LAYER)
        step = lambda s, lr: w.numpy_transformer_step(s, x.astype(np.float64), target.astype(np.float64),  # noqa: E731
                                                      SMALL_LAYER["nhead"], lr)
    state = w.copy_state(state, np.float64)
    expected = numerical_step(lambda values: step(w.copy_state(values, np.float64), 0.0), state, 0.5)
    step(state, 0.5)
    for key, value in state.items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-6, atol=1e-8, err_msg=key)
