"""Attention and the transformer layers built on it: ``MultiheadAttention``, ``TransformerEncoderLayer``,
``TransformerEncoder``, ``TransformerDecoderLayer``, ``TransformerDecoder`` and ``Transformer``, with PyTorch's
arguments, submodule and parameter names (``self_attn.in_proj_weight``, ``linear1``, ``norm2``, ...), masks and
equations; all composed from tensor ops (``F.scaled_dot_product_attention`` is softmax(Q·Kᵀ/√d + mask)·V)."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor, cat
from . import functional as F  # noqa: N812 - PyTorch's customary alias
from . import init
from .container import ModuleList
from .layers import Dropout, Linear
from .module import Module, Parameter, with_device_and_dtype
from .normalization import LayerNorm


def _parameter(*shape: int) -> Parameter:
    return Parameter(np.zeros(shape, dtype=np.float32))


def _mask_bias(mask: Any, dtype: np.dtype) -> np.ndarray | Tensor | None:
    """An ``nn.MultiheadAttention`` mask as an additive bias: bool True = may not attend (−inf); float as given."""
    return F.attention_bias(mask, 0, 0, False, dtype, allowed_when_true=False)


def _add(a: Any, b: Any) -> Any:
    """The sum of two optional additive biases (arrays or Tensors)."""
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return (a if isinstance(a, Tensor) else Tensor.wrap(a)) + b
    return a + b


class MultiheadAttention(Module):
    """Multi-head attention: queries, keys and values projected (``in_proj_weight`` (3E, E) and ``in_proj_bias``, or
    ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when ``kdim``/``vdim`` differ from E), split into
    ``num_heads`` heads of E/num_heads, attended, joined and projected by ``out_proj``.

    Input (L, N, E) — (N, L, E) with ``batch_first`` — or unbatched (L, E). Returns (output, weights): the weights
    averaged over heads (N, L, S), per head (N, heads, L, S) with ``average_attn_weights=False``, or None when
    ``need_weights=False``. Masks: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N·heads, L, S), bool
    (True = may not attend) or float (added to the scores).
    """

    @with_device_and_dtype
    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _parameter(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = _parameter(embed_dim, embed_dim)
            self.k_proj_weight = _parameter(embed_dim, self.kdim)
            self.v_proj_weight = _parameter(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias", _parameter(3 * embed_dim) if bias else None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        for name in ("bias_k", "bias_v"):
            self.register_parameter(name, _parameter(1, 1, embed_dim) if add_bias_kv else None)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v (out_proj keeps Linear's
        initialisation of its weight)."""
        for weight in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if weight is not None:
                init.xavier_uniform_(weight)
        for bias in (self.in_proj_bias, self.out_proj.bias):
            if bias is not None:
                init.zeros_(bias)
        for bias in (self.bias_k, self.bias_v):
            if bias is not None:
                init.xavier_normal_(bias)

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """q, k, v = the inputs times their projections (one matmul for self-attention with packed weights)."""
        e, b = self.embed_dim, self.in_proj_bias
        biases = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        if not self._qkv_same_embed_dim:
            return (F.linear(query, self.q_proj_weight, biases[0]), F.linear(key, self.k_proj_weight, biases[1]),
                    F.linear(value, self.v_proj_weight, biases[2]))
        w = self.in_proj_weight
        if query is key and key is value:
            packed = F.linear(query, w, b)
            return packed[..., :e], packed[..., e : 2 * e], packed[..., 2 * e :]
        q = F.linear(query, w[:e], biases[0])
        if key is value:
            packed = F.linear(key, w[e:], None if b is None else b[e:])
            return q, packed[..., :e], packed[..., e:]
        return q, F.linear(key, w[e : 2 * e], biases[1]), F.linear(value, w[2 * e :], biases[2])

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or 2-D "
                             f"(unbatched), got shapes {query.shape}, {key.shape} and {value.shape}")
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        if not batched or not self.batch_first:  # to (N, L, E), keeping self-attention's inputs one tensor
            layout = (lambda t: t.unsqueeze(0)) if not batched else (lambda t: t.swapaxes(0, 1))
            key_is_query, value_is_key = key is query, value is key
            query = layout(query)
            key = query if key_is_query else layout(key)
            value = key if value_is_key else layout(value)
            if not batched and key_padding_mask is not None:
                key_padding_mask = _unsqueezed(key_padding_mask)
        n, length, _ = query.shape
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ValueError(f"MultiheadAttention: expected feature sizes {self.embed_dim}, {self.kdim} and "
                             f"{self.vdim} for query, key and value, got {query.shape[-1]}, {key.shape[-1]} and "
                             f"{value.shape[-1]}")
        q, k, v = self._project(query, key, value)
        bias = self._bias(attn_mask, key_padding_mask, n, length, key.shape[1], q.dtype)
        if self.bias_k is not None:
            k, v = (cat([t, extra.broadcast_to(n, 1, self.embed_dim)], axis=1)
                    for t, extra in ((k, self.bias_k), (v, self.bias_v)))
            bias = _padded_bias(bias)
        heads = [t.reshape(n, t.shape[1], self.num_heads, self.head_dim).transpose(0, 2, 1, 3) for t in (q, k, v)]
        if self.add_zero_attn:
            zeros = Tensor.wrap(np.zeros((n, self.num_heads, 1, self.head_dim), dtype=q.dtype))
            heads[1], heads[2] = cat([heads[1], zeros], axis=2), cat([heads[2], zeros], axis=2)
            bias = _padded_bias(bias)
        if is_causal and key_padding_mask is None and not need_weights:  # PyTorch trusts the hint: causal masking
            bias = F.attention_bias(None, length, heads[1].shape[2], True, q.dtype)
        out, weights = F.attend(*heads, bias, self.dropout if self.training else 0.0, 1.0 / math.sqrt(self.head_dim),
                                fully_masked_rows_give_zeros=not need_weights)
        out = self.out_proj(out.transpose(0, 2, 1, 3).reshape(n, length, self.embed_dim))
        if not batched:
            out = out[0]
        elif not self.batch_first:
            out = out.swapaxes(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        return out, (weights if batched else weights[0])

    def _bias(self, attn_mask: Any, key_padding_mask: Any, n: int, length: int, source: int, dtype: np.dtype
              ) -> Any:
        """The additive bias of both masks, broadcastable to the scores (N, heads, L, S)."""
        bias = None
        if attn_mask is not None:
            bias = _mask_bias(attn_mask, dtype)
            if bias.ndim == 3:
                if bias.shape != (n * self.num_heads, length, source):
                    raise ValueError(f"The shape of the 3D attn_mask is {bias.shape}, but should be "
                                     f"{(n * self.num_heads, length, source)}.")
                bias = bias.reshape(n, self.num_heads, length, source)
            elif bias.shape != (length, source):
                raise ValueError(f"The shape of the 2D attn_mask is {bias.shape}, but should be {(length, source)}.")
        if key_padding_mask is not None:
            padding = _mask_bias(key_padding_mask, dtype)
            if padding.shape != (n, source):
                raise ValueError(f"expected key_padding_mask of shape {(n, source)}, got {padding.shape}")
            bias = _add(bias, padding.reshape(n, 1, 1, source))
        return bias

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"


def _unsqueezed(mask: Any) -> Any:
    return mask.unsqueeze(0) if isinstance(mask, Tensor) else np.asarray(mask)[None]


def _padded_bias(bias: Any) -> Any:
    """The bias with one more key (a column of zeros: the appended key may be attended)."""
    if bias is None:
        return None
    if isinstance(bias, Tensor):
        return cat([bias, Tensor.wrap(np.zeros((*bias.shape[:-1], 1), dtype=bias.dtype))], axis=-1)
    return np.concatenate([bias, np.zeros((*bias.shape[:-1], 1), dtype=bias.dtype)], axis=-1)


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


# ----------------------------------------------------------------------------------------------- transformers
class _TransformerLayer(Module):
    """What the encoder and decoder layers share: attention blocks, the feed-forward block, LayerNorms and dropouts,
    registered in PyTorch's order (so parameter names and state dicts match)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int, dropout: float,
                 activation: str | Callable[[Tensor], Tensor], layer_norm_eps: float, batch_first: bool,
                 norm_first: bool, bias: bool, blocks: int) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        if blocks == 3:
            self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                     batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        for i in range(1, blocks + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        for i in range(1, blocks + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation)
        self._last_dropout = f"dropout{blocks}"

    def _sa_block(self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                             is_causal=is_causal)[0]
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        """linear2(dropout(activation(linear1(x)))), then the block's dropout."""
        out = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return getattr(self, self._last_dropout)(out)


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention then a feed-forward block, each with a residual connection and a LayerNorm: after
    (``norm_first=False``, the original transformer: x = norm1(x + sa(x)); x = norm2(x + ff(x))) or before
    (x = x + sa(norm1(x)); x = x + ff(norm2(x))); ff(x) = linear2(dropout(activation(linear1(x))))."""

    @with_device_and_dtype
    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True) -> None:
        super().__init__(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                         norm_first, bias, blocks=2)

    def forward(self, src: Tensor, src_mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
                ) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention, attention over the encoder's ``memory``, and a feed-forward block, each with a residual
    connection and a LayerNorm (after each block, or before with ``norm_first``)."""

    @with_device_and_dtype
    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True) -> None:
        super().__init__(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                         norm_first, bias, blocks=3)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _mha_block(self, x: Tensor, memory: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool
                   ) -> Tensor:
        return self.dropout2(self.multihead_attn(x, memory, memory, attn_mask=attn_mask,
                                                 key_padding_mask=key_padding_mask, is_causal=is_causal,
                                                 need_weights=False)[0])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (each with its own parameters), then ``norm`` if given."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src: Tensor, mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool | None = None
                ) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` (each with its own parameters), then ``norm`` if given."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need": an encoder and a decoder stack, each ending
    in a LayerNorm; every matrix initialised Xavier-uniform."""

    @with_device_and_dtype
    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, bias=bias)
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for param in self.parameters():
            if param.ndim > 1:
                init.xavier_uniform_(param)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Any = None, tgt_mask: Any = None, memory_mask: Any = None,
                src_key_padding_mask: Any = None, tgt_key_padding_mask: Any = None,
                memory_key_padding_mask: Any = None, src_is_causal: bool | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal mask (sz, sz): 0 on and below the diagonal, −inf above (query i may attend to keys 0…i)."""
        mask = np.triu(np.full((sz, sz), -np.inf), k=1)
        return Tensor(mask, dtype=np.float32 if dtype is None else dtype)
