"""Graph drawing: the DOT structure matches the recorded graph, rendering through the real ``dot``, collapsing."""

from __future__ import annotations

import ast
import inspect
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from examples_runner import run_example
from hypothesis import given, settings
from hypothesis import strategies as st
from optional_tools import require_executable

import tinygrad_edu as tg
from tinygrad_edu import engine, nn, ops, viz
from tinygrad_edu.viz import labels

ROOT = Path(__file__).resolve().parents[1]
DOT = "apt-get install graphviz (dot renders the DOT text to SVG, PNG and PDF)"
_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ \]]+)')


# ----------------------------------------------------------------------------------------------- DOT parsing
def _attrs(text: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTR.findall(text or "")}


def parse(graph) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]], dict[str, tuple[str, ...]]]:
    """Nodes (id → attributes), edges (tail, head) and each node's chain of cluster labels, from ``.source``."""
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str]] = []
    clusters: dict[str, tuple[str, ...]] = {}
    stack: list[str] = []
    for line in graph.source.splitlines():
        stripped = line.strip()
        if stripped.startswith("subgraph cluster_"):
            stack.append("?")
        elif stripped == "}" and stack:
            stack.pop()
        elif stripped.startswith("graph [") and stack:
            stack[-1] = _attrs(stripped[len("graph [") : -1])["label"]
        elif stripped.startswith(("graph [", "node [", "digraph", "fontsize=", "label=")):
            continue
        elif match := _EDGE.match(line):
            edges.append((match[1], match[2]))
        elif match := _NODE.match(line):
            nodes[match[1]] = _attrs(match[2])
            clusters[match[1]] = tuple(stack)
    return nodes, edges, clusters


def op_names(nodes: dict[str, dict[str, str]]) -> Counter:
    return Counter(a["label"].split("\\n")[0] for n, a in nodes.items() if n.startswith("o"))


def node_with(nodes: dict[str, dict[str, str]], text: str) -> str:
    found = [n for n, a in nodes.items() if text in a.get("label", "")]
    assert len(found) == 1, (text, found)
    return found[0]


# ----------------------------------------------------------------------------------------------- models
class AutoEncoder(nn.Module):
    """Nested modules: clusters ``encoder (Sequential)`` > ``encoder.0 (Linear)``, ``encoder.1 (Tanh)``, ``decoder``."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
        self.decoder = nn.Linear(3, 4)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def autoencoder():
    tg.manual_seed(0)
    model = AutoEncoder()
    x = tg.randn(5, 4)
    return model, x, ((model(x) - x) ** 2).mean()


def node_named(nodes: dict[str, dict[str, str]], name: str) -> str:
    """The one node whose label's first line is exactly ``name``."""
    found = [n for n, a in nodes.items() if a.get("label", "").split("\\n")[0] == name]
    assert len(found) == 1, (name, found)
    return found[0]


def cluster_label(module, names: dict[int, str]) -> str:
    """The label the drawing should give a module's box: ``qualified.name (Class)``, the class alone at the root."""
    name = names.get(id(module), "")
    return f"{name} ({type(module).__name__})" if name else type(module).__name__


def drawn_ops(root, nodes) -> dict[str, tg.Function]:
    """Op node id → the op (op nodes are ``o<i>`` for the i-th node of the graph walk)."""
    order = engine.topological_order(root)
    return {n: order[int(n[1:])] for n in nodes if n.startswith("o")}


# ----------------------------------------------------------------------------------------------- structure
def test_known_expression_has_a_node_per_tensor_and_op_and_edges_in_data_flow():
    a, b = tg.randn(2, 3, requires_grad=True), tg.randn(3, requires_grad=True)
    c = tg.randn(2, 3)
    z = a * b + c
    nodes, edges, _ = parse(viz.draw(z, params={"a": a, "b": b, "c": c}))
    # tensors a, b, c, a*b, z and ops Mul, Add
    assert len(nodes) == 7
    assert op_names(nodes) == Counter({"Mul": 1, "Add": 1})
    na, nb, nc = (node_with(nodes, name + "\\n") for name in ("a", "b", "c"))
    mul, add = node_with(nodes, "Mul"), node_with(nodes, "Add")
    product = next(h for t, h in edges if t == mul)
    out = next(h for t, h in edges if t == add)
    assert sorted(edges) == sorted([(na, mul), (nb, mul), (mul, product), (product, add), (nc, add), (add, out)])
    assert nodes[out]["tooltip"] == "root"


def test_a_reused_value_draws_one_edge_per_use():
    x = tg.randn(3, requires_grad=True)
    nodes, edges, _ = parse(viz.draw(x * x, params={"x": x}))
    assert len(nodes) == 3
    assert Counter(edges)[(node_with(nodes, "x\\n"), node_with(nodes, "Mul"))] == 2


_OPS = {
    "tanh": lambda a, b: a.tanh(), "sigmoid": lambda a, b: a.sigmoid(), "relu": lambda a, b: a.relu(),
    "exp": lambda a, b: (a * 0.1).exp(), "neg": lambda a, b: -a, "sum": lambda a, b: a.sum(axis=0, keepdims=True) + b,
    "square": lambda a, b: a**2, "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "matmul": lambda a, b: a @ b,
}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(_OPS)), st.integers(0, 10**6)), min_size=1, max_size=12))
def test_drawn_ops_and_edges_match_the_recorded_graph(program):
    tg.manual_seed(1)
    pool = [tg.randn(3, 3, requires_grad=True), tg.randn(3, 3, requires_grad=True), tg.randn(3, 3)]
    for name, pick in program:
        a, b = pool[pick % len(pool)], pool[(pick // 7) % len(pool)]
        pool.append(_OPS[name](a if a.requires_grad else pool[0], b))
    root = pool[-1]
    nodes, edges, _ = parse(viz.draw(root, max_nodes=10**6))
    # the truth: the graph as autograd recorded it, read straight from the ctx objects
    recorded = [node for node in engine.topological_order(root) if isinstance(node, tg.Function)]
    assert op_names(nodes) == Counter(type(fn).__name__ for fn in recorded)
    drawn = [e for fn in recorded for e in fn.edges if isinstance(e, (tg.Tensor, tg.Function))]
    uses = [e for e in drawn if isinstance(e, tg.Function) or e.requires_grad or e.size > 1]  # scalars: in the label
    assert len(edges) == len(recorded) + len(uses)
    assert len(nodes) == 2 * len(recorded) + len({id(e) for e in uses if isinstance(e, tg.Tensor)})


def test_tensor_nodes_show_shape_and_dtype():
    x = tg.randn(2, 3, requires_grad=True, dtype=tg.float64)
    nodes, _, _ = parse(viz.draw(x.sum()))
    labels = [a["label"] for n, a in nodes.items() if n.startswith("t")]
    assert "(2, 3) float64" in labels
    assert "scalar float64" in labels
    assert "(4) float32" in parse(viz.draw(tg.ones(4, requires_grad=True) * 2))[0]["t1"]["label"]


def test_names_come_from_a_dict_or_named_parameters():
    model, x, loss = autoencoder()
    nodes, _, _ = parse(viz.draw(loss, params=model))
    for name, _ in model.named_parameters():
        assert node_with(nodes, name + "\\n")
    nodes, _, _ = parse(viz.draw(loss, params={"inputs": x}))
    assert nodes[node_with(nodes, "inputs")]["tooltip"] == "constant"


def test_bad_params_are_named_in_the_error():
    x = tg.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match="named_parameters"):
        viz.draw(x * 2, params=[x])
    with pytest.raises(TypeError, match=r"params\['w'\] is a list"):
        viz.draw(x * 2, params={"w": [1.0]})
    with pytest.raises(TypeError, match="needs a Tensor"):
        viz.draw(np.ones(3))
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(x * 2, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw(x * 2, max_nodes=0)


def test_leaves_parameters_constants_and_intermediates_are_styled_apart():
    w, x = tg.randn(3, requires_grad=True), tg.randn(3, requires_grad=True)
    y = tg.randn(3)
    nodes, _, _ = parse(viz.draw((w * x - y).sum(), params={"w": w}))
    kinds = {a["tooltip"]: (a.get("shape"), a.get("style"), a.get("fillcolor")) for n, a in nodes.items()
             if n.startswith(("t", "c"))}
    assert set(kinds) == {"parameter", "leaf", "constant", "intermediate", "root"}
    assert len(set(kinds.values())) == 5


def test_a_tensor_without_graph_is_one_node():
    nodes, edges, _ = parse(viz.draw(tg.ones(2)))
    assert len(nodes) == 1 and edges == []


def test_rankdir_reaches_the_graph():
    assert "rankdir=TB" in viz.draw(tg.ones(2, requires_grad=True) * 2, rankdir="TB").source


# ----------------------------------------------------------------------------------------------- values
def test_show_data_gives_values_for_small_and_a_summary_for_large():
    small = tg.Tensor([1.5, -2.0], requires_grad=True)
    large = tg.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    nodes, _, _ = parse(viz.draw(small.sum() + large.sum(), show_data=True, params={"s": small, "L": large}))
    assert "data: [ 1.5, -2. ]" in nodes[node_with(nodes, "s\\n")]["label"]
    values = np.arange(12.0)
    big = nodes[node_with(nodes, "L\\n")]["label"]
    assert f"mean {values.mean():.3g}" in big and f"std {values.std():.3g}" in big
    assert "min 0" in big and "max 11" in big


def test_show_grad_colours_by_gradient_size_on_the_graphs_own_range_and_by_sign():
    a, b, c = (tg.randn(4, requires_grad=True) for _ in range(3))
    loss = (a * 1000.0).sum() + (b * 0.001).sum() - (c * 1.0).sum()
    loss.backward()  # the graph's saved values are freed: drawing needs only inputs and grads
    graph = viz.draw(loss, show_grad=True, params={"a": a, "b": b, "c": c})
    nodes, _, _ = parse(graph)
    fill = {name: nodes[node_with(nodes, name + "\\n")]["fillcolor"] for name in "abc"}
    reds, blues = labels.PALETTES["+"], labels.PALETTES["−"]
    # the truth: ∂C/∂a = 1000, ∂C/∂b = 0.001, ∂C/∂c = −1 everywhere; the scale spans exactly 1e-3 … 1e3 here
    assert fill["a"] == reds[-1] and fill["b"] == reds[0]  # largest and smallest in this graph
    assert fill["c"] == blues[3]  # 1 is halfway on the log scale; negative: blue
    assert "grad: [1000, 1000, 1000, 1000]" in nodes[node_with(nodes, "a\\n")]["label"].replace(".", "")
    assert "palest = 0.001 (smallest here), darkest = 1e+03 (largest here)" in graph.source
    assert "retain_grads" in graph.source  # intermediates kept no grad: the legend says how to get them


def test_a_narrow_range_of_gradients_still_spans_the_palette():
    """Real gradients often fill one decade: the scale fits them, so they do not all get one colour."""
    w = tg.Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    with viz.keep_intermediates():
        parts = [w[i] * float(i + 1) for i in range(4)]  # ∂C/∂w[i] = 1, 2, 3, 4: less than one decade
        loss = parts[0] + parts[1] + parts[2] + parts[3]
    viz.retain_grads(loss)
    loss.backward()
    nodes, _, _ = parse(viz.draw(loss, show_grad=True, max_nodes=10**4))
    fills = {a["fillcolor"] for n, a in nodes.items() if a.get("tooltip") == "intermediate"}
    assert len(fills) == 4 and fills <= set(labels.PALETTES["+"])  # w[0] … w[3]'s; the rest get 1, as w[0]


def test_retain_grads_colours_intermediates_too():
    x = tg.randn(3, requires_grad=True)
    with viz.keep_intermediates():  # keeps h * 3.0 too, which nobody holds
        h = x.tanh()
        loss = (h * 3.0).sum()
    viz.retain_grads(loss)
    loss.backward()
    nodes, edges, _ = parse(viz.draw(loss, show_grad=True, show_data=True))
    tanh = node_with(nodes, "Tanh")
    (out,) = [head for tail, head in edges if tail == tanh]
    assert nodes[out]["fillcolor"] in labels.PALETTES["+"]  # ∂C/∂(h·3) = 1 everywhere
    np.testing.assert_allclose(h.grad.data, 3.0)
    assert "retain_grads" not in viz.draw(loss, show_grad=True).source
    assert "freed" not in viz.draw(loss, show_data=True).source


def test_intermediates_nobody_holds_are_freed_and_drawn_by_shape():
    """The graph keeps only what backward needs: h * 3.0 is freed, drawn with shape and dtype, and uncoloured."""
    x = tg.randn(3, requires_grad=True)
    h = x.tanh()
    loss = (h * 3.0).sum()
    assert loss.grad_fn.edges[0]._output() is None  # nobody held h * 3.0 and Sum saved nothing: it is gone
    viz.retain_grads(loss)
    loss.backward()
    nodes, edges, _ = parse(viz.draw(loss, show_grad=True, show_data=True))
    mul = node_with(nodes, "Mul")
    (out,) = [head for tail, head in edges if tail == mul]
    assert "(3) float32\\ndata: freed after use" in nodes[out]["label"]
    assert nodes[out]["fillcolor"] == "#ffffff"  # uncoloured: no gradient was kept
    assert "viz.keep_intermediates()" in viz.draw(loss, show_grad=True).source


def test_gradient_levels_follow_a_log_scale_between_the_graphs_smallest_and_largest():
    scale = labels.GradientScale([1e-4, 3e-3, 1.0, 0.0])  # zero is not part of the range
    assert (scale.low, scale.high) == (1e-4, 1.0)
    assert scale.level(1.0) == labels.LEVELS and scale.level(1e-4) == 1
    assert scale.level(1e-2) == 1 + round((labels.LEVELS - 1) / 2)  # halfway in log10: 1e-4 … 1e-2 … 1
    assert scale.level(0.0) == 0 and scale.colour(np.zeros(3))[0] == labels.ZERO_COLOUR
    assert scale.colour(np.array([1.0, -1.0]))[0] == labels.PALETTES["±"][-1]
    assert scale.colour(np.array([np.nan]))[0] == labels.NONFINITE_COLOUR
    assert labels.GradientScale([2.0, 2.0]).level(2.0) == labels.LEVELS  # one size: darkest


# ----------------------------------------------------------------------------------------------- explain
def test_explain_labels_every_op_with_its_own_local_derivative():
    """One source for the calculus: the label is the op's ``local_derivative()``, read from the op itself."""
    model, x, _ = autoencoder()
    loss = nn.MSELoss()(model(x), x)
    nodes, _, _ = parse(viz.draw(loss, explain=True))
    ops = drawn_ops(loss, nodes)
    assert len(ops) == len([n for n in engine.topological_order(loss) if isinstance(n, tg.Function)])
    for node, fn in ops.items():
        text = type(fn).local_derivative()
        assert text and nodes[node]["label"].endswith(text.replace("\\", "\\\\")), (node, text)


def test_every_primitives_local_derivative_is_a_whole_line_of_its_docstring():
    """The viewer and the op reference quote a docstring's first line: it must be the whole first paragraph, or the
    quoted formula stops mid-sentence."""
    for name, cls in inspect.getmembers(ops, inspect.isclass):
        if issubclass(cls, ops.Primitive) and "backward" in vars(cls):
            lines = cls.__doc__.strip().splitlines()
            assert len(lines) == 1 or not lines[1].strip(), (name, lines[0])


def test_the_viewer_has_no_special_case_for_any_op():
    """No op name in viz's code, no op attribute read: mean, Linear and the rest are shown as the ops they are."""
    op_names = {name for name, cls in inspect.getmembers(ops, inspect.isclass) if issubclass(cls, tg.Function)}
    package = Path(viz.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not strings & op_names, (path.name, strings & op_names)
        assert not attributes & {"transpose_b", "scale", "LOCAL_DERIVATIVES"}, path.name
    script = (package / "stepper.js").read_text(encoding="utf-8")
    assert not [name for name in op_names if f'"{name}"' in script]


def test_user_ops_are_labelled_with_their_docstring_or_say_where_the_derivative_is():
    class Cube(tg.Function):
        """z = a³;  ∂z/∂a = 3a²."""

        @staticmethod
        def forward(ctx, a):
            return a.data**3

        @staticmethod
        def backward(ctx, grad):
            return grad

    class Bare(Cube):
        pass

    nodes, _, _ = parse(viz.draw(Cube.apply(tg.ones(2, requires_grad=True)), explain=True))
    assert Cube.local_derivative() == "z = a³; ∂z/∂a = 3a²."
    assert Cube.local_derivative() in nodes[node_with(nodes, "Cube")]["label"]
    nodes, _, _ = parse(viz.draw(Bare.apply(tg.ones(2, requires_grad=True)), explain=True))
    assert "no docstring; its local derivative is in its backward()" in nodes[node_with(nodes, "Bare")]["label"]


def test_scalar_constants_are_written_into_their_op_and_operands_are_lettered():
    x = tg.randn(3, requires_grad=True)
    graph = viz.draw(2.0 - x**2, explain=True, params={"x": x})
    nodes, edges, _ = parse(graph)
    assert len(nodes) == 5  # x, Pow, x², Sub, root: the constants 2 and 2.0 have no nodes
    assert "b = 2" in nodes[node_with(nodes, "Pow")]["label"]
    assert "a = 2" in nodes[node_with(nodes, "Sub")]["label"]
    (square,) = [head for tail, head in edges if tail == node_with(nodes, "Pow")]
    assert f"{square} -> {node_with(nodes, 'Sub')} [label=b]" in graph.source  # x² is the Sub's second operand
    assert "call backward() first" in viz.draw(x * 3.0, show_grad=True).source


# ----------------------------------------------------------------------------------------------- clusters
def test_modules_become_nested_labelled_clusters():
    model, _, loss = autoencoder()
    nodes, _, clusters = parse(viz.draw(loss, params=model))
    matmuls = sorted(clusters[n] for n, a in nodes.items() if a.get("label") == "MatMulT")
    assert matmuls == [
        ("AutoEncoder", "decoder (Linear)"),
        ("AutoEncoder", "encoder (Sequential)", "encoder.0 (Linear)"),
    ]
    assert clusters[node_with(nodes, "Tanh")] == ("AutoEncoder", "encoder (Sequential)", "encoder.1 (Tanh)")
    assert clusters[node_with(nodes, "encoder.0.weight")][-1] == "encoder.0 (Linear)"  # a parameter sits in its box
    assert clusters[node_with(nodes, "Pow")] == ()  # the loss is computed outside the model
    assert viz.draw(loss, params=model).source.count("subgraph cluster_") == 5


def test_every_op_sits_in_the_boxes_of_the_modules_that_recorded_it():
    model, x, _ = autoencoder()
    loss = nn.MSELoss()(model(x), x)  # the loss module gets a box of its own
    nodes, _, clusters = parse(viz.draw(loss, params=model))
    names = {id(m): name for name, m in model.named_modules()}
    ops = drawn_ops(loss, nodes)
    recorded = [node for node in engine.topological_order(loss) if isinstance(node, tg.Function)]
    assert len(ops) == len(recorded)
    for node, fn in ops.items():  # the truth: ctx.module_path, the modules running when the op was recorded
        assert clusters[node] == tuple(cluster_label(m, names) for m in fn.module_path)
    assert {label for labels in clusters.values() for label in labels} == {
        "AutoEncoder", "encoder (Sequential)", "encoder.0 (Linear)", "encoder.1 (Tanh)", "decoder (Linear)", "MSELoss",
    }


def test_parameters_are_named_from_named_parameters_and_sit_in_their_module():
    model, _, loss = autoencoder()
    nodes, _, clusters = parse(viz.draw(loss, params=model))
    names = {id(m): name for name, m in model.named_modules()}
    parameters = [n for n, a in nodes.items() if a.get("tooltip") == "parameter"]
    assert len(parameters) == len(list(model.parameters())) == 4
    for name, tensor in model.named_parameters():
        node = node_named(nodes, name)
        assert node in parameters
        assert f"{tensor.shape}".replace(",)", ")") in nodes[node]["label"]
        owner = dict(model.named_modules())[name.rpartition(".")[0]]
        assert clusters[node][-1] == cluster_label(owner, names)


def test_clusters_without_named_modules_use_class_names():
    _, _, loss = autoencoder()
    _, _, clusters = parse(viz.draw(loss))
    assert ("AutoEncoder", "Sequential", "Linear") in set(clusters.values())


def test_any_object_with_named_modules_works_viz_does_not_need_nn():
    class Scale:
        """A module by duck typing: ``named_modules``/``named_parameters`` and a call inside ``module_scope``."""

        def __init__(self) -> None:
            self.w = tg.ones(3, requires_grad=True)

        def named_modules(self):
            yield "scale", self

        def named_parameters(self):
            yield "scale.w", self.w

        def __call__(self, a):
            with tg.grad_mode.module_scope(self):
                return a * self.w

    duck = Scale()
    nodes, _, clusters = parse(viz.draw(duck(tg.randn(3)).sum(), params=duck))
    assert clusters[node_with(nodes, "Mul")] == ("scale (Scale)",)
    assert clusters[node_with(nodes, "scale.w")] == ("scale (Scale)",)
    imports = [n for n in ast.walk(ast.parse(inspect.getsource(viz))) if isinstance(n, ast.ImportFrom)]
    assert not any("nn" in (n.module or "").split(".") or any(a.name == "nn" for a in n.names) for n in imports)


# ----------------------------------------------------------------------------------------------- rendering
def _svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [el.text for el in root.iter("{http://www.w3.org/2000/svg}text") if el.text]


def test_svg_rendered_by_dot_contains_the_op_names(tmp_path):
    require_executable("dot", DOT)
    model, _, loss = autoencoder()
    graph = viz.draw(loss, params=model, explain=True)
    texts = _svg_texts(viz.render(graph, "svg"))
    for op in ("MatMulT", "Add", "Tanh", "Sub", "Pow", "Mean", "encoder.0 (Linear)"):
        assert op in texts
    path = viz.save(graph, tmp_path / "g.svg")
    assert "MatMulT" in _svg_texts(path.read_bytes())
    assert viz.save(loss, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert viz.save(loss, tmp_path / "g.pdf", params=model).read_bytes()[:4] == b"%PDF"


def test_missing_dot_says_how_to_install_it_and_dot_source_still_works(tmp_path, monkeypatch):
    graph = viz.draw(tg.ones(2, requires_grad=True) * 2)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(viz.GraphvizNotFoundError) as error:
        viz.save(graph, tmp_path / "g.svg")
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert hint in str(error.value)
    assert not (tmp_path / "g.svg").exists()
    for suffix in (".dot", ".gv"):
        assert viz.save(graph, tmp_path / f"g{suffix}").read_text(encoding="utf-8") == graph.source


def test_save_rejects_unknown_suffixes_and_types(tmp_path):
    graph = viz.draw(tg.ones(2, requires_grad=True) * 2)
    with pytest.raises(ValueError, match=r"'\.jpeg'"):
        viz.save(graph, tmp_path / "g.jpeg")
    with pytest.raises(TypeError, match="Digraph or a Tensor"):
        viz.save("graph", tmp_path / "g.dot")
    with pytest.raises(ValueError, match="format must be one of"):
        viz.render(graph, "jpeg")
    with pytest.raises(TypeError, match="only when saving a Tensor"):
        viz.save(graph, tmp_path / "g.dot", show_data=True)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------------------------- collapsing
def test_a_100000_op_chain_collapses_into_a_small_picture():
    x = tg.randn(3, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0001 + 0.001
    graph = viz.draw(y, max_nodes=40)
    nodes, edges, _ = parse(graph)
    assert len(nodes) <= 40
    (summary,) = [n for n in nodes if n.startswith("s")]
    label = nodes[summary]["label"]
    hidden = int(re.search(r"… ([\d,]+) more ops", label)[1].replace(",", ""))
    assert hidden + sum(op_names(nodes).values()) == 100_000
    counts = dict(re.findall(r"(Mul|Add) ×([\d,]+)", label))
    assert sum(int(n.replace(",", "")) for n in counts.values()) == hidden
    assert sum(1 for t, h in edges if summary in (t, h)) == 2  # the chain passes through the note


def test_small_graphs_are_not_collapsed_and_collapsed_ones_keep_module_boxes():
    tg.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(3, 3) for _ in range(30)])
    loss = model(tg.randn(2, 3)).sum()
    nodes, _, _ = parse(viz.draw(loss, params=model, max_nodes=10**4))
    assert not any(n.startswith("s") for n in nodes)
    nodes, _, clusters = parse(viz.draw(loss, params=model, max_nodes=30))
    assert len(nodes) <= 30
    (summary,) = [n for n in nodes if n.startswith("s")]
    assert clusters[summary] == ("Sequential",)  # the note sits in the box all hidden ops share
    drawn = {id(fn) for fn in drawn_ops(loss, nodes).values()}
    hidden = [n for n in engine.topological_order(loss) if isinstance(n, tg.Function) and id(n) not in drawn]
    hidden_layers = {id(fn.module_path[1]) for fn in hidden}
    assert f"… {len(hidden)} more ops" in nodes[summary]["label"]
    assert f"in modules Linear ×{len(hidden_layers)}" in nodes[summary]["label"]


def test_collapsing_keeps_the_first_and_last_layers_of_a_deep_mlp():
    tg.manual_seed(0)
    model = nn.MLP([2] + [4] * 20 + [1])
    loss = nn.MSELoss()(model(tg.randn(3, 2)), tg.zeros(3, 1))
    nodes, _, clusters = parse(viz.draw(loss, params=model, max_nodes=40))
    assert len(nodes) <= 40
    last = len(model) - 2  # the output Identity records no op
    boxes = {labels[-1] for node, labels in clusters.items() if node.startswith("o") and labels}
    assert {"0 (Linear)", "1 (Tanh)", f"{last} (Linear)", f"{last - 1} (Tanh)", "MSELoss"} <= boxes
    for name in ("0.weight", "0.bias", f"{last}.weight"):  # the input end is the first layer, weights and all
        assert nodes[node_named(nodes, name)]["tooltip"] == "parameter"


# ----------------------------------------------------------------------------------------------- the example
def test_example_renders_the_pictures_with_dot(tmp_path):
    require_executable("dot", DOT)
    out = run_example("draw_graph.py", "--out", str(tmp_path))
    assert "0.weight" in out
    for name in ("forward", "backward", "collapsed"):
        assert (tmp_path / f"{name}.svg").stat().st_size > 0 and (tmp_path / f"{name}.dot").stat().st_size > 0
    forward = _svg_texts((tmp_path / "forward.svg").read_bytes())
    for text in ("MatMulT", "0 (Linear)", "1 (Tanh)", "2 (Linear)", "MSELoss", "0.weight", "2.bias"):
        assert text in forward
    backward = " ".join(_svg_texts((tmp_path / "backward.svg").read_bytes()))
    for op in (ops.Tanh, ops.Mul, ops.Add):  # explain=True: each op's own local derivative
        assert op.local_derivative() in backward
    assert "more ops" in " ".join(_svg_texts((tmp_path / "collapsed.svg").read_bytes()))


def test_example_without_dot_writes_dot_text_and_the_stepper_page(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))  # the example runs with no Graphviz at all
    out = run_example("draw_graph.py", "--out", str(tmp_path))
    assert "Graphviz's dot is not installed: open backward.html" in out
    assert not list(tmp_path.glob("*.svg"))
    assert 'label="0 (Linear)"' in (tmp_path / "forward.dot").read_text(encoding="utf-8")
    assert 'id="tg-steps"' in (tmp_path / "backward.html").read_text(encoding="utf-8")
