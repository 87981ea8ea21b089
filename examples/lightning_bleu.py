"""evalkit in Lightning: a LightningModule logs corpus BLEU and chrF through ``self.log`` with the torchmetrics
adapter; the logged numbers are sacrebleu's corpus scores, whatever the batching.

    python examples/lightning_bleu.py             # needs lightning (and torchmetrics)
"""

from __future__ import annotations

import lightning as L
import torch
from torch.utils.data import DataLoader

import evalkit
from evalkit.integrations.lightning import EvalkitMetric

PAIRS = [
    ("the cat sat on the mat", "the cat sat on a mat"),
    ("a quick brown dog", "the quick brown fox jumps"),
    ("hello world again", "hello world"),
    ("one two three four five", "one two three four"),
    ("it is raining today", "it rains today"),
    ("we scored every item once", "every item was scored once"),
]


class Echo(L.LightningModule):
    """A stand-in for a generator: its "output" for a pair is the pair's first side."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)  # a module needs a parameter
        self.bleu = EvalkitMetric(evalkit.BLEU())
        self.chrf = EvalkitMetric(evalkit.CHRF())

    def validation_step(self, batch, batch_idx):
        hypotheses, references = batch
        self.bleu.update(list(hypotheses), list(references))
        self.chrf.update(list(hypotheses), list(references))
        self.log("val_bleu", self.bleu, on_epoch=True, batch_size=len(hypotheses))
        self.log("val_chrf", self.chrf, on_epoch=True, batch_size=len(hypotheses))


def main() -> None:
    # several ranks: DataLoader(..., sampler=evalkit.stats.dist.unpadded_sampler(len(PAIRS))) and
    # Trainer(use_distributed_sampler=False), so that no item is scored twice
    loader = DataLoader(PAIRS, batch_size=4)
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False)
    (logged,) = trainer.validate(Echo(), loader, verbose=False)
    hyps, refs = [h for h, _ in PAIRS], [r for _, r in PAIRS]
    print(f"val_bleu {logged['val_bleu']:.6f} (evalkit.bleu over all pairs: {evalkit.bleu(hyps, refs).score:.6f})")
    print(f"val_chrf {logged['val_chrf']:.6f} (evalkit.chrf over all pairs: {evalkit.chrf(hyps, refs).score:.6f})")


if __name__ == "__main__":
    main()
