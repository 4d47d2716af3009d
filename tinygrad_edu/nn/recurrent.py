"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their cells, with PyTorch's equations, gate order, parameter
names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ...), shapes and initialisation U(−1/√H, 1/√H).

Each time step is a handful of tensor ops; backward is the chain rule through them (backpropagation through
time). The input projection x_t·W_ihᵀ is computed step by step rather than for the whole sequence at once: slicing
one (L, N, 4H) tensor per step would make every step's gradient a full-size array of zeros.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor, cat, stack
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from . import init
from .module import Module, Parameter, with_device_and_dtype

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ----------------------------------------------------------------------------------------------- one time step
def rnn_step(projected: Tensor, h: Tensor, weight_hh: Tensor, nonlinearity: str) -> Tensor:
    """h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu); ``projected`` holds the input part and both biases."""
    z = projected + F.linear(h, weight_hh)
    return z.tanh() if nonlinearity == "tanh" else z.relu()


def lstm_step(projected: Tensor, h: Tensor, c: Tensor, weight_hh: Tensor, weight_hr: Tensor | None = None
              ) -> tuple[Tensor, Tensor]:
    """PyTorch's LSTM, gates in the order i, f, g, o (``projected`` holds x·W_ihᵀ + b_ih + b_hh):
    i, f, o = σ(·), g = tanh(·), c' = f⊙c + i⊙g, h' = o⊙tanh(c') (then h'·W_hrᵀ with a projection)."""
    size = c.shape[-1]
    gates = projected + F.linear(h, weight_hh)
    squashed = gates.sigmoid()  # one op for i, f and o (and g's quarter, unused)
    i, f, o = squashed[:, :size], squashed[:, size : 2 * size], squashed[:, 3 * size :]
    g = gates[:, 2 * size : 3 * size].tanh()
    c = f * c + i * g
    h = o * c.tanh()
    return (h if weight_hr is None else F.linear(h, weight_hr)), c


def gru_step(projected: Tensor, h: Tensor, weight_hh: Tensor, bias_hh: Tensor | None) -> Tensor:
    """PyTorch's GRU, gates in the order r, z, n (``projected`` = x·W_ihᵀ + b_ih): r, z = σ(·),
    n = tanh(x·W_inᵀ + b_in + r⊙(h·W_hnᵀ + b_hn)), h' = (1 − z)⊙n + z⊙h, written n + z⊙(h − n)."""
    size = h.shape[-1]
    recurrent = F.linear(h, weight_hh, bias_hh)
    rz = (projected[:, : 2 * size] + recurrent[:, : 2 * size]).sigmoid()
    r, z = rz[:, :size], rz[:, size:]
    n = (projected[:, 2 * size :] + r * recurrent[:, 2 * size :]).tanh()
    return n + z * (h - n)


def _uniform_(module: Module, hidden_size: int) -> None:
    """PyTorch's initialisation of every recurrent weight and bias: U(−1/√H, 1/√H)."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


def _parameter(*shape: int) -> Parameter:
    return Parameter(np.zeros(shape, dtype=np.float32))


# ----------------------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """One time step: ``weight_ih`` (gates·H, input), ``weight_hh`` (gates·H, H), ``bias_ih``, ``bias_hh``."""

    mode: str

    @with_device_and_dtype
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = GATES[self.mode] * hidden_size
        self.weight_ih, self.weight_hh = _parameter(rows, input_size), _parameter(rows, hidden_size)
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, _parameter(rows) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_(self, self.hidden_size)

    def _prepare(self, x: Tensor, hx: Any) -> tuple[Tensor, list[Tensor], bool]:
        """(x as a batch, its states as a batch (zeros if not given), whether x came without a batch axis)."""
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {x.shape}")
        unbatched = x.ndim == 1
        x = x.unsqueeze(0) if unbatched else x
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            zeros = np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
            return x, [Tensor.wrap(zeros) for _ in range(count)], unbatched
        states = list(hx) if count == 2 else [hx]
        expected = (self.hidden_size,) if unbatched else (x.shape[0], self.hidden_size)
        for state in states:
            if state.shape != expected:
                raise ValueError(f"{type(self).__name__}: expected hidden state of shape {expected}, got {state.shape}")
        return x, [s.unsqueeze(0) if unbatched else s for s in states], unbatched

    def _projected(self, x: Tensor, fold_bias_hh: bool) -> Tensor:
        bias = self.bias_ih
        if fold_bias_hh and bias is not None:
            bias = bias + self.bias_hh
        return F.linear(x, self.weight_ih, bias)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        return text + (", nonlinearity='relu'" if getattr(self, "nonlinearity", "tanh") == "relu" else "")


class RNNCell(RNNCellBase):
    """h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (``nonlinearity='relu'``: relu)."""

    mode = "RNN_TANH"

    @with_device_and_dtype
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh") -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), unbatched = self._prepare(x, hx)
        h = rnn_step(self._projected(x, True), h, self.weight_hh, self.nonlinearity)
        return h[0] if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o); returns (h', c')."""

    mode = "LSTM"

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        x, (h, c), unbatched = self._prepare(x, hx)
        h, c = lstm_step(self._projected(x, True), h, c, self.weight_hh)
        return (h[0], c[0]) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n); returns h'."""

    mode = "GRU"

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), unbatched = self._prepare(x, hx)
        h = gru_step(self._projected(x, False), h, self.weight_hh, self.bias_hh)
        return h[0] if unbatched else h


# ----------------------------------------------------------------------------------------------- layers
class RNNBase(Module):
    """Stacked (``num_layers``), optionally bidirectional recurrent layers over (L, N, H_in) input (or
    (N, L, H_in) with ``batch_first``, or (L, H_in) unbatched), with dropout between layers in training."""

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one block for cuDNN; numpy reads them where they are."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0
                 ) -> None:
        super().__init__()
        if mode not in GATES:
            raise ValueError(f"unknown recurrent mode {mode!r}")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"hidden_size and num_layers must be positive, got {hidden_size} and {num_layers}")
        if proj_size < 0 or (proj_size and proj_size >= hidden_size):
            raise ValueError(f"proj_size must be 0 or in [1, hidden_size), got {proj_size}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        directions = 2 if bidirectional else 1
        output_size = proj_size or hidden_size
        rows = GATES[mode] * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else output_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                setattr(self, "weight_ih" + suffix, _parameter(rows, layer_input))
                setattr(self, "weight_hh" + suffix, _parameter(rows, output_size))
                if bias:
                    setattr(self, "bias_ih" + suffix, _parameter(rows))
                    setattr(self, "bias_hh" + suffix, _parameter(rows))
                if proj_size:
                    setattr(self, "weight_hr" + suffix, _parameter(proj_size, hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_(self, self.hidden_size)

    def _weights(self, layer: int, direction: int) -> dict[str, Tensor | None]:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        return {name: self._parameters.get(name + suffix) for name in names}

    def _initial_states(self, hx: Any, batch: int, unbatched: bool, dtype: np.dtype) -> list[list[Tensor]]:
        """[h0] (or [h0, c0] for an LSTM), each a list of one (N, size) tensor per layer and direction."""
        count = (2 if self.bidirectional else 1) * self.num_layers
        sizes = [self.proj_size or self.hidden_size] + ([self.hidden_size] if self.mode == "LSTM" else [])
        if hx is None:
            return [[Tensor.wrap(np.zeros((batch, size), dtype=dtype))] * count for size in sizes]
        given = list(hx) if self.mode == "LSTM" else [hx]
        if self.mode == "LSTM" and len(given) != 2:
            raise ValueError("LSTM: hx must be a tuple (h_0, c_0)")
        states = []
        for state, size in zip(given, sizes):
            expected = (count, size) if unbatched else (count, batch, size)
            if state.shape != expected:
                raise ValueError(f"Expected hidden size {expected}, got {state.shape}")
            state = state.unsqueeze(1) if unbatched else state
            states.append([state[i] for i in range(count)])
        return states

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: expected input of 2 (unbatched) or 3 dimensions, got shape "
                             f"{input.shape}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                             f"{input.shape[-1]}")
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else (input.swapaxes(0, 1) if self.batch_first else input)
        length, batch = x.shape[0], x.shape[1]
        states = self._initial_states(hx, batch, unbatched, x.dtype)
        steps = [x[t] for t in range(length)]
        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            per_direction = []
            for direction in range(directions):
                index = layer * directions + direction
                outputs, last = self._run(steps, [s[index] for s in states], self._weights(layer, direction),
                                          reverse=direction == 1)
                per_direction.append(outputs)
                for kept, value in zip(finals, last):
                    kept.append(value)
            steps = per_direction[0] if directions == 1 else [cat(pair, axis=-1) for pair in zip(*per_direction)]
            if self.dropout and self.training and layer < self.num_layers - 1:
                steps = [F.dropout(step, self.dropout) for step in steps]
        output = stack(steps, axis=1 if self.batch_first and not unbatched else 0)
        finals_stacked = [stack(kept, axis=0) for kept in finals]
        if unbatched:
            output, finals_stacked = output[:, 0], [f[:, 0] for f in finals_stacked]
        return output, (tuple(finals_stacked) if self.mode == "LSTM" else finals_stacked[0])

    def _run(self, steps: list[Tensor], state: list[Tensor], weights: dict[str, Tensor | None], reverse: bool
             ) -> tuple[list[Tensor], list[Tensor]]:
        """One layer in one direction over the sequence: the outputs in time order, and the final states."""
        fold = self.mode != "GRU"  # b_hh joins the input projection (GRU keeps it inside r ⊙ (…))
        bias = weights["bias_ih"]
        if fold and bias is not None:
            bias = bias + weights["bias_hh"]
        outputs: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
        order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
        for t in order:
            projected = F.linear(steps[t], weights["weight_ih"], bias)
            if self.mode == "LSTM":
                state = list(lstm_step(projected, *state, weights["weight_hh"], weights["weight_hr"]))
            elif self.mode == "GRU":
                state = [gru_step(projected, state[0], weights["weight_hh"], weights["bias_hh"])]
            else:
                state = [rnn_step(projected, state[0], weights["weight_hh"], self.nonlinearity)]
            outputs[t] = state[0]
        return outputs, state

    @property
    def nonlinearity(self) -> str:
        return "relu" if self.mode == "RNN_RELU" else "tanh"

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        return text + (", bidirectional=True" if self.bidirectional else "")


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (``nonlinearity='relu'``: relu)."""

    @with_device_and_dtype
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False
                 ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional)


class LSTM(RNNBase):
    """Long short-term memory: returns (output, (h_n, c_n)); ``proj_size`` projects h (weight_hr)."""

    @with_device_and_dtype
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0
                 ) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size)


class GRU(RNNBase):
    """Gated recurrent unit: returns (output, h_n)."""

    @with_device_and_dtype
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
