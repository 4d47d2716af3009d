"""The losses with PyTorch's options — class weights, ignore_index, label smoothing, probability targets, pos_weight,
Huber, smooth L1, KL, cosine embedding, margin ranking — against PyTorch (values and gradients) and finite
differences."""

import numpy as np
import pytest
from gradients import check_gradients
from optional_tools import require_module
from torch_compare import compare_with_torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2, 3])
SPATIAL_LOGITS = rng.standard_normal((2, 4, 3, 2))
SPATIAL_LABELS = rng.integers(0, 4, (2, 3, 2))
CLASS_WEIGHTS = np.array([0.5, 2.0, 1.0, 3.0])


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def compare_loss(torch, name, inputs, constants=(), **options):
    """F.<name>(*inputs, *constants, **options) here and in PyTorch: the value and the inputs' gradients.

    Array options (weights) and integer inputs become each library's tensors."""
    def call(_, *values):
        in_torch = isinstance(values[0], torch.Tensor)
        library = torch.nn.functional if in_torch else F
        def convert(v):
            return torch.from_numpy(v) if in_torch and isinstance(v, np.ndarray) else v
        kwargs = {key: convert(value) for key, value in options.items()}
        return getattr(library, name)(*values, *(convert(c) for c in constants), **kwargs)

    return compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), list(inputs), call=call)


@pytest.mark.parametrize("options", [
    {}, {"reduction": "sum"}, {"reduction": "none"}, {"weight": CLASS_WEIGHTS}, {"ignore_index": 1},
    {"weight": CLASS_WEIGHTS, "ignore_index": 3}, {"label_smoothing": 0.2},
    {"label_smoothing": 0.1, "weight": CLASS_WEIGHTS, "ignore_index": 1},
    {"label_smoothing": 0.3, "reduction": "none", "ignore_index": 0},
    {"label_smoothing": 0.3, "reduction": "sum", "weight": CLASS_WEIGHTS}], ids=str)
def test_cross_entropy_and_nll_match_pytorch(torch, options):
    compare_loss(torch, "cross_entropy", [LOGITS, LABELS], **options)
    compare_loss(torch, "cross_entropy", [SPATIAL_LOGITS, SPATIAL_LABELS], **options)
    nll_options = {k: v for k, v in options.items() if k != "label_smoothing"}
    log_p = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    compare_loss(torch, "nll_loss", [log_p, LABELS], **nll_options)


@pytest.mark.parametrize("options", [{}, {"weight": CLASS_WEIGHTS}, {"label_smoothing": 0.25},
                                     {"reduction": "none", "weight": CLASS_WEIGHTS}], ids=str)
def test_cross_entropy_with_class_probabilities_matches_pytorch(torch, options):
    probabilities = rng.dirichlet(np.ones(4), size=6)
    compare_loss(torch, "cross_entropy", [LOGITS, probabilities], **options)  # the targets' gradient too
    spatial = np.moveaxis(rng.dirichlet(np.ones(4), size=(2, 3, 2)), -1, 1)
    compare_loss(torch, "cross_entropy", [SPATIAL_LOGITS], [spatial], **options)


def test_cross_entropy_of_one_sample_and_the_module_match_pytorch(torch):
    compare_loss(torch, "cross_entropy", [LOGITS[0], np.array(2)])
    ours = nn.CrossEntropyLoss(weight=CLASS_WEIGHTS, ignore_index=0, label_smoothing=0.1)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.from_numpy(CLASS_WEIGHTS), ignore_index=0, label_smoothing=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    compare_with_torch(torch, ours, theirs, [LOGITS, LABELS])


def test_cross_entropy_gradients_with_every_option_match_finite_differences():
    check_gradients(lambda x: F.cross_entropy(x, SPATIAL_LABELS, weight=CLASS_WEIGHTS, ignore_index=2,
                                              label_smoothing=0.15), SPATIAL_LOGITS)
    check_gradients(lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1), LOGITS, rng.dirichlet(np.ones(4), 6))


def test_all_targets_ignored_is_nan_as_pytorch():
    with np.errstate(all="ignore"):
        loss = F.cross_entropy(tg.Tensor(LOGITS), np.full(6, 1), ignore_index=1)
    assert np.isnan(loss.item())


@pytest.mark.parametrize("options", [{}, {"pos_weight": np.array([1.0, 3.0, 0.5])},
                                     {"weight": rng.uniform(0, 2, (4, 3)), "reduction": "sum"},
                                     {"pos_weight": np.array([2.0, 0.3, 1.0]), "weight": np.array([1.0, 0.5, 2.0]),
                                      "reduction": "none"}], ids=str)
def test_bce_with_logits_matches_pytorch(torch, options):
    logits = rng.standard_normal((4, 3)) * 8  # large logits: the stable form matters
    targets = rng.uniform(0, 1, (4, 3))
    compare_loss(torch, "binary_cross_entropy_with_logits", [logits, targets], **options)


def test_bce_weight_and_pos_weight_as_module_buffers(torch):
    ours = nn.BCEWithLogitsLoss(pos_weight=np.array([2.0, 1.0, 0.5]))
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0, 1.0, 0.5], dtype=torch.float64))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["pos_weight"]
    compare_with_torch(torch, ours, theirs, [rng.standard_normal((4, 3)), rng.integers(0, 2, (4, 3)).astype(float)])
    compare_loss(torch, "binary_cross_entropy", [rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))],
                 weight=rng.uniform(0, 2, (4, 3)))


@pytest.mark.parametrize(("name", "options"), [
    ("huber_loss", {}), ("huber_loss", {"delta": 0.4, "reduction": "sum"}), ("smooth_l1_loss", {}),
    ("smooth_l1_loss", {"beta": 0.5, "reduction": "none"}), ("smooth_l1_loss", {"beta": 0.0}),
    ("mse_loss", {"weight": rng.uniform(0, 2, (5, 3))}), ("l1_loss", {"weight": rng.uniform(0, 2, (5, 3))}),
    ("huber_loss", {"weight": rng.uniform(0, 2, (5, 3)), "delta": 0.7}),
], ids=str)
def test_regression_losses_match_pytorch(torch, name, options):
    compare_loss(torch, name, [rng.standard_normal((5, 3)), rng.standard_normal((5, 3))], **options)


@pytest.mark.parametrize("options", [{"reduction": "batchmean"}, {"reduction": "sum"}, {"reduction": "none"},
                                     {"reduction": "batchmean", "log_target": True}], ids=str)
def test_kl_div_matches_pytorch(torch, options):
    log_q = np.log(rng.dirichlet(np.ones(4), 5))
    target = rng.dirichlet(np.ones(4), 5)
    compare_loss(torch, "kl_div", [log_q, np.log(target) if options.get("log_target") else target], **options)
    if not options.get("log_target"):
        target[0, 1] = 0.0  # 0·log 0 = 0; the target as a constant (PyTorch's gradient for it there is NaN)
        compare_loss(torch, "kl_div", [log_q], [target], **options)


@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_ranking_losses_match_pytorch(torch, margin):
    x1, x2 = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    signs = np.array([1, -1, 1, -1, -1, 1])
    compare_loss(torch, "cosine_embedding_loss", [x1, x2], [signs], margin=margin)
    compare_loss(torch, "cosine_embedding_loss", [x1[0], x2[0]], [np.array(-1)], margin=margin, reduction="sum")
    compare_loss(torch, "margin_ranking_loss", [x1[:, 0], x2[:, 0]], [signs.astype(float)], margin=margin)


def test_loss_modules_match_pytorch_names_and_defaults(torch):
    for name in ("HuberLoss", "SmoothL1Loss", "KLDivLoss", "NLLLoss", "CosineEmbeddingLoss", "MarginRankingLoss"):
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)()).replace("()", "(reduction='mean')")


def test_loss_errors_name_what_is_wrong():
    with pytest.raises(TypeError, match="got the string 'sum' \\(pass reduction= by name\\)"):
        F.cross_entropy(tg.Tensor(LOGITS), LABELS, "sum")
    with pytest.raises(ValueError, match="size_average and reduce are deprecated"):
        nn.MSELoss(size_average=False)
    with pytest.raises(ValueError, match=r"needs targets of shape \(2, 3, 2\), got \(2, 3\)"):
        F.cross_entropy(tg.Tensor(SPATIAL_LOGITS), SPATIAL_LABELS[:, :, 0])
    with pytest.raises(ValueError, match="weight must hold one value per class"):
        F.nll_loss(tg.Tensor(LOGITS), LABELS, weight=np.ones(3))
    with pytest.raises(ValueError, match=r"label_smoothing must be between 0\.0 and 1\.0"):
        F.cross_entropy(tg.Tensor(LOGITS), LABELS, label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.KLDivLoss(reduction="avg")
