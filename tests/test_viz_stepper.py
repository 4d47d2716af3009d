"""The stepper and the narration show the engine's real walk, and its numbers are right.

Truths: PyTorch's gradients of the same graph (every intermediate retained, and each use of a reused value
cloned, so each contribution to a sum is known on its own), the seed's hand-derived gradients
(``tinygrad_edu.handwritten``), and the recorded graph itself for the order.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
from examples_runner import run_example
from hypothesis import given, settings
from hypothesis import strategies as st
from optional_tools import require_module

import tinygrad_edu as tg
from tinygrad_edu import engine, nn, viz
from tinygrad_edu import handwritten as hw
from tinygrad_edu.viz import layout, recording

RNG = np.random.default_rng(7)


# ----------------------------------------------------------------------------------------------- graphs
def composite(x, y, W1, b1, W2, b2):
    """A two-layer net whose hidden activation a1 is used three times, in PyTorch's API: both frameworks run it.
    Returns the cost and every intermediate in the order computed."""
    kept = []

    def keep(t):
        kept.append(t)
        return t

    z1 = keep(keep(x @ keep(W1.T)) + b1)
    a1 = keep(z1.tanh())
    z2 = keep(keep(a1 @ keep(W2.T)) + b2)
    d = keep(z2 - y)
    mse = keep(keep(d * d).mean())
    penalty = keep(keep(a1 * keep(a1.exp())).sum())
    return keep(mse + keep(penalty * 0.1)), kept


def arrays() -> list[np.ndarray]:
    """x (3×2), y (3×1), W1 (4×2), b1 (4), W2 (1×4), b2 (1), float64."""
    return [RNG.standard_normal(shape) for shape in [(3, 2), (3, 1), (4, 2), (4,), (1, 4), (1,)]]


def ours(values: list[np.ndarray]):
    x, y, *params = values
    leaves = [tg.Tensor(p, requires_grad=True) for p in params]
    with viz.keep_intermediates():
        cost, kept = composite(tg.Tensor(x), tg.Tensor(y), *leaves)
    return cost, kept, leaves


def theirs(values: list[np.ndarray]):
    """The same graph in PyTorch, every intermediate's gradient retained, after backward."""
    require_module("torch", "pip install torch==2.13.0 (PyTorch's gradients are the truth for the stepper's numbers)")
    import torch

    x, y, *params = (torch.tensor(v) for v in values)
    leaves = [p.requires_grad_() for p in params]
    cost, kept = composite(x, y, *leaves)
    for t in kept:
        t.retain_grad()
    cost.backward()
    return kept, leaves


def tensor_of(order: list, node_id: str):
    """The tensor behind a page node id ``t<i>`` (position i of the graph walk)."""
    node = order[int(node_id[1:])]
    return node if isinstance(node, tg.Tensor) else node.live_output()


def array(values: dict) -> np.ndarray:
    """An array the page carries (flattened numbers and a shape) back as numpy."""
    return np.array([float(v) for v in values["values"]]).reshape(values["shape"])


def truth_for(order, node_id, kept, leaves, torch_kept, torch_leaves) -> np.ndarray:
    tensor = tensor_of(order, node_id)
    for mine, reference in [*zip(kept, torch_kept), *zip(leaves, torch_leaves)]:
        if mine is tensor:
            return reference.grad.numpy()
    raise AssertionError(f"{node_id} is not a tensor of the graph")


# ----------------------------------------------------------------------------------------------- the numbers
def test_every_number_of_every_step_is_pytorchs():
    values = arrays()
    torch_kept, torch_leaves = theirs(values)
    cost, kept, leaves = ours(values)
    order = engine.topological_order(cost)
    stepper = viz.stepper(cost)
    truth = {}
    assert [s["node"] for s in stepper.steps] == [  # the engine's order: the walk, op by op, then the leaves
        f"{'o' if isinstance(node, tg.Function) else 't'}{i}" for i, node in enumerate(order)]
    for step in stepper.steps:
        truth[step["tensor"]] = truth_for(order, step["tensor"], kept, leaves, torch_kept, torch_leaves)
        np.testing.assert_allclose(array(step["grad"]), truth[step["tensor"]], rtol=1e-12, atol=1e-14)
        if step["final_grad"] is not None:
            leaf = tensor_of(order, step["tensor"])
            np.testing.assert_allclose(array(step["final_grad"]), leaf.grad.data, rtol=0, atol=0)
    for target in {sent["to"] for step in stepper.steps for sent in step["sent"]}:
        sent = [s for step in stepper.steps for s in step["sent"] if s["to"] == target]
        total = array(sent[-1]["running_sum"]) if len(sent) > 1 else array(sent[0]["grad"])
        np.testing.assert_allclose(total, truth[target], rtol=1e-12, atol=1e-14)  # Σ over consumers
        np.testing.assert_allclose(sum(array(s["grad"]) for s in sent), truth[target], rtol=1e-12, atol=1e-14)
    for leaf, reference in zip(leaves, torch_leaves):  # stepper ran backward: .grad is set as backward sets it
        np.testing.assert_allclose(leaf.grad.data, reference.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_each_contribution_to_a_reused_value_and_its_running_sum():
    """h feeds Mul, Tanh and Add: three gradients, summed in the engine's order (PyTorch: one clone per use)."""
    require_module("torch", "pip install torch==2.13.0 (PyTorch's gradients are the truth for the stepper's numbers)")
    import torch

    a_np, w_np = RNG.standard_normal(3), RNG.standard_normal(3)
    a, w = tg.Tensor(a_np, requires_grad=True), tg.Tensor(w_np, requires_grad=True)
    h = a * w
    stepper = viz.stepper((h * h.tanh() + h).sum(), params={"a": a, "w": w, "h": h})
    ta, tw = torch.tensor(a_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
    th = ta * tw
    th.retain_grad()
    uses = {"Mul": th.clone(), "Tanh": th.clone(), "Add": th.clone()}
    for use in uses.values():
        use.retain_grad()
    (uses["Mul"] * uses["Tanh"].tanh() + uses["Add"]).sum().backward()
    node_h = next(n["id"] for n in json.loads(_data(stepper.html(), "tg-graph"))["nodes"] if n.get("name") == "h")
    sends = [(step["op"], s) for step in stepper.steps for s in step["sent"] if s["to"] == node_h]
    assert sorted(op for op, _ in sends) == ["Add", "Mul", "Tanh"]
    running = np.zeros(3)
    for k, (op, sent) in enumerate(sends, start=1):
        np.testing.assert_allclose(array(sent["grad"]), uses[op].grad.numpy(), rtol=1e-6)
        running = running + array(sent["grad"])
        assert (sent["contribution"], sent["contributions"]) == (k, 3)
        np.testing.assert_allclose(array(sent["running_sum"]), running, rtol=1e-6)
    np.testing.assert_allclose(running, th.grad.numpy(), rtol=1e-6)
    (arrival,) = [step for step in stepper.steps if step["tensor"] == node_h]
    assert arrival["summed"] == 3 and arrival["name"] == "h"


def test_cross_entropy_with_its_index_arrays_steps_to_pytorchs_gradients():
    require_module("torch", "pip install torch==2.13.0 (PyTorch's gradients are the truth for the stepper's numbers)")
    import torch

    logits, labels = RNG.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    z = tg.Tensor(logits, requires_grad=True)
    stepper = viz.stepper(nn.CrossEntropyLoss()(z, tg.Tensor(labels)), params={"logits": z})
    tz = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(tz, torch.tensor(labels)).backward()
    (leaf,) = [step for step in stepper.steps if not step["op"] and step["name"] == "logits"]
    np.testing.assert_allclose(array(leaf["final_grad"]), tz.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_a_value_squared_as_x_times_x_receives_one_gradient_2x():
    x = tg.Tensor([1.5, -2.0], requires_grad=True)
    stepper = viz.stepper((x * x).sum(), params={"x": x})
    (mul,) = [s for s in stepper.steps if s["op"] == "Mul"]
    (sent,) = mul["sent"]
    np.testing.assert_allclose(array(sent["grad"]), [3.0, -4.0])  # d(x²)/dx = 2x, by hand
    assert sent["contributions"] == 1 and sent["running_sum"] is None  # nothing to sum


def test_the_seeds_network_matches_the_hand_derived_gradients():
    """Every ∂C/∂z^l, ∂C/∂a^l, ∂C/∂W^l, ∂C/∂b^l the page shows is the one derived by hand (handwritten.py)."""
    net = hw.Network.init([5, 4, 3, 5], hidden="tanh")
    x = RNG.standard_normal((2, 5))
    expected = hw.gradients(net, x, x)
    z_ref, _ = hw.forward(net, x)
    model = nn.MLP(net.sizes, activation=nn.Tanh)
    for l, linear in enumerate([m for m in model if isinstance(m, nn.Linear)], start=1):
        linear.weight.data, linear.bias.data = net.W[l].copy(), net.b[l].copy()
    cost = nn.MSELoss(reduction="sum")(model(tg.Tensor(x)), tg.Tensor(x)) * (1.0 / len(x))  # the seed's C
    stepper = viz.stepper(cost, params=model)
    shown = {}
    for step in stepper.steps:
        shown[step["name"]] = array(step["grad"])
    L = net.L
    for l in range(1, L + 1):
        s = recording_symbol(l)
        np.testing.assert_allclose(shown[f"W{s}"], expected.W[l], rtol=1e-10)
        np.testing.assert_allclose(shown[f"b{s}"], expected.b[l], rtol=1e-10)
        dC_dz = expected.a[l] * net.g[l].g_prime(z_ref[l]) / len(x)  # autograd's rows carry the 1/|D| of C
        np.testing.assert_allclose(shown[f"z{s}"], dC_dz, rtol=1e-10, atol=1e-14)
        if l < L:
            np.testing.assert_allclose(shown[f"a{s}"], expected.a[l] / len(x), rtol=1e-10, atol=1e-14)


def recording_symbol(l: int) -> str:
    return str(l).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


# ----------------------------------------------------------------------------------------------- the narration
def test_explain_prints_the_notes_recursion_on_the_seeds_autoencoder_with_one_digit():
    from sklearn.datasets import load_digits

    net = hw.Network.init([64, 32, 16, 32, 64], hidden="tanh")
    x = load_digits().data[:1] / 16.0
    expected = hw.gradients(net, x, x)
    model = nn.MLP(net.sizes, activation=nn.Tanh)
    for l, linear in enumerate([m for m in model if isinstance(m, nn.Linear)], start=1):
        linear.weight.data, linear.bias.data = net.W[l].copy(), net.b[l].copy()
    text = viz.explain(nn.MSELoss(reduction="sum")(model(tg.Tensor(x)), tg.Tensor(x)), params=model)
    assert "0 (Linear) → W¹, b¹; 2 (Linear) → W², b²; 4 (Linear) → W³, b³; 6 (Linear) → W⁴, b⁴" in text
    lines = text.splitlines()
    for l in range(1, 5):
        s, before = recording_symbol(l), recording_symbol(l - 1)
        _check_numbers(_line(lines, f"(6) ∂C/∂W{s}ₘₙ = ∂C/∂a{s}ₘ g'{s}(z{s}ₘ) a{before}ₙ"), expected.W[l])
        _check_numbers(_line(lines, f"(7) ∂C/∂b{s}ₘ = ∂C/∂a{s}ₘ g'{s}(z{s}ₘ)"), expected.b[l])
        if l > 1:  # ∂C/∂a⁰ = ∂C/∂x is not needed: x is data
            equation = f"(5) ∂C/∂a{before}ₙ = Σₘ ∂C/∂a{s}ₘ g'{s}(z{s}ₘ) W{s}ₘₙ"
            _check_numbers(_line(lines, equation), expected.a[l - 1])
    assert "z⁴ = a⁴ = x̂" in text and "(4) ∂C/∂x̂ₙ" in text


def _line(lines: list[str], equation: str) -> str:
    (found,) = [line for line in lines if equation in line]
    return found


def _check_numbers(line: str, expected: np.ndarray) -> None:
    """The numbers a narration line shows (whole up to 16 elements, else statistics) against the truth."""
    shown = line.split("⟵")[0].rsplit(" = ", 1)[1]
    number = r"-?\d+\.?\d*(?:e[-+]?\d+)?"
    if not shown.startswith("‹"):
        np.testing.assert_allclose([float(v) for v in re.findall(number, shown)], expected.ravel(), rtol=5e-4,
                                   atol=1e-6, err_msg=line)
        return
    stats = dict(re.findall(rf"(min|max|mean|rms) ({number})", shown))
    truth = {"min": expected.min(), "max": expected.max(), "mean": expected.mean(),
             "rms": np.sqrt(np.mean(expected**2))}
    for key, value in truth.items():
        np.testing.assert_allclose(float(stats[key]), value, rtol=5e-4, atol=1e-6, err_msg=f"{key} in {line}")


def test_explain_of_a_stepper_reads_its_recording_and_a_tensor_runs_backward_once():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    stepper = viz.stepper((x * 3.0).sum(), params={"x": x})
    assert viz.explain(stepper) == viz.explain(stepper)  # reading twice runs nothing twice
    assert "leaf x: ∂C/∂x = [3, 3]" in viz.explain(stepper)
    with pytest.raises(TypeError, match="options apply only"):
        viz.explain(stepper, max_nodes=3)
    y = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (y * y).sum()
    viz.explain(loss)
    np.testing.assert_allclose(y.grad.data, [2.0, 4.0])
    with pytest.raises(RuntimeError, match="second time"):  # its graph was used by that backward
        viz.stepper(loss)
    z = tg.Tensor([3.0], requires_grad=True)
    twice = (z * z).sum()
    viz.stepper(twice, retain_graph=True)
    twice.backward()  # the graph was kept: a second backward accumulates
    np.testing.assert_allclose(z.grad.data, [12.0])


# ----------------------------------------------------------------------------------------------- the page
def _data(page: str, element_id: str) -> str:
    return re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)[1]


def test_the_page_carries_the_steps_as_json_and_needs_nothing_from_outside(tmp_path):
    x = tg.Tensor([1.0, -2.0], requires_grad=True)
    stepper = viz.stepper((x * x.tanh()).sum(), params={"x": x})
    page = stepper.save(tmp_path / "steps.html").read_text(encoding="utf-8")
    assert json.loads(_data(page, "tg-steps")) == stepper.steps
    first = stepper.steps[0]
    assert {"node", "op", "grad", "derivative", "sent"} <= set(first)
    for address in re.findall(r"(?:src|href)=\"([^\"]*)\"", page) + re.findall(r"url\(([^)]*)\)", page):
        assert address.startswith("#"), address  # no file, no network: everything is inline
    assert "http://" not in page.replace('"http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_names_cannot_break_out_of_the_page():
    x = tg.Tensor([1.0], requires_grad=True)
    name = "</script><script>alert(1)</script>"
    page = viz.stepper((x * 2.0).sum(), params={name: x}).html()
    assert "<script>alert" not in page
    assert any(n.get("name") == name for n in json.loads(_data(page, "tg-graph"))["nodes"])


def test_each_op_shows_its_own_local_derivative_and_the_numbers_of_nan_survive_json():
    x = tg.Tensor([0.0, 1.0], requires_grad=True)
    stepper = viz.stepper((x.log() * x).sum())  # log(0) = −inf, and 0·(−inf) = nan in the gradient
    for step in stepper.steps:
        if step["op"]:
            assert step["derivative"] == getattr(tg.ops, step["op"]).local_derivative()
    grads = [v for step in stepper.steps for v in step["grad"]["values"]]
    assert "nan" in grads or "-inf" in grads
    json.loads(json.dumps(stepper.steps, allow_nan=False))  # valid JSON, as a browser parses it


def test_bad_input_is_named_and_leaves_no_gradient_and_no_file(tmp_path):
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="needs a Tensor"):
        viz.stepper(np.ones(2))
    with pytest.raises(RuntimeError, match="pass gradient="):
        viz.stepper(x * 2.0)
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\)"):
        viz.stepper(x * 2.0, gradient=np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        viz.stepper(tg.Tensor([1.0]))
    with pytest.raises(ValueError, match="max_nodes"):
        viz.stepper((x * 2.0).sum(), max_nodes=0)
    assert x.grad is None
    stepper = viz.stepper(x * 2.0, gradient=np.array([1.0, -1.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, -2.0])
    with pytest.raises(ValueError, match=r"ending in \.html"):
        stepper.save(tmp_path / "page.svg")
    assert list(tmp_path.iterdir()) == []


def test_in_jupyter_the_page_sits_in_an_iframe_of_its_own():
    x = tg.Tensor([1.0], requires_grad=True)
    stepper = viz.stepper((x * 2.0).sum())
    frame = stepper._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and 'id="tg-steps"' not in frame  # escaped inside the attribute
    assert html.unescape(re.search(r'srcdoc="([^"]*)"', frame)[1]) == stepper.html()


def test_recording_happens_only_when_asked(monkeypatch):
    """The stepper's observer is the only caller of the recorder: a plain backward never reaches it."""
    def fail(*args):
        raise AssertionError("recorded during a plain backward")

    monkeypatch.setattr(recording.Values, "of", classmethod(fail))
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])


def test_a_20000_op_chain_steps_through_a_collapsed_middle():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.001
    stepper = viz.stepper(y.sum(), max_nodes=40)
    graph = json.loads(_data(stepper.html(), "tg-graph"))
    assert len(graph["nodes"]) <= 40
    collapsed = [step for step in stepper.steps if step["collapsed"]]
    shown_ops = [step for step in stepper.steps if step["op"]]
    assert sum(n for step in collapsed for n in step["collapsed"].values()) + len(shown_ops) == 20_001  # and the Sum
    np.testing.assert_allclose(x.grad.data, 1.0001**10_000, rtol=1e-3)  # float32 product of 10,000 factors


# ----------------------------------------------------------------------------------------------- the layout
@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))))
def test_layers_put_every_edge_forward_and_route_skipping_edges_through_each_layer(case):
    n, pairs = case
    items = [f"n{i}" for i in range(n)]
    edges = list(dict.fromkeys((f"n{a}", f"n{b}") for a, b in pairs if a < b))  # a DAG: edges go up in index
    rows, via = layout.layers(items, edges, prefix="b0")
    where = {item: k for k, row in enumerate(rows) for item in row}
    assert sorted(i for i in where if not i.startswith("b0~")) == sorted(items)  # every item once
    for u, v in edges:
        assert where[u] < where[v]
        route = [u, *via.get((u, v), []), v]
        assert [where[p] for p in route] == list(range(where[u], where[v] + 1))  # one point per layer crossed


def test_cycles_between_boxes_do_not_stop_the_layout():
    rows, _ = layout.layers(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
    assert sorted(item for row in rows for item in row) == ["a", "b", "c"]


def test_module_boxes_hold_their_ops_and_parameters_in_the_page():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    loss = nn.MSELoss()(model(tg.randn(4, 2)), tg.randn(4, 1))
    graph = json.loads(_data(viz.stepper(loss, params=model).html(), "tg-graph"))
    boxes = {box["label"]: box for box in graph["boxes"]}
    assert set(boxes) == {"", "Sequential", "0 (Linear)", "1 (Tanh)", "2 (Linear)", "MSELoss"}
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    inside = [labels.get(item, ["box"])[0] for row in boxes["0 (Linear)"]["layers"] for item in row]
    assert "W¹" in inside and "b¹" in inside and "z¹" in inside  # 0.weight, 0.bias, and z¹ = x·W¹ᵀ + b¹


# ----------------------------------------------------------------------------------------------- the example
def test_step_through_example_runs_in_fast_mode(tmp_path):
    out = run_example("step_through.py", "--out", str(tmp_path))
    for page in ("seed_network.html", "reused_value.html"):
        assert 'id="tg-steps"' in (tmp_path / page).read_text(encoding="utf-8")
    assert "(6) ∂C/∂W¹ₘₙ" in out and "(5) ∂C/∂a¹ₙ" in out and "(7) ∂C/∂b²ₘ" in out
