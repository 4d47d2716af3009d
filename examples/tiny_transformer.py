"""A two-layer causal transformer language model on the docstrings of Python's standard library.

    OMP_NUM_THREADS=1 python examples/tiny_transformer.py [--minutes 5] [--fast] [--out DIR]

Characters and positions are embedded (128), go through two ``nn.TransformerEncoderLayer``s (4 heads, feed-forward
512, pre-norm, ReLU) with a causal mask (each position sees itself and the characters before it), then a LayerNorm
and a ``Linear`` layer give the next character's logits. Same data, windows, optimizer, schedule and CPU-time budget
as ``char_lstm.py``, to compare the two. Prints the validation loss, a sample, and writes loss.png.
"""

from __future__ import annotations

import numpy as np
from char_text import ALPHABET, encode, report, sample, setup, train

import tinygrad_edu as tg
from tinygrad_edu import nn


class TinyTransformer(nn.Module):
    """Token and position embeddings → causal TransformerEncoderLayers → LayerNorm → Linear."""

    def __init__(self, vocabulary: int, width: int, heads: int, feedforward: int, layers: int, context: int) -> None:
        super().__init__()
        self.context = context
        self.embed = nn.Embedding(vocabulary, width)
        self.position = nn.Embedding(context, width)
        layer = nn.TransformerEncoderLayer(width, heads, feedforward, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocabulary)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        """Small embeddings, N(0, 0.02) as GPT-2 does (N(0, 1) would swamp the attention at the start)."""
        if isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, 0.02)

    def forward(self, ids: np.ndarray) -> tg.Tensor:
        length = ids.shape[1]
        x = self.embed(ids) + self.position(np.arange(length))
        causal = nn.Transformer.generate_square_subsequent_mask(length)
        return self.head(self.norm(self.encoder(x, mask=causal, is_causal=True)))


def main() -> None:
    args, text = setup(__doc__.splitlines()[0], {"lr": 1e-3, "out": "tiny_transformer_out"})
    width, heads, feedforward = (16, 2, 32) if args.fast else (128, 4, 512)
    model = TinyTransformer(len(ALPHABET), width, heads, feedforward, 2, args.context)
    print(f"{len(text)} characters of standard-library docstrings, {len(ALPHABET)} symbols; 2 layers of width "
          f"{width}, {heads} heads, feed-forward {feedforward}, {sum(p.size for p in model.parameters())} parameters")
    history = train(model, model, encode(text), args)

    def next_logits(ids: np.ndarray) -> np.ndarray:
        with tg.no_grad():  # the last `context` characters: positions beyond were never trained
            return model(ids[None, -args.context :]).data[0, -1]

    generated = sample(next_logits, "Return the ", 60 if args.fast else 400, 0.8, np.random.default_rng(args.seed))
    report("tiny transformer", history, generated, args)


if __name__ == "__main__":
    main()
