"""Workloads for nn layers: one training step (forward, MSE loss, backward, SGD update) of an LSTM and of a
``TransformerEncoderLayer``, against the same step written by hand in numpy — vectorised, constants computed once,
nothing recomputed — which is what the library should cost at most 1.5 times.

Each ``make_*_step(lib, state, x, target)`` builds the step with ``lib`` = tinygrad_edu or torch (they share
PyTorch's API) from the same weights; ``numpy_*_step(state, x, target)`` is the hand-written step, updating
``state`` in place. ``check_*`` compares a few float32 steps of the library with float64 steps of the numpy
reference. Run ``python -m benchmarks.nn_workloads [--quick]`` to time them interleaved and print the ratios.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_edu as tg

try:  # PyTorch is never a dependency: compared only when it happens to be installed
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

LR = 0.01
LSTM_SIZES = {"batch": 32, "length": 32, "input": 128, "hidden": 256}
TRANSFORMER_SIZES = {"batch": 32, "length": 32, "d_model": 256, "nhead": 8, "feedforward": 1024}
State = dict[str, np.ndarray]


def _as_lib(lib: Any, array: np.ndarray) -> Any:
    return tg.Tensor(array.copy()) if lib is tg else torch.from_numpy(array.copy())


def _training_step(lib: Any, module: Any, state: State, forward: Callable[[Any], Any], x: np.ndarray,
                   target: np.ndarray) -> Callable[[], float]:
    """The step of ``module`` (given ``state``'s weights): zero_grad, MSE of ``forward(x)``, backward, SGD."""
    module.load_state_dict({key: _as_lib(lib, value) if lib is torch else value.copy()
                            for key, value in state.items()})
    optimizer = lib.optim.SGD(module.parameters(), lr=LR)
    inputs, targets = _as_lib(lib, x), _as_lib(lib, target)

    def step() -> float:
        optimizer.zero_grad()
        loss = lib.nn.functional.mse_loss(forward(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


# ----------------------------------------------------------------------------------------------- LSTM
def lstm_state(input_size: int, hidden: int, seed: int = 0) -> State:
    """PyTorch's names and shapes for a one-layer LSTM, drawn from U(−1/√H, 1/√H) as its initialisation."""
    rng, bound = np.random.default_rng(seed), 1 / np.sqrt(hidden)
    shapes = {"weight_ih_l0": (4 * hidden, input_size), "weight_hh_l0": (4 * hidden, hidden),
              "bias_ih_l0": (4 * hidden,), "bias_hh_l0": (4 * hidden,)}
    return {key: rng.uniform(-bound, bound, shape).astype(np.float32) for key, shape in shapes.items()}


def make_lstm_step(lib: Any, state: State, x: np.ndarray, target: np.ndarray) -> Callable[[], float]:
    """A training step of ``lib.nn.LSTM`` on (L, N, input) ``x``: its outputs (L, N, H) regress ``target``."""
    lstm = lib.nn.LSTM(x.shape[-1], state["weight_hh_l0"].shape[1])
    return _training_step(lib, lstm, state, lambda inputs: lstm(inputs)[0], x, target)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * z) + 0.5  # stable for any z, and cheaper than exp(−logaddexp(0, −z))


def numpy_lstm_step(state: State, x: np.ndarray, target: np.ndarray, lr: float = LR) -> float:
    """The LSTM step by hand: the input projection of every time step in one matmul, the recurrence step by step
    (gates i, f, g, o), then backpropagation through time with the weight gradients as one matmul each."""
    w_ih, w_hh = state["weight_ih_l0"], state["weight_hh_l0"]
    length, batch, _ = x.shape
    hidden = w_hh.shape[1]
    projected = (x.reshape(-1, x.shape[-1]) @ w_ih.T + (state["bias_ih_l0"] + state["bias_hh_l0"])).reshape(
        length, batch, 4 * hidden)
    hs = np.zeros((length + 1, batch, hidden), x.dtype)  # h_{t−1} at index t
    cs = np.zeros((length + 1, batch, hidden), x.dtype)
    gates = np.empty((length, batch, 4 * hidden), x.dtype)  # σ(i), σ(f), tanh(g), σ(o)
    tanh_c = np.empty((length, batch, hidden), x.dtype)
    for t in range(length):
        z = projected[t] + hs[t] @ w_hh.T
        a = gates[t]
        a[:, : 2 * hidden] = _sigmoid(z[:, : 2 * hidden])
        a[:, 2 * hidden : 3 * hidden] = np.tanh(z[:, 2 * hidden : 3 * hidden])
        a[:, 3 * hidden :] = _sigmoid(z[:, 3 * hidden :])
        cs[t + 1] = a[:, hidden : 2 * hidden] * cs[t] + a[:, :hidden] * a[:, 2 * hidden : 3 * hidden]
        tanh_c[t] = np.tanh(cs[t + 1])
        hs[t + 1] = a[:, 3 * hidden :] * tanh_c[t]
    diff = hs[1:] - target
    loss = float((diff * diff).mean())
    d_out = diff * np.asarray(2.0 / diff.size, dtype=x.dtype)
    d_gates = np.empty_like(gates)
    dh, dc = np.zeros((batch, hidden), x.dtype), np.zeros((batch, hidden), x.dtype)
    for t in range(length - 1, -1, -1):
        a, dz = gates[t], d_gates[t]
        i, f, g, o = a[:, :hidden], a[:, hidden : 2 * hidden], a[:, 2 * hidden : 3 * hidden], a[:, 3 * hidden :]
        dh = dh + d_out[t]
        dc = dc + dh * o * (1 - tanh_c[t] * tanh_c[t])
        dz[:, :hidden] = dc * g * i * (1 - i)
        dz[:, hidden : 2 * hidden] = dc * cs[t] * f * (1 - f)
        dz[:, 2 * hidden : 3 * hidden] = dc * i * (1 - g * g)
        dz[:, 3 * hidden :] = dh * tanh_c[t] * o * (1 - o)
        dc = dc * f
        dh = dz @ w_hh
    flat = d_gates.reshape(-1, 4 * hidden)
    grad_ih, grad_hh = flat.T @ x.reshape(-1, x.shape[-1]), flat.T @ hs[:-1].reshape(-1, hidden)
    grad_b = flat.sum(axis=0)
    w_ih -= lr * grad_ih
    w_hh -= lr * grad_hh
    state["bias_ih_l0"] -= lr * grad_b
    state["bias_hh_l0"] -= lr * grad_b
    return loss


def lstm_data(sizes: dict[str, int] = LSTM_SIZES, seed: int = 1) -> tuple[State, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((sizes["length"], sizes["batch"], sizes["input"])).astype(np.float32)
    target = rng.uniform(-0.5, 0.5, (sizes["length"], sizes["batch"], sizes["hidden"])).astype(np.float32)
    return lstm_state(sizes["input"], sizes["hidden"]), x, target


# ----------------------------------------------------------------------------------------------- transformer layer
def transformer_state(d_model: int, feedforward: int, seed: int = 0) -> State:
    """PyTorch's names and shapes for a ``TransformerEncoderLayer``; weights N(0, 1/fan_in), small biases."""
    rng = np.random.default_rng(seed)
    shapes = {"self_attn.in_proj_weight": (3 * d_model, d_model), "self_attn.in_proj_bias": (3 * d_model,),
              "self_attn.out_proj.weight": (d_model, d_model), "self_attn.out_proj.bias": (d_model,),
              "linear1.weight": (feedforward, d_model), "linear1.bias": (feedforward,),
              "linear2.weight": (d_model, feedforward), "linear2.bias": (d_model,),
              "norm1.weight": (d_model,), "norm1.bias": (d_model,),
              "norm2.weight": (d_model,), "norm2.bias": (d_model,)}
    state = {}
    for key, shape in shapes.items():
        scale = 1 / np.sqrt(shape[1]) if len(shape) == 2 else 0.1
        offset = 1.0 if key.endswith("norm1.weight") or key.endswith("norm2.weight") else 0.0
        state[key] = (offset + scale * rng.standard_normal(shape)).astype(np.float32)
    return state


def make_transformer_step(lib: Any, state: State, x: np.ndarray, target: np.ndarray, nhead: int
                          ) -> Callable[[], float]:
    """A training step of ``lib.nn.TransformerEncoderLayer`` (post-norm, ReLU, no dropout) on (N, L, E) ``x``."""
    d_model, feedforward = x.shape[-1], state["linear1.weight"].shape[0]
    layer = lib.nn.TransformerEncoderLayer(d_model, nhead, feedforward, dropout=0.0, batch_first=True)
    return _training_step(lib, layer, state, layer, x, target)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-5
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y = x̂·w + b with x̂ = (x − mean)·rstd; returns y, x̂, rstd (what backward needs)."""
    centered = x - x.mean(axis=-1, keepdims=True)
    rstd = 1 / np.sqrt((centered * centered).mean(axis=-1, keepdims=True) + np.asarray(eps, x.dtype))
    normed = centered * rstd
    return normed * weight + bias, normed, rstd


def _layer_norm_backward(dy: np.ndarray, normed: np.ndarray, rstd: np.ndarray, weight: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """∂C/∂x = rstd·(d − mean(d) − x̂·mean(d·x̂)) with d = ∂C/∂y·w; and the weight's and bias's gradients."""
    d = dy * weight
    dx = rstd * (d - d.mean(axis=-1, keepdims=True) - normed * (d * normed).mean(axis=-1, keepdims=True))
    flat_dy = dy.reshape(-1, dy.shape[-1])
    return dx, (flat_dy * normed.reshape(flat_dy.shape)).sum(axis=0), flat_dy.sum(axis=0)


def numpy_transformer_step(state: State, x: np.ndarray, target: np.ndarray, nhead: int, lr: float = LR) -> float:
    """The post-norm encoder layer by hand: x₁ = LN₁(x + MHA(x)), y = LN₂(x₁ + W₂·relu(W₁·x₁)), MSE, backward
    through every piece (softmax: ∂s = p·(∂p − Σ ∂p·p)), SGD on every weight."""
    s = state
    n, length, d_model = x.shape
    head = d_model // nhead
    rows = x.reshape(-1, d_model)
    qkv = rows @ s["self_attn.in_proj_weight"].T + s["self_attn.in_proj_bias"]  # (N·L, 3E)
    q, k, v = (qkv[:, i * d_model : (i + 1) * d_model].reshape(n, length, nhead, head).transpose(0, 2, 1, 3)
               for i in range(3))
    scale = np.asarray(1 / np.sqrt(head), x.dtype)
    scores = (q @ k.transpose(0, 1, 3, 2)) * scale
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    attended = (p @ v).transpose(0, 2, 1, 3).reshape(-1, d_model)
    y1 = rows + attended @ s["self_attn.out_proj.weight"].T + s["self_attn.out_proj.bias"]
    x1, normed1, rstd1 = _layer_norm(y1, s["norm1.weight"], s["norm1.bias"])
    hidden = np.maximum(x1 @ s["linear1.weight"].T + s["linear1.bias"], 0)
    y2 = x1 + hidden @ s["linear2.weight"].T + s["linear2.bias"]
    out, normed2, rstd2 = _layer_norm(y2, s["norm2.weight"], s["norm2.bias"])

    diff = out - target.reshape(out.shape)
    loss = float((diff * diff).mean())
    grads: State = {}
    d_y2, grads["norm2.weight"], grads["norm2.bias"] = _layer_norm_backward(
        diff * np.asarray(2.0 / diff.size, x.dtype), normed2, rstd2, s["norm2.weight"])
    grads["linear2.weight"], grads["linear2.bias"] = d_y2.T @ hidden, d_y2.sum(axis=0)
    d_hidden = (d_y2 @ s["linear2.weight"]) * (hidden > 0)
    grads["linear1.weight"], grads["linear1.bias"] = d_hidden.T @ x1, d_hidden.sum(axis=0)
    d_x1 = d_y2 + d_hidden @ s["linear1.weight"]
    d_y1, grads["norm1.weight"], grads["norm1.bias"] = _layer_norm_backward(d_x1, normed1, rstd1, s["norm1.weight"])
    grads["self_attn.out_proj.weight"], grads["self_attn.out_proj.bias"] = d_y1.T @ attended, d_y1.sum(axis=0)
    d_attended = (d_y1 @ s["self_attn.out_proj.weight"]).reshape(n, length, nhead, head).transpose(0, 2, 1, 3)
    d_p = d_attended @ v.transpose(0, 1, 3, 2)
    d_v = p.transpose(0, 1, 3, 2) @ d_attended
    d_scores = p * (d_p - (d_p * p).sum(axis=-1, keepdims=True)) * scale
    d_q, d_k = d_scores @ k, d_scores.transpose(0, 1, 3, 2) @ q
    d_qkv = np.concatenate([t.transpose(0, 2, 1, 3).reshape(-1, d_model) for t in (d_q, d_k, d_v)], axis=1)
    grads["self_attn.in_proj_weight"], grads["self_attn.in_proj_bias"] = d_qkv.T @ rows, d_qkv.sum(axis=0)
    for key, grad in grads.items():
        s[key] -= lr * grad
    return loss


def transformer_data(sizes: dict[str, int] = TRANSFORMER_SIZES, seed: int = 1
                     ) -> tuple[State, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (sizes["batch"], sizes["length"], sizes["d_model"])
    x = rng.standard_normal(shape).astype(np.float32)
    return transformer_state(sizes["d_model"], sizes["feedforward"]), x, rng.standard_normal(shape).astype(
        np.float32)


# ----------------------------------------------------------------------------------------------- checks and timing
def copy_state(state: State, dtype: Any = np.float32) -> State:
    return {key: value.astype(dtype) for key, value in state.items()}


def check_lstm(sizes: dict[str, int] = LSTM_SIZES, steps: int = 3) -> None:
    """float32 steps of tinygrad_edu's LSTM must track float64 steps of the hand-written one."""
    state, x, target = lstm_data(sizes)
    reference = copy_state(state, np.float64)
    expected = [numpy_lstm_step(reference, x.astype(np.float64), target.astype(np.float64)) for _ in range(steps)]
    step = make_lstm_step(tg, copy_state(state), x, target)
    np.testing.assert_allclose([step() for _ in range(steps)], expected, rtol=2e-4,
                               err_msg="LSTM: tinygrad_edu's steps disagree with numpy's")


def check_transformer(sizes: dict[str, int] = TRANSFORMER_SIZES, steps: int = 3) -> None:
    """float32 steps of tinygrad_edu's TransformerEncoderLayer must track float64 hand-written steps."""
    state, x, target = transformer_data(sizes)
    reference = copy_state(state, np.float64)
    expected = [numpy_transformer_step(reference, x.astype(np.float64), target.astype(np.float64), sizes["nhead"])
                for _ in range(steps)]
    step = make_transformer_step(tg, copy_state(state), x, target, sizes["nhead"])
    np.testing.assert_allclose([step() for _ in range(steps)], expected, rtol=2e-4,
                               err_msg="transformer layer: tinygrad_edu's steps disagree with numpy's")


def interleaved_medians(steps: dict[str, Callable[[], object]], repeats: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds per call of each step, the candidates taking turns one call at a time (a change in the
    machine's load hits all of them alike); garbage collection paused while timing."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    gc.disable()
    try:
        for _ in range(repeats):
            for name, step in steps.items():
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return {name: statistics.median(values) for name, values in times.items()}


def workloads() -> dict[str, dict[str, Callable[[], object]]]:
    """name → {candidate → step}: numpy, tinygrad_edu and (when installed) torch, from the same weights."""
    lstm, x, target = lstm_data()
    numpy_lstm = copy_state(lstm)
    steps = {"numpy": lambda: numpy_lstm_step(numpy_lstm, x, target),
             "tinygrad_edu": make_lstm_step(tg, copy_state(lstm), x, target)}
    if torch is not None:
        steps["torch"] = make_lstm_step(torch, copy_state(lstm), x, target)
    layer, tx, ttarget = transformer_data()
    nhead = TRANSFORMER_SIZES["nhead"]
    numpy_layer = copy_state(layer)
    layer_steps = {"numpy": lambda: numpy_transformer_step(numpy_layer, tx, ttarget, nhead),
                   "tinygrad_edu": make_transformer_step(tg, copy_state(layer), tx, ttarget, nhead)}
    if torch is not None:
        layer_steps["torch"] = make_transformer_step(torch, copy_state(layer), tx, ttarget, nhead)
    return {"lstm": steps, "transformer_layer": layer_steps}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time an LSTM step and a transformer-layer step against numpy.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    check_lstm()
    check_transformer()
    repeats = 7 if args.quick else 31
    lstm, layer = LSTM_SIZES, TRANSFORMER_SIZES
    print(f"lstm: batch {lstm['batch']}, length {lstm['length']}, input {lstm['input']}, hidden {lstm['hidden']}; "
          f"transformer_layer: batch {layer['batch']}, length {layer['length']}, d_model {layer['d_model']}, "
          f"{layer['nhead']} heads, feed-forward {layer['feedforward']}; float32; median of {repeats} interleaved "
          "steps (forward, backward, SGD)")
    print(f"{'workload':<18} {'numpy ms':>9} {'ours ms':>9} {'ours/numpy':>11}" + (
        f" {'torch ms':>9} {'torch/numpy':>12}" if torch is not None else ""))
    for name, steps in workloads().items():
        medians = interleaved_medians(steps, repeats)
        line = (f"{name:<18} {medians['numpy'] * 1e3:9.2f} {medians['tinygrad_edu'] * 1e3:9.2f} "
                f"{medians['tinygrad_edu'] / medians['numpy']:10.2f}×")
        if "torch" in medians:
            line += f" {medians['torch'] * 1e3:9.2f} {medians['torch'] / medians['numpy']:11.2f}×"
        print(line, flush=True)


if __name__ == "__main__":
    main()
