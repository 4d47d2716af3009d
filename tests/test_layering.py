"""The package's layering, checked from its source: imports flow one way, and no private name crosses a module.

grad_mode ← engine ← ops ← _tensor ← serialization ← (nn, optim), and transforms ← gradcheck, viz, data beside them:
each room may import the rooms below it (docs/architecture.md), and a module uses another module's public names
only.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_edu"
CORE = {"grad_mode", "engine", "ops", "_tensor"}
ALLOWED = {  # room → the rooms it may import (a room is a top-level module or subpackage)
    "grad_mode": set(),
    "engine": {"grad_mode"},
    "ops": {"engine"},
    "_tensor": {"grad_mode", "engine", "ops"},
    "serialization": CORE,
    "nn": CORE | {"serialization", "linalg"},  # load_state_dict converts values as checkpoints do; orthogonal()
    "optim": CORE | {"serialization", "nn"},  # optim.swa_utils averages Modules and recomputes batch norms
    "data": CORE,
    "dtypes": set(),
    "devices": set(),
    "logic": CORE,
    "transforms": CORE,
    "functions": CORE,  # the ops as functions (tg.sin, tg.einsum, …)
    "linalg": CORE,
    "special": CORE | {"functions", "nn"},  # torch.special's names: aliases of functions, softmax from nn
    "gradcheck": CORE | {"transforms"},
    "autograd": CORE | {"transforms", "gradcheck"},  # torch.autograd's names over the engine and the transforms
    "viz": CORE,
    "onnx": CORE | {"serialization", "nn"},  # walks a model's graph; writes the file as checkpoints are written
    "tape": CORE | {"nn", "optim"},  # tg.compile: after the layers and optimizers whose steps it captures
    "handwritten": set(),
}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield parts, parts[:-1], ast.parse(path.read_text())


def imports(package: tuple[str, ...], tree: ast.Module):
    """(imported module as a tuple of parts, the names imported from it) for every import inside the package."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            module = base + tuple(node.module.split(".")) if node.module else base
            yield module, [alias.name for alias in node.names]


def room(parts: tuple[str, ...]) -> str:
    return parts[0] if parts else "__init__"


def test_imports_flow_one_way():
    wrong = []
    for parts, package, tree in modules():
        if parts == ("__init__",):
            continue  # the package's front door may gather everything
        for module, names in imports(package, tree):
            targets = [(*module, name) for name in names] if not module else [module]
            for target in targets:
                source, destination = room(parts), room(target)
                if destination != source and destination not in ALLOWED[source]:
                    wrong.append(f"{'.'.join(parts)} imports {'.'.join(target)}")
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_no_private_name_crosses_a_module():
    modules_by_alias = {"F", "ops", "engine", "grad_mode", "init", "functional"}
    wrong = []
    for parts, package, tree in modules():
        for module, names in imports(package, tree):
            wrong += [f"{'.'.join(parts)} imports {name} from {'.'.join(module)}" for name in names
                      if name.startswith("_") and name != "_tensor"]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules_by_alias and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                wrong.append(f"{'.'.join(parts)} uses {node.value.id}.{node.attr}")
    assert not wrong, "private names used across modules:\n" + "\n".join(wrong)


def test_a_user_subclass_of_tensor_is_a_tensor_everywhere():
    """isinstance, not exact type checks: a subclass instance records ops and receives its gradient."""
    import numpy as np

    import tinygrad_edu as tg

    class Named(tg.Tensor):
        __slots__ = ("name",)

    x = Named(np.array([1.0, 2.0]), requires_grad=True)
    x.name = "x"
    product = x * x
    assert product.grad_fn.edges == (x, x) and product.grad_fn.needs_input_grad == (True, True)
    y = (product + x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data + 1)
    assert isinstance(tg.nn.Parameter(x), tg.Tensor)
