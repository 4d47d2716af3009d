"""ONNX export: the exported graph, run in onnxruntime (an independent implementation), computes what the model
computes — on the example and on other batch sizes; ops without an export and graphs that would compute something
else are refused by name, and nothing is written then."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from examples_runner import load_example
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import handwritten as hw
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

onnx = require_module("onnx", "pip install 'tinygrad_edu[interop]'")
ort = require_module("onnxruntime", "pip install 'tinygrad_edu[interop]'")

ROOT = Path(__file__).resolve().parents[1]
FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}  # float32 round-off: ours and onnxruntime's sum in different orders


def exported(model: nn.Module, example: np.ndarray, path: Path, **options) -> ort.InferenceSession:
    """Export, check the file with onnx's checker, and open it in onnxruntime."""
    tg.onnx.export(model, example, path, **options)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def forward(model: nn.Module, x: np.ndarray) -> np.ndarray:
    with tg.no_grad():
        return model(tg.Tensor(x)).data


def batches(rng: np.random.Generator, shape: tuple[int, ...], sizes=(4, 1, 9)) -> list[np.ndarray]:
    return [rng.standard_normal((n, *shape)).astype(np.float32) for n in sizes]


def assert_runs_like(session: ort.InferenceSession, model: nn.Module, inputs: list[np.ndarray], **tolerance) -> None:
    for x in inputs:
        (got,) = session.run(None, {"input": x})
        np.testing.assert_allclose(got, forward(model, x), **(tolerance or FLOAT32))


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3), nn.Sigmoid())


def cnn() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(24, 10))


# ----------------------------------------------------------------------------------------------- the three models
def test_mlp_runs_in_onnxruntime_at_any_batch_size(tmp_path: Path) -> None:
    tg.manual_seed(0)
    model, rng = mlp(), np.random.default_rng(0)
    session = exported(model, rng.standard_normal((4, 5)).astype(np.float32), tmp_path / "mlp.onnx")
    assert_runs_like(session, model, batches(rng, (5,)))
    graph = onnx.load(str(tmp_path / "mlp.onnx")).graph
    assert [node.op_type for node in graph.node] == ["Gemm", "Add", "Relu", "Gemm", "Add", "Tanh", "Gemm", "Add",
                                                     "Sigmoid"]
    state = model.state_dict()  # parameters are initializers under their state-dict keys, with their values
    initializers = {i.name: onnx.numpy_helper.to_array(i) for i in graph.initializer}
    assert initializers.keys() == state.keys()
    for key, value in state.items():
        np.testing.assert_array_equal(initializers[key], value)
    assert [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim] == ["batch", 5]
    assert [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim] == ["batch", 3]


def test_cnn_runs_in_onnxruntime_at_any_batch_size(tmp_path: Path) -> None:
    tg.manual_seed(1)
    model, rng = cnn(), np.random.default_rng(1)
    session = exported(model, rng.standard_normal((3, 1, 8, 8)).astype(np.float32), tmp_path / "cnn.onnx")
    assert_runs_like(session, model, batches(rng, (1, 8, 8)))
    graph = onnx.load(str(tmp_path / "cnn.onnx")).graph
    assert [node.op_type for node in graph.node] == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "Reshape", "Gemm",
                                                     "Add"]


def test_the_seeds_autoencoder_runs_in_onnxruntime_as_the_handwritten_equations(tmp_path: Path) -> None:
    """examples/autoencoder.py's float64 model on the digits: onnxruntime against the notes' forward in numpy."""
    from sklearn.datasets import load_digits

    example = load_example("autoencoder.py")
    net = hw.Network.init(example.SIZES, hidden="tanh", seed=3)
    model = example.build_model(net)
    digits = load_digits().data / 16.0
    session = exported(model, digits[:32], tmp_path / "autoencoder.onnx")
    for x in (digits[:32], digits[100:101], digits[200:450]):
        (got,) = session.run(None, {"input": x})
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, hw.forward(net, x)[1][-1], rtol=1e-12, atol=1e-12)


CONVOLUTIONS = {
    "padding same, dilation": lambda: nn.Sequential(nn.Conv2d(2, 4, 3, padding="same", dilation=2),
                                                    nn.MaxPool2d(3, stride=2, padding=1)),
    "groups, rectangular, no bias": lambda: nn.Sequential(nn.Conv2d(2, 4, (3, 2), stride=(2, 1), groups=2,
                                                                    bias=False), nn.MaxPool2d(2, dilation=2)),
    "ceil mode drops a window that starts in the padding": lambda: nn.MaxPool2d(2, stride=2, padding=1,
                                                                                ceil_mode=True),
    "ceil mode keeps a partial window": lambda: nn.MaxPool2d(3, stride=2, ceil_mode=True),
    "average pooling, composed of primitives": lambda: nn.Sequential(
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), nn.AdaptiveAvgPool2d(2)),
}


@pytest.mark.parametrize("name", CONVOLUTIONS)
def test_conv_and_pool_arguments_carry_over(tmp_path: Path, name: str) -> None:
    tg.manual_seed(2)
    model, rng = CONVOLUTIONS[name](), np.random.default_rng(2)
    inputs = batches(rng, (2, 9, 9), (3, 2)) + batches(rng, (2, 9, 9), (2,))
    if isinstance(model, nn.MaxPool2d):  # padding never wins a window, even against −inf
        inputs[-1][..., :3, :3] = np.inf
        inputs[-1][..., 5:, 5:] = -np.inf
    assert_runs_like(exported(model, inputs[0], tmp_path / "m.onnx"), model, inputs)


def test_unbatched_input_exports_with_its_fixed_shape(tmp_path: Path) -> None:
    tg.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.MaxPool2d(2), nn.Tanh())
    x = np.random.default_rng(3).standard_normal((2, 9, 9)).astype(np.float32)  # (C, H, W): no batch axis
    session = exported(model, x, tmp_path / "m.onnx", dynamic_batch=False)
    assert_runs_like(session, model, [x])
    assert session.get_inputs()[0].shape == [2, 9, 9]


class Indexing(nn.Module):
    """Basic indexing of every kind: ints (negative too), slices with steps (negative too), None and ..."""

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return (x[:, 1, ::2, -3:].exp() + x[..., None, 0, 1:7:2, 2].sum(axis=-1, keepdims=True)
                + x[:, :, -1].reshape(-1, 2, 9, 1).mean() + x[:, -1, 8::-2, ::-3] * x[:, 0, -1:, 2:5])


def test_indexing_reductions_and_reshapes_follow_the_batch(tmp_path: Path) -> None:
    model, rng = Indexing(), np.random.default_rng(4)
    session = exported(model, rng.standard_normal((3, 2, 9, 9)).astype(np.float32), tmp_path / "m.onnx")
    assert_runs_like(session, model, batches(rng, (2, 9, 9)))


class Pairwise(nn.Module):
    """A reshape whose target follows the batch twice: (N, N, 3) → (N, 3N), written as (0, −1)."""

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return (x[:, None, :] * x[None, :, :]).reshape(x.shape[0], -1).tanh()


def test_a_reshape_that_follows_the_batch_twice(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    session = exported(Pairwise(), rng.standard_normal((4, 3)).astype(np.float32), tmp_path / "m.onnx")
    assert_runs_like(session, Pairwise(), batches(rng, (3,)))


class Zoo(nn.Module):
    """The elementwise, reduction and joining primitives no layer above records."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        y = (x @ self.weight).abs().clip(0.1, 2.0).clone() ** 1.5 - (x.abs() + 1).log()[:, :1]
        y = tg.maximum(y, -x[:, 1:2]) + tg.minimum(y, x[:, :1] / 2) - y.amax(axis=1, keepdims=True) * 0.1
        spread = y.amin(axis=0, keepdims=True) + x[:, :1].expand(x.shape[0], 4)
        y = tg.cat([-y, spread, y.astype(np.float64).astype(np.float32)], axis=1)
        return (y * y).sum(axis=1, keepdims=True).sqrt() + y.exp().mean(axis=1, keepdims=True)


def test_the_other_primitives_export(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    session = exported(Zoo(), rng.standard_normal((5, 3)).astype(np.float32), tmp_path / "m.onnx")
    graph = onnx.load(str(tmp_path / "m.onnx")).graph
    assert {"Abs", "Clip", "Identity", "Pow", "Log", "Max", "Min", "ReduceMax", "ReduceMin", "Concat", "Expand",
            "Cast", "Neg", "Sqrt", "ReduceSum", "ReduceMean", "MatMul"} <= {node.op_type for node in graph.node}
    assert_runs_like(session, Zoo(), batches(rng, (3,)))


def test_leaky_relu_is_exported_whole(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2))
    rng = np.random.default_rng(10)
    session = exported(model, rng.standard_normal((5, 3)).astype(np.float32), tmp_path / "m.onnx")
    assert [node.op_type for node in onnx.load(str(tmp_path / "m.onnx")).graph.node] == ["Gemm", "Add", "LeakyRelu"]
    assert_runs_like(session, model, batches(rng, (3,)))


def test_normalisation_and_elementwise_ops_export(tmp_path: Path) -> None:
    tg.manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 5), nn.LayerNorm(5), nn.GELU(), nn.Flatten(0, 1))
    rng = np.random.default_rng(5)
    session = exported(model, rng.standard_normal((3, 4, 6)).astype(np.float32), tmp_path / "m.onnx")
    assert_runs_like(session, model, batches(rng, (4, 6)))


def test_dropout_and_batchnorm_export_in_eval_mode_and_the_mode_is_restored(tmp_path: Path) -> None:
    """As torch.onnx.export by default: Dropout is the identity, BatchNorm uses its running statistics."""
    tg.manual_seed(6)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.Dropout(0.5), nn.ReLU(), nn.Flatten(),
                          nn.Linear(3 * 6 * 6, 4), nn.BatchNorm1d(4))
    rng = np.random.default_rng(6)
    model(tg.Tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32)))  # a training step moves the statistics
    model[6].eval()  # one submodule in eval mode, the others training: each keeps its own mode
    session = exported(model, rng.standard_normal((5, 1, 8, 8)).astype(np.float32), tmp_path / "m.onnx")
    assert [m.training for m in model.modules()] == [True] * 7 + [False]
    initializers = {i.name for i in onnx.load(str(tmp_path / "m.onnx")).graph.initializer}
    assert {"1.running_mean", "6.running_mean", "6.weight"} <= initializers
    model.eval()
    assert_runs_like(session, model, batches(rng, (1, 8, 8)))


# ----------------------------------------------------------------------------------------------- refusals
class Square(tg.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.data * a.data

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return 2 * a * grad


class Block(nn.Module):
    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return Square.apply(x)


def test_an_op_without_export_is_named_with_its_module_and_nothing_is_written(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU(), Block()))
    target = tmp_path / "model.onnx"
    target.write_bytes(b"the previous export")
    with pytest.raises(tg.onnx.UnsupportedOpError) as error:
        tg.onnx.export(model, np.ones((2, 3), np.float32), target)
    message = str(error.value)
    assert "Square (recorded in module '1.1' (Block)) has no export" in message
    assert "Supported: " + ", ".join(tg.onnx.supported_ops()) in message
    assert target.read_bytes() == b"the previous export" and sorted(p.name for p in tmp_path.iterdir()) == [
        "model.onnx"]


def test_a_primitive_without_export_is_named(tmp_path: Path) -> None:
    class Softplus(nn.Module):
        def forward(self, x: tg.Tensor) -> tg.Tensor:
            return F.softplus(x)

    with pytest.raises(tg.onnx.UnsupportedOpError, match=r"Log1p \(recorded in the model's own forward "
                                                         r"\(Softplus\)\) has no export"):
        tg.onnx.export(Softplus(), np.ones((2, 3), np.float32), tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_constant_computed_from_the_input_values_is_refused(tmp_path: Path) -> None:
    """F.max_pool2d records where each maximum was in the example: a graph with that mask fixed would be wrong."""
    class Pool(nn.Module):
        def forward(self, x: tg.Tensor) -> tg.Tensor:
            return F.max_pool2d(x, 2)

    with pytest.raises(tg.onnx.ExportError, match=r"Where in the model's own forward \(Pool\) uses a constant "
                                                  r"computed from the input's values.*nn.MaxPool2d and "
                                                  r"nn.LeakyReLU are exported whole"):
        tg.onnx.export(Pool(), np.random.default_rng(0).standard_normal((2, 1, 4, 4)), tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


class Threshold(nn.Module):
    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return tg.where(x.data > 5, x, x * 2)  # all False for the example: the probe must reach past 5


def test_a_mask_the_example_leaves_empty_is_refused(tmp_path: Path) -> None:
    x = np.random.default_rng(11).uniform(-1, 1, (6, 4)).astype(np.float32)
    with pytest.raises(tg.onnx.ExportError, match=r"Where in the model's own forward \(Threshold\) uses a constant"):
        tg.onnx.export(Threshold(), x, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


class Outputs(nn.Module):
    """A recurrent layer's outputs at every step (it returns a pair: outputs and final state)."""

    def __init__(self, recurrent: nn.Module) -> None:
        super().__init__()
        self.recurrent = recurrent

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.recurrent(x)[0]


@pytest.mark.parametrize("layer", ["RNN", "GRU", "LSTM"])
def test_recurrent_layers_export_with_their_zero_state_made_for_the_batch(tmp_path: Path, layer: str) -> None:
    """Their zero initial state is a constant of the batch's shape: made in the graph from the input's batch size."""
    tg.manual_seed(12)
    model, rng = Outputs(getattr(nn, layer)(4, 3, batch_first=True)), np.random.default_rng(12)
    session = exported(model, rng.standard_normal((3, 5, 4)).astype(np.float32), tmp_path / "m.onnx")
    assert_runs_like(session, model, batches(rng, (5, 4)))


def test_softmax_is_refused_for_its_shift_taken_from_the_data(tmp_path: Path) -> None:
    class Classifier(nn.Module):
        def forward(self, x: tg.Tensor) -> tg.Tensor:
            return x.softmax(-1)

    with pytest.raises(tg.onnx.ExportError, match=r"Sub in the model's own forward \(Classifier\) uses a constant "
                                                  r".*or a shift such as softmax's maximum"):
        tg.onnx.export(Classifier(), np.ones((2, 3), np.float32), tmp_path / "m.onnx")


class AddCounts(nn.Module):
    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return x + tg.arange(x.size).reshape(x.shape)  # a constant of the batch's shape, not of one value


def test_a_constant_of_the_batch_size_refuses_a_dynamic_batch_and_exports_a_fixed_one(tmp_path: Path) -> None:
    x = np.random.default_rng(7).standard_normal((3, 2)).astype(np.float32)
    with pytest.raises(tg.onnx.ExportError, match=r"Add in the model's own forward \(AddCounts\) depends on the "
                                                  r"batch size.*dynamic_batch=False for a fixed batch of 3"):
        tg.onnx.export(AddCounts(), x, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []
    session = exported(AddCounts(), x, tmp_path / "m.onnx", dynamic_batch=False)
    assert session.get_inputs()[0].shape == [3, 2]
    assert_runs_like(session, AddCounts(), [x])


class AddOnes(nn.Module):
    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return x + tg.full(x.shape, 0.5)  # one value: made in the graph at the input's batch size


def test_a_constant_of_one_value_follows_the_batch(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    session = exported(AddOnes(), rng.standard_normal((3, 2)).astype(np.float32), tmp_path / "m.onnx")
    assert_runs_like(session, AddOnes(), batches(rng, (2,)))


def test_a_model_that_fails_on_another_batch_size_is_refused_a_dynamic_batch(tmp_path: Path) -> None:
    class Pairs(nn.Module):
        def forward(self, x: tg.Tensor) -> tg.Tensor:
            return x.reshape(2, -1).tanh()

    with pytest.raises(tg.onnx.ExportError, match="the model fails on a batch of 5"):
        tg.onnx.export(Pairs(), np.ones((4, 3), np.float32), tmp_path / "m.onnx")
    session = exported(Pairs(), np.ones((4, 3), np.float32), tmp_path / "m.onnx", dynamic_batch=False)
    assert_runs_like(session, Pairs(), [np.arange(12, dtype=np.float32).reshape(4, 3) / 10])


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="floating point"):
        tg.onnx.export(nn.Embedding(4, 2), np.array([[1, 2]]), tmp_path / "m.onnx")
    with pytest.raises(TypeError, match=r"must be an nn\.Module"):
        tg.onnx.export(lambda x: x, np.ones(2), tmp_path / "m.onnx")
    with pytest.raises(tg.onnx.ExportError, match="returned tuple"):
        tg.onnx.export(nn.LSTM(2, 3), np.ones((1, 4, 2), np.float32), tmp_path / "m.onnx")
    with pytest.raises(tg.onnx.UnsupportedOpError, match="padding_mode='reflect', which has no export"):
        tg.onnx.export(nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), np.ones((1, 1, 4, 4)), tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_without_the_onnx_package_the_error_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'tinygrad_edu\[interop\]'"):
        tg.onnx.export(mlp(), np.ones((2, 5), np.float32), tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------------------------- the docs
def test_the_docs_list_exactly_the_supported_ops() -> None:
    page = (ROOT / "docs" / "checkpoints.md").read_text(encoding="utf-8")
    listed = re.search(r"<!-- onnx-ops -->\n(.*?)\n<!-- /onnx-ops -->", page, flags=re.S)
    assert listed is not None, "docs/checkpoints.md lost its list of supported ONNX ops"
    first_cells = re.findall(r"^\| ([^|]*)\|", listed.group(1), flags=re.M)  # the header has no `name`
    assert sorted(name for cell in first_cells for name in re.findall(r"`([\w.]+)`", cell)) == tg.onnx.supported_ops()
