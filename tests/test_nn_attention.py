"""scaled_dot_product_attention, MultiheadAttention and the transformer layers: PyTorch's definitions, masks and
parameter names (outputs and every gradient compared with PyTorch's on copied weights), finite differences."""

import copy

import numpy as np
import pytest
from gradients import check_closure_gradients, check_gradients, leaf
from optional_tools import require_module
from torch_compare import compare_with_torch

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F  # noqa: N812 - PyTorch's customary alias

rng = np.random.default_rng(0)
L, S, N, E, HEADS = 4, 5, 3, 8, 2
QUERY, KEY, VALUE = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E)), rng.standard_normal((S, N, E))
BOOL_MASK = rng.random((L, S)) < 0.3
BOOL_MASK[:, 0] = False  # every query may attend somewhere
PADDING = rng.random((N, S)) < 0.3
PADDING[:, 1] = False


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (the CPU build)")


def as_mask(torch, values, like):
    """A mask for whichever library ``like`` belongs to (numpy arrays work here, PyTorch needs tensors)."""
    return torch.from_numpy(values) if isinstance(like, torch.Tensor) else values


# ----------------------------------------------------------------------------------------------- sdpa
@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal", "scale"])
def test_sdpa_matches_pytorch(torch, mask):
    q, k, v = (rng.standard_normal((2, 3, n, 4)) for n in (L, S, S))
    kwargs = {"bool": {"attn_mask": ~BOOL_MASK}, "float": {"attn_mask": rng.standard_normal((L, S))},
              "causal": {"is_causal": True}, "scale": {"scale": 0.3}, "none": {}}[mask]

    def call(_, q, k, v):
        library = torch.nn.functional if isinstance(q, torch.Tensor) else F
        options = {key: as_mask(torch, value, q) if key == "attn_mask" else value for key, value in kwargs.items()}
        return library.scaled_dot_product_attention(q, k, v, **options)

    compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [q, k, v], call=call)


def test_sdpa_query_that_may_attend_nowhere_gives_zeros_as_pytorch(torch):
    q, k, v = (rng.standard_normal((3, n, 4)) for n in (L, S, S))
    allowed = np.ones((L, S), dtype=bool)
    allowed[1] = False

    def call(_, q, k, v):
        library = torch.nn.functional if isinstance(q, torch.Tensor) else F
        return library.scaled_dot_product_attention(q, k, v, attn_mask=as_mask(torch, allowed, q))

    (out,) = compare_with_torch(torch, nn.Identity(), torch.nn.Identity(), [q, k, v], call=call)
    assert (out[:, 1] == 0).all()


def test_sdpa_gradients_match_finite_differences():
    mask = rng.standard_normal((3, 5))
    check_gradients(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=tg.Tensor(mask)),
                    rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 3)))


def test_sdpa_dropout_zeroes_weights_and_rescales_the_rest():
    tg.manual_seed(0)
    q, k = tg.Tensor(np.zeros((1, 200, 4))), tg.Tensor(np.zeros((1, 200, 4)))  # uniform weights 1/200
    v = tg.Tensor(np.eye(200)[None])  # the output is the weight matrix itself
    weights = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25).data
    kept = weights != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(weights[kept], 1 / 200 / 0.75)


# ----------------------------------------------------------------------------------------------- MultiheadAttention
MHA_CASES = {
    "plain": ({}, lambda t, m, q, k, v: m(q, k, v)),
    "self, no weights": ({}, lambda t, m, q, k, v: m(q, q, q, need_weights=False)),
    "bool attn_mask": ({}, lambda t, m, q, k, v: m(q, k, k, attn_mask=as_mask(t, BOOL_MASK, q))),
    "padding, per head": ({}, lambda t, m, q, k, v: m(q, k, v, key_padding_mask=as_mask(t, PADDING, q),
                                                       average_attn_weights=False)),
    "float mask and padding": ({}, lambda t, m, q, k, v: m(q, k, v, key_padding_mask=as_mask(t, PADDING, q),
                                                            attn_mask=as_mask(t, np.where(BOOL_MASK, -1.5, 0.3), q),
                                                            need_weights=False)),
    "3-D mask": ({}, lambda t, m, q, k, v: m(q, k, v, attn_mask=as_mask(
        t, np.repeat(BOOL_MASK[None], N * HEADS, axis=0), q))),
    "bias_kv, zero_attn": ({"add_bias_kv": True, "add_zero_attn": True},
                           lambda t, m, q, k, v: m(q, k, v, key_padding_mask=as_mask(t, PADDING, q),
                                                   attn_mask=as_mask(t, BOOL_MASK, q))),
    "no bias": ({"bias": False}, lambda t, m, q, k, v: m(q, k, v)),
}


@pytest.mark.parametrize("case", MHA_CASES)
def test_multihead_attention_matches_pytorch(torch, case):
    options, call = MHA_CASES[case]
    theirs, ours = torch.nn.MultiheadAttention(E, HEADS, **options), nn.MultiheadAttention(E, HEADS, **options)
    compare_with_torch(torch, ours, theirs, [QUERY, KEY, VALUE], call=lambda m, q, k, v: call(torch, m, q, k, v))


def test_multihead_attention_with_other_key_and_value_sizes_batch_first_and_unbatched(torch):
    theirs, ours = torch.nn.MultiheadAttention(E, HEADS, kdim=6, vdim=7), nn.MultiheadAttention(E, HEADS, kdim=6,
                                                                                                 vdim=7)
    assert ours.in_proj_weight is None and ours.k_proj_weight.shape == (E, 6)
    compare_with_torch(torch, ours, theirs, [QUERY, rng.standard_normal((S, N, 6)), rng.standard_normal((S, N, 7))])
    theirs, ours = (module.MultiheadAttention(E, HEADS, batch_first=True) for module in (torch.nn, nn))
    compare_with_torch(torch, ours, theirs, [QUERY.transpose(1, 0, 2)], call=lambda m, x: m(x, x, x))
    (out, weights) = compare_with_torch(torch, ours, theirs, [QUERY[:, 0]], call=lambda m, x: m(x, x, x))
    assert out.shape == (L, E) and weights.shape == (L, L)


def test_multihead_attention_gradients_match_finite_differences():
    layer = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    q, k = leaf(3, 2, 4), leaf(5, 2, 4, seed=1)
    check_closure_gradients(lambda: layer(q, k, k, attn_mask=BOOL_MASK[:3])[0], [q, k, *layer.parameters()])


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    layer = nn.MultiheadAttention(E, HEADS)
    x = tg.Tensor(QUERY)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        layer(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match=r"2D attn_mask is \(3, 3\), but should be \(4, 4\)"):
        layer(x, x, x, attn_mask=np.zeros((3, 3), dtype=bool))
    with pytest.raises(TypeError, match="bool or floating point"):
        layer(x, x, x, attn_mask=np.zeros((4, 4), dtype=np.int64))


# ----------------------------------------------------------------------------------------------- transformers
def causal(torch, like):
    mask = (torch.nn if isinstance(like, torch.Tensor) else nn).Transformer.generate_square_subsequent_mask(L)
    return mask.double()


@pytest.mark.parametrize("options", [{}, {"norm_first": True, "activation": "gelu"}, {"bias": False}], ids=str)
def test_encoder_layer_matches_pytorch(torch, options):
    theirs = torch.nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, **options)
    ours = nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, **options)
    compare_with_torch(torch, ours, theirs, [QUERY], call=lambda m, x: m(
        x, src_mask=causal(torch, x), src_key_padding_mask=as_mask(torch, PADDING[:, :L], x)))


@pytest.mark.parametrize("options", [{}, {"norm_first": True}, {"batch_first": True}], ids=str)
def test_decoder_layer_matches_pytorch(torch, options):
    theirs = torch.nn.TransformerDecoderLayer(E, HEADS, 16, dropout=0.0, **options)
    ours = nn.TransformerDecoderLayer(E, HEADS, 16, dropout=0.0, **options)
    inputs = [t.transpose(1, 0, 2) if options.get("batch_first") else t for t in (QUERY, KEY)]
    compare_with_torch(torch, ours, theirs, inputs, call=lambda m, tgt, memory: m(
        tgt, memory, tgt_mask=causal(torch, tgt), memory_key_padding_mask=as_mask(torch, PADDING, tgt)))


def test_stacks_and_the_full_transformer_match_pytorch(torch):
    layer = torch.nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0)
    theirs = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0), 2, norm=nn.LayerNorm(E))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    compare_with_torch(torch, ours, theirs, [QUERY])
    theirs, ours = (module.Transformer(E, HEADS, 2, 2, 16, dropout=0.0) for module in (torch.nn, nn))
    compare_with_torch(torch, ours, theirs, [KEY, QUERY])
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(3).data,
                                  torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())


def test_stacked_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(E, HEADS, 16)
    stack = nn.TransformerEncoder(layer, 2)
    first, second = stack.layers
    assert first.linear1.weight is not second.linear1.weight and first.linear1.weight is not layer.linear1.weight
    np.testing.assert_array_equal(first.linear1.weight.data, layer.linear1.weight.data)
    first.linear1.weight.data[...] = 0
    assert second.linear1.weight.data.any() and copy.deepcopy(first).linear1.weight.data.sum() == 0


def test_activation_must_be_relu_gelu_or_a_callable():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(E, HEADS, activation="tanh")
    layer = nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, activation=nn.Tanh())
    assert isinstance(layer.activation, nn.Tanh) and layer(tg.Tensor(QUERY)).shape == QUERY.shape
