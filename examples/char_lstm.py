"""A character-level LSTM language model on the docstrings of Python's standard library, then a sample of its text.

    OMP_NUM_THREADS=1 python examples/char_lstm.py [--minutes 5] [--fast] [--out DIR]

Characters are embedded (64), read by an ``nn.LSTM`` (256 units) and mapped back to a distribution over the next
character by a ``Linear`` layer; trained with AdamW on random windows of 64 characters, for as many steps as fit in
the CPU-time budget (the same budget and data as ``tiny_transformer.py``, to compare the two). Prints the validation
loss in nats and bits per character, a sample, and writes loss.png.
"""

from __future__ import annotations

import numpy as np
from char_text import ALPHABET, encode, report, sample, setup, train

import tinygrad_edu as tg
from tinygrad_edu import nn


class CharLSTM(nn.Module):
    """Embedding → LSTM → Linear: logits (N, T, V) for the character after each position."""

    def __init__(self, vocabulary: int, embedding: int, hidden: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocabulary)

    def forward(self, ids: np.ndarray, state: tuple[tg.Tensor, tg.Tensor] | None = None
                ) -> tuple[tg.Tensor, tuple[tg.Tensor, tg.Tensor]]:
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def main() -> None:
    args, text = setup(__doc__.splitlines()[0], {"lr": 3e-3, "out": "char_lstm_out"})
    embedding, hidden = (16, 32) if args.fast else (64, 256)
    model = CharLSTM(len(ALPHABET), embedding, hidden)
    print(f"{len(text)} characters of standard-library docstrings, {len(ALPHABET)} symbols; "
          f"LSTM({embedding}, {hidden}), {sum(p.size for p in model.parameters())} parameters")
    history = train(model, lambda x: model(x)[0], encode(text), args)

    state, fed = None, 0

    def next_logits(ids: np.ndarray) -> np.ndarray:
        nonlocal state, fed  # the LSTM reads only the characters it has not seen yet, carrying its state
        with tg.no_grad():
            logits, state = model(ids[None, fed:], state)
        fed = len(ids)
        return logits.data[0, -1]

    generated = sample(next_logits, "Return the ", 60 if args.fast else 400, 0.8, np.random.default_rng(args.seed))
    report("char LSTM", history, generated, args)


if __name__ == "__main__":
    main()
