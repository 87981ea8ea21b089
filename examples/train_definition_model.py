"""Train a definition model on WordNet 3.0 and score it with evalkit (``pip install 'evalkit[torch]'``).

    python examples/train_definition_model.py --minutes 15            # the CPU setting of docs/generator.md
    python examples/train_definition_model.py --minutes 3 --gpu       # a larger model on CUDA

Each epoch logs the training loss, the validation perplexity (the ``Perplexity`` metric's summed
statistics) and BLEU / ROUGE-L / METEOR of generated definitions (evalkit's stateful metrics); at the end
the test words (unseen in training) are defined by the model and by two baselines, and all are scored alike.
"""

from __future__ import annotations

import argparse

from evalkit.generator.config import TrainConfig
from evalkit.generator.train import define, evaluate, exemplars_of, load_checkpoint, load_splits, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="runs/definitions", help="run directory (log.jsonl, checkpoint.pt)")
    ap.add_argument("--minutes", type=float, default=15.0, help="training time budget")
    ap.add_argument("--gpu", action="store_true", help="the larger model used on CUDA in docs/generator.md")
    ap.add_argument("--beam-size", type=int, default=4, help="decoding of the test words (1: greedy)")
    args = ap.parse_args()

    if args.gpu:
        cfg = TrainConfig(emb_dim=256, hidden_dim=512, max_vocab=10_000, batch_size=128, dropout=0.3, epochs=40,
                          max_minutes=args.minutes, device="cuda")  # fmt: skip
    else:
        cfg = TrainConfig(emb_dim=128, hidden_dim=256, max_vocab=2_000, batch_size=64, lr=4e-3, dropout=0.1,
                          epochs=100, max_minutes=args.minutes, device="cpu", threads=1)  # fmt: skip
    train(cfg, args.out)

    checkpoint = f"{args.out}/checkpoint.pt"
    model, vocab, cfg, _ = load_checkpoint(checkpoint, device=cfg.device)
    words = ["dog", "happiness", "quickly"]
    # the prompts hold the nearest-spelling training words' definitions, as in training
    exemplars = exemplars_of(cfg, load_splits(cfg), words)
    device = next(model.parameters()).device
    texts = define(model, vocab, words, exemplars=exemplars, prompt_len=cfg.max_len, device=device)
    for word, text in zip(words, texts):
        print(f"{word} : {text}")
    # the decoding chosen on the validation split in docs/generator.md
    evaluate(checkpoint, device=cfg.device, beam_size=args.beam_size, length_penalty=2.0, no_repeat_ngram=3,
             copy_bias=1.0)  # fmt: skip


if __name__ == "__main__":
    main()
