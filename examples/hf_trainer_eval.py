"""evalkit in the HF Trainer: a tiny randomly initialised GPT-2 (built from a config, nothing downloaded)
evaluated with perplexity and token accuracy from its logits, and BLEU of its teacher-forced guesses.

    python examples/hf_trainer_eval.py            # needs transformers, torch and accelerate

``preprocess_logits_for_metrics`` keeps per-sequence rows and argmax ids, not the logits; both
``batch_eval_metrics`` modes give the same numbers.
"""

from __future__ import annotations

import tempfile

import torch
import transformers

import evalkit
from evalkit.integrations.hf import TrainerMetrics

VOCAB, PAD = 50, 0


def words(rows):
    """A stand-in tokenizer's batch_decode: id t is the word "w<t>"."""
    return [" ".join(f"w{t}" for t in row) for row in rows]


def collate(batch):
    width = max(len(b) for b in batch)
    ids = torch.tensor([b + [PAD] * (width - len(b)) for b in batch])
    labels = torch.where(ids == PAD, -100, ids)  # padding is not scored
    return {"input_ids": ids, "attention_mask": (ids != PAD).long(), "labels": labels}


def main() -> None:
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=VOCAB, n_positions=32, n_embd=32, n_layer=2, n_head=2)
    model = transformers.GPT2LMHeadModel(config)
    generator = torch.Generator().manual_seed(1)
    data = [torch.randint(1, VOCAB, (int(n),), generator=generator).tolist() for n in torch.randint(4, 20, (24,))]
    scoring = TrainerMetrics(
        [evalkit.LogitPerplexity(shift=True), evalkit.TokenAccuracy(shift=True), evalkit.BLEU(tokenize="none")],
        tokenizer=words,
        pad_id=PAD,
        shift=True,  # a causal LM: the guess at t is for the token at t + 1
    )
    for batch_eval in (False, True):
        with tempfile.TemporaryDirectory() as out:
            args = transformers.TrainingArguments(
                output_dir=out,
                per_device_eval_batch_size=5,
                report_to="none",
                use_cpu=True,
                batch_eval_metrics=batch_eval,
            )
            trainer = transformers.Trainer(
                model=model,
                args=args,
                data_collator=collate,
                eval_dataset=data,
                compute_metrics=scoring.compute_metrics,
                preprocess_logits_for_metrics=scoring.preprocess_logits_for_metrics,
            )
            metrics = trainer.evaluate()
        shown = {k: round(v, 6) for k, v in metrics.items() if k[5:] in ("logit_perplexity", "token_accuracy", "bleu")}
        print(f"batch_eval_metrics={batch_eval}: {shown}")


if __name__ == "__main__":
    main()
